/**
 * The GHL rate budget (lib/ghl/rate-limiter.ts) on DynamoDB, in the sync-state table
 * (SYNC_TABLE in lib/entities.ts). One item per location and slot:
 *   pk `ghl-rate-budget#<locationId>`  sk `slot#<slotStartMs>`  taken (number), expiresAt (TTL)
 *
 * A take is one UpdateItem that adds to `taken` only if the result stays within the limit, so
 * concurrent Lambdas are serialised by DynamoDB itself: no read-then-write race. Slot items
 * expire through the table's TTL; correctness never depends on that (a new slot is a new item).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SYNC_TABLE } from '../entities.js';
import type { RateBudgetStore } from '../ghl/rate-limiter.js';

export class DynamoRateBudgetStore implements RateBudgetStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async tryTake(request: { key: string; slotStartMs: number; count: number; limit: number; expiresAtMs: number }) {
    if (request.count > request.limit) return false;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [SYNC_TABLE.partitionKey]: request.key, [SYNC_TABLE.sortKey]: `slot#${request.slotStartMs}` },
          UpdateExpression: 'ADD #taken :count SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(#taken) OR #taken <= :ceiling',
          ExpressionAttributeNames: { '#taken': 'taken', '#expiresAt': SYNC_TABLE.ttlAttribute },
          ExpressionAttributeValues: {
            ':count': request.count,
            ':ceiling': request.limit - request.count,
            ':expiresAt': Math.ceil(request.expiresAtMs / 1000),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
