/**
 * The GHL rate budget's shared schedule (lib/ghl/rate-limiter.ts) on DynamoDB, in the sync-state
 * table (SYNC_TABLE in lib/entities.ts). One item per location:
 *   pk `ghl-rate-budget#<locationId>`  sk `schedule`  tatUs (epoch µs), expiresAt (TTL, epoch s)
 *
 * Every change is one conditional UpdateItem on that item, and DynamoDB applies the writes to an
 * item one at a time, so however many Lambdas reserve at once, each gets its own send time: no
 * read-then-write race. One item takes at most ~9 writes a second at the default budget, far
 * below a partition's 1,000.
 *
 * expiresAt is always at least an hour after the tat written with it, so TTL only ever removes an
 * idle schedule, which is the same as none (a deleted busy one would let a burst through).
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SYNC_TABLE } from '../entities.js';
import type { RateBudgetStore } from '../ghl/rate-limiter.js';

export const RATE_BUDGET_SORT_KEY = 'schedule';
const TTL_AFTER_TAT_SECONDS = 3_600;

export class DynamoRateBudgetStore implements RateBudgetStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async advanceBusy(key: string, at: { nowUs: number; horizonUs: number; emissionUs: number }) {
    const horizonUs = Math.min(at.horizonUs, Number.MAX_SAFE_INTEGER);
    const answer = await this.update(key, {
      UpdateExpression: 'ADD #tat :emission SET #expiresAt = :expiresAt',
      ConditionExpression: '#tat BETWEEN :now AND :horizon',
      ExpressionAttributeValues: {
        ':emission': at.emissionUs,
        ':now': at.nowUs,
        ':horizon': horizonUs,
        // The new tat is at most horizon + emission.
        ':expiresAt': expiresAtOf(horizonUs + at.emissionUs),
      },
      ReturnValues: 'UPDATED_NEW',
    });
    return answer === undefined ? undefined : Number(answer.tatUs);
  }

  async startIdle(key: string, at: { nowUs: number; emissionUs: number }) {
    const tatUs = at.nowUs + at.emissionUs;
    const answer = await this.update(key, {
      UpdateExpression: 'SET #tat = :tat, #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :now',
      ExpressionAttributeValues: { ':tat': tatUs, ':now': at.nowUs, ':expiresAt': expiresAtOf(tatUs) },
    });
    return answer !== undefined;
  }

  async readTat(key: string) {
    const answer = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: this.keyOf(key), ConsistentRead: true }));
    const tat = answer.Item?.tatUs;
    return tat === undefined ? undefined : Number(tat);
  }

  async pushTo(key: string, untilUs: number) {
    await this.update(key, {
      UpdateExpression: 'SET #tat = :until, #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#tat) OR #tat < :until',
      ExpressionAttributeValues: { ':until': untilUs, ':expiresAt': expiresAtOf(untilUs) },
    });
  }

  /** Answers the updated attributes, or undefined when the condition did not hold. */
  private async update(
    key: string,
    expression: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, number>; ReturnValues?: 'UPDATED_NEW' },
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const answer = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.keyOf(key),
          ExpressionAttributeNames: { '#tat': 'tatUs', '#expiresAt': SYNC_TABLE.ttlAttribute },
          ...expression,
        }),
      );
      return answer.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private keyOf(key: string) {
    return { [SYNC_TABLE.partitionKey]: key, [SYNC_TABLE.sortKey]: RATE_BUDGET_SORT_KEY };
  }
}

function expiresAtOf(tatUs: number): number {
  return Math.ceil(tatUs / 1_000_000) + TTL_AFTER_TAT_SECONDS;
}
