/**
 * The lock port (lib/ghl/lock.ts) on DynamoDB, in the sync-state table (SYNC_TABLE):
 *   pk `lock#<name>`  sk `lock`  owner, leaseUntil (epoch ms), expiresAt (TTL, epoch s)
 *
 * Taking the lock is one conditional PutItem that succeeds only if no item exists or its lease
 * has run out, so exactly one of several concurrent Lambdas wins. Lease expiry is decided from
 * `leaseUntil`, never from DynamoDB's TTL deletion (late by days, absent locally). Releasing
 * deletes the item only if we still own it: a holder whose lease ran out and was taken over
 * must not release the new holder's lock.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SYNC_TABLE } from '../entities.js';
import type { Lock, LockLease } from '../ghl/lock.js';

export class DynamoLock implements Lock {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async tryAcquire(name: string, leaseMs: number): Promise<LockLease | undefined> {
    const key = { [SYNC_TABLE.partitionKey]: `lock#${name}`, [SYNC_TABLE.sortKey]: 'lock' };
    const owner = randomUUID();
    const now = this.now();
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            owner,
            leaseUntil: now + leaseMs,
            [SYNC_TABLE.ttlAttribute]: Math.ceil((now + leaseMs) / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #leaseUntil <= :now',
          ExpressionAttributeNames: { '#pk': SYNC_TABLE.partitionKey, '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    return {
      release: async () => {
        try {
          await this.documents.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: key,
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      },
    };
  }
}
