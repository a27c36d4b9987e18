/**
 * The GHL health state (lib/ghl/circuit-breaker.ts) on DynamoDB, in the sync-state table
 * (SYNC_TABLE in lib/entities.ts). One item per location:
 *   pk `ghl-health#<locationId>`  sk `state`  health (map: the state), version, expiresAt (TTL, epoch s)
 *
 * Every write is one conditional PutItem on the version the writer read (or on the item's absence
 * for version 0), so of several Lambdas that change the state at once exactly one wins, and the
 * others read again and decide on what it wrote: only one of them claims a probe. Reads are
 * consistent, so a loser sees the winner's write.
 *
 * expiresAt is a day after the latest time the state names (or after the write), so TTL only ever
 * removes a state that is over, which reads as closed; a writer holding the old version then
 * loses its write, reads the absence, and writes on version 0.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { SYNC_TABLE } from '../entities.js';
import { CLOSED, type GhlHealthState, type GhlHealthStore, type VersionedGhlHealth } from '../ghl/circuit-breaker.js';

export const GHL_HEALTH_SORT_KEY = 'state';
const TTL_AFTER_STATE_SECONDS = 86_400;

const cause = z.enum(['outage', 'daily-quota']);
const storedState = z.union([
  z.object({ status: z.literal('closed'), failures: z.number(), streakStartMs: z.optional(z.number()) }),
  z.object({ status: z.literal('open'), cause, openedAtMs: z.number(), probeAtMs: z.number() }),
  z.object({ status: z.literal('half-open'), cause, openedAtMs: z.number(), probeId: z.string(), probeUntilMs: z.number() }),
]);

export class DynamoGhlHealthStore implements GhlHealthStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(key: string): Promise<VersionedGhlHealth | undefined> {
    const answer = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: this.keyOf(key), ConsistentRead: true }));
    if (answer.Item === undefined) return undefined;
    const version = Number(answer.Item.version ?? 0);
    const parsed = storedState.safeParse(answer.Item.health);
    // An item this code cannot read (written by another version of it) reads as closed; the next write replaces it.
    return { state: parsed.success ? (parsed.data as GhlHealthState) : CLOSED, version };
  }

  async write(key: string, state: GhlHealthState, expectedVersion: number): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.keyOf(key), health: state, version: expectedVersion + 1, [SYNC_TABLE.ttlAttribute]: this.expiresAtOf(state) },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': SYNC_TABLE.partitionKey } }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private expiresAtOf(state: GhlHealthState): number {
    const latestMs = Math.max(
      this.now(),
      state.status === 'closed' ? (state.streakStartMs ?? 0) : state.status === 'open' ? state.probeAtMs : state.probeUntilMs,
    );
    return Math.ceil(latestMs / 1000) + TTL_AFTER_STATE_SECONDS;
  }

  private keyOf(key: string) {
    return { [SYNC_TABLE.partitionKey]: key, [SYNC_TABLE.sortKey]: GHL_HEALTH_SORT_KEY };
  }
}
