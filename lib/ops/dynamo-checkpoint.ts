/**
 * Backfill checkpoints in the sync-state table (SYNC_TABLE), so a run started by hand and the
 * scheduled reconciliation both find where the last one stopped, from any machine:
 *   pk `backfill#<name>`  sk `checkpoint`  runId, lastId, enqueued, startedAt, updatedAt, completedAt
 * The pk prefix keeps these items out of `listStates` (which reads `<entity>#...` only).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SYNC_TABLE } from '../entities.js';
import type { BackfillCheckpoint, CheckpointStore } from './backfill.js';

const keyOf = (name: string) => ({ [SYNC_TABLE.partitionKey]: `backfill#${name}`, [SYNC_TABLE.sortKey]: 'checkpoint' });

export class DynamoCheckpointStore implements CheckpointStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  }

  async load(name: string): Promise<BackfillCheckpoint | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(name), ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const { runId, lastId, enqueued, startedAt, updatedAt, completedAt } = Item as Record<string, unknown>;
    if (typeof runId !== 'string' || typeof enqueued !== 'number' || typeof startedAt !== 'string') {
      throw new Error(`Malformed backfill checkpoint "${name}" in ${this.tableName}: start over with --restart`);
    }
    return {
      runId,
      enqueued,
      startedAt,
      updatedAt: typeof updatedAt === 'string' ? updatedAt : startedAt,
      ...(typeof lastId === 'string' && { lastId }),
      ...(typeof completedAt === 'string' && { completedAt }),
    };
  }

  async save(name: string, checkpoint: BackfillCheckpoint): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { ...checkpoint, ...keyOf(name) } }));
  }
}
