/**
 * The ContactWaiters port (lib/sync/contact-waiters.ts) on the sync-state table.
 *   pk `waiting-for#<relatelContactId>`  sk `<entity>#<messageId>`  receiptHandle, expiresAt
 * One item per waiting message, so a child noted again (a later receive) replaces its receipt
 * handle; a Query on the contact's key finds every child of every entity.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENTITIES, SYNC_TABLE, type Entity } from '../entities.js';
import type { ContactWaiters, WaitingChild } from '../sync/contact-waiters.js';

const PK = SYNC_TABLE.partitionKey;
const SK = SYNC_TABLE.sortKey;
const EXPIRES_AT = SYNC_TABLE.ttlAttribute;
const partitionOf = (relatelContactId: string) => `waiting-for#${relatelContactId}`;

/** BatchWriteItem takes at most 25 requests. */
const MAX_BATCH_WRITE = 25;

export class DynamoContactWaiters implements ContactWaiters {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(dynamo);
  }

  async add(relatelContactId: string, child: WaitingChild, now: Date, ttlMs: number): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: partitionOf(relatelContactId),
          [SK]: `${child.entity}#${child.messageId}`,
          receiptHandle: child.receiptHandle,
          [EXPIRES_AT]: Math.ceil((now.getTime() + ttlMs) / 1000),
        },
      }),
    );
  }

  async take(relatelContactId: string, now: Date): Promise<WaitingChild[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': partitionOf(relatelContactId) },
          ConsistentRead: true,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    for (let start = 0; start < items.length; start += MAX_BATCH_WRITE) {
      const chunk = items.slice(start, start + MAX_BATCH_WRITE);
      let unprocessed = chunk.map((item) => ({ DeleteRequest: { Key: { [PK]: item[PK], [SK]: item[SK] } } }));
      // Deletes DynamoDB left unprocessed are sent again; a note left behind would only wake a
      // child once more, which costs a receive, so a few attempts are enough.
      for (let attempt = 0; attempt < 3 && unprocessed.length > 0; attempt++) {
        const { UnprocessedItems } = await this.documents.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: unprocessed } }),
        );
        unprocessed = (UnprocessedItems?.[this.tableName] ?? []) as typeof unprocessed;
      }
    }
    const nowSeconds = now.getTime() / 1000;
    return items.flatMap((item) => {
      const child = childOf(item);
      return child !== undefined && Number(item[EXPIRES_AT]) > nowSeconds ? [child] : [];
    });
  }
}

function childOf(item: Record<string, unknown>): WaitingChild | undefined {
  const [entity, ...rest] = String(item[SK]).split('#');
  const messageId = rest.join('#');
  if (!ENTITIES.includes(entity as Entity) || messageId === '' || typeof item.receiptHandle !== 'string') return undefined;
  return { entity: entity as Entity, messageId, receiptHandle: item.receiptHandle };
}
