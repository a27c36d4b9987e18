/**
 * The DynamoDB adapters of the rate budget and the lock, on dynalite: what they promise is
 * what DynamoDB's conditional writes give across processes, so they are tested against them.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLock } from '../../../lib/aws/dynamo-lock.js';
import { DynamoRateBudgetStore } from '../../../lib/aws/dynamo-rate-budget.js';
import { SYNC_TABLE } from '../../../lib/entities.js';
import { GhlRateLimiter, rateBudgetKey } from '../../../lib/ghl/rate-limiter.js';
import { localDynamoClient, startLocalDynamo, type LocalServer } from '../../../local/aws/local-aws.js';
import { createSyncTable } from '../../../local/aws/resources.js';
import { busiestWindow } from '../../unit/ghl/busiest-window.js';
import { fakeClock } from '../../unit/ghl/fake-clock.js';

describe('DynamoDB adapters of the GHL client ports', () => {
  let server: LocalServer;
  let dynamo: DynamoDBClient;
  let tables = 0;

  async function freshTable(): Promise<string> {
    tables += 1;
    const tableName = `ghl-ports-${tables}`;
    await createSyncTable(dynamo, tableName);
    return tableName;
  }

  beforeAll(async () => {
    server = await startLocalDynamo(0);
    dynamo = localDynamoClient(server.endpoint);
  });

  afterAll(async () => {
    dynamo.destroy();
    await server.stop();
  });

  describe('DynamoRateBudgetStore', () => {
    const take = (store: DynamoRateBudgetStore, limit: number, slotStartMs = 1_000_000) =>
      store.tryTake({ key: rateBudgetKey('loc-1'), slotStartMs, count: 1, limit, expiresAtMs: slotStartMs + 20_000 });

    it('two concurrent takers never take more than the limit of a slot', async () => {
      const tableName = await freshTable();
      // Two Lambdas: separate clients and adapters, one table.
      const lambdaA = new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName);
      const lambdaB = new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName);
      const attempts = Array.from({ length: 30 }, (_, i) => take(i % 2 === 0 ? lambdaA : lambdaB, 8));
      const taken = (await Promise.all(attempts)).filter(Boolean);
      expect(taken).toHaveLength(8);
    });

    it('a new slot starts with the full limit', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      expect(await take(store, 1, 1_000_000)).toBe(true);
      expect(await take(store, 1, 1_000_000)).toBe(false);
      expect(await take(store, 1, 1_001_000)).toBe(true);
    });

    it('keeps the counter under pk ghl-rate-budget#<location>, sk slot#<start>, expiring by TTL', async () => {
      const tableName = await freshTable();
      await take(new DynamoRateBudgetStore(dynamo, tableName), 5, 1_000_000);
      const item = await dynamo.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [SYNC_TABLE.partitionKey]: { S: 'ghl-rate-budget#loc-1' }, [SYNC_TABLE.sortKey]: { S: 'slot#1000000' } },
        }),
      );
      expect(item.Item).toMatchObject({ taken: { N: '1' }, [SYNC_TABLE.ttlAttribute]: { N: '1020' } });
    });

    it('limiters in two Lambdas sharing the table stay within the budget of a window', async () => {
      const tableName = await freshTable();
      const clock = fakeClock(0);
      const limiterIn = () =>
        new GhlRateLimiter({
          store: new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName),
          requests: 20,
          intervalMs: 10_000,
          slotsPerInterval: 4,
          now: clock.now,
          sleep: clock.sleep,
          maxWaitMs: Number.POSITIVE_INFINITY,
        });
      const times: number[] = [];
      await Promise.all(
        [limiterIn(), limiterIn()].map(async (limiter) => {
          for (let i = 0; i < 10; i++) {
            await limiter.acquire('loc-1');
            times.push(clock.now());
          }
        }),
      );
      expect(times).toHaveLength(20);
      expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(20);
      // 4 per slot of 2.5 s: five slots can touch one window, 5 x 4 = 20.
      expect(times.filter((t) => t < 2_500)).toHaveLength(4);
    });
  });

  describe('DynamoLock', () => {
    it('is exclusive: of two concurrent Lambdas exactly one gets the lock', async () => {
      const tableName = await freshTable();
      const lambdaA = new DynamoLock(localDynamoClient(server.endpoint), tableName);
      const lambdaB = new DynamoLock(localDynamoClient(server.endpoint), tableName);
      const leases = await Promise.all([lambdaA.tryAcquire('refresh', 30_000), lambdaB.tryAcquire('refresh', 30_000)]);
      expect(leases.filter((lease) => lease !== undefined)).toHaveLength(1);
    });

    it('can be taken again once released', async () => {
      const lock = new DynamoLock(dynamo, await freshTable());
      const lease = await lock.tryAcquire('refresh', 30_000);
      await lease?.release();
      expect(await lock.tryAcquire('refresh', 30_000)).toBeDefined();
    });

    it('can be taken over once the lease expires (a holder that died)', async () => {
      const tableName = await freshTable();
      let now = 1_000_000;
      const lock = new DynamoLock(dynamo, tableName, () => now);
      await lock.tryAcquire('refresh', 30_000);
      now += 29_999;
      expect(await lock.tryAcquire('refresh', 30_000)).toBeUndefined();
      now += 1;
      expect(await lock.tryAcquire('refresh', 30_000)).toBeDefined();
    });

    it('a holder whose lease expired cannot release the new holder lock', async () => {
      const tableName = await freshTable();
      let now = 1_000_000;
      const lock = new DynamoLock(dynamo, tableName, () => now);
      const late = await lock.tryAcquire('refresh', 30_000);
      now += 30_000;
      await lock.tryAcquire('refresh', 30_000);
      await late?.release();
      expect(await lock.tryAcquire('refresh', 30_000)).toBeUndefined();
    });

    it('different names are different locks', async () => {
      const lock = new DynamoLock(dynamo, await freshTable());
      await lock.tryAcquire('refresh#a', 30_000);
      expect(await lock.tryAcquire('refresh#b', 30_000)).toBeDefined();
    });
  });
});
