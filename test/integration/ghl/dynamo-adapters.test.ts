/**
 * The DynamoDB adapters of the rate budget, the GHL health state and the lock, on dynalite: what they promise is
 * what DynamoDB's conditional writes give across processes, so they are tested against them.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLock } from '../../../lib/aws/dynamo-lock.js';
import { DynamoGhlHealthStore } from '../../../lib/aws/dynamo-ghl-health.js';
import { DynamoRateBudgetStore } from '../../../lib/aws/dynamo-rate-budget.js';
import { SYNC_TABLE } from '../../../lib/entities.js';
import { CLOSED, GhlCircuitBreaker, ghlHealthKey, type GhlHealthState } from '../../../lib/ghl/circuit-breaker.js';
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
    const KEY = rateBudgetKey('loc-1');
    const NOW_US = 1_800_000_000_000_000;
    const EMISSION_US = 111_112;
    const at = (nowUs = NOW_US, horizonUs = nowUs + 20_000_000) => ({ nowUs, horizonUs, emissionUs: EMISSION_US });

    /** A limiter of its own Lambda (own client) whose clock stands still: waits are only recorded. */
    function lambdaOn(tableName: string, nowMs: number, waits: number[]) {
      return new GhlRateLimiter({
        store: new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName),
        requests: 90,
        intervalMs: 10_000,
        now: () => nowMs,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });
    }

    it('concurrent takers in two Lambdas each get their own send time, one emission interval apart', async () => {
      const tableName = await freshTable();
      const waits: number[] = [];
      const lambdas = [lambdaOn(tableName, 1_000_000, waits), lambdaOn(tableName, 1_000_000, waits)];
      await Promise.all(Array.from({ length: 30 }, (_, i) => lambdas[i % 2]!.acquire('loc-1')));
      // 90 per 10 s: 111.112 ms apart; the first goes at once (no wait recorded).
      expect([0, ...waits].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, k) => Math.ceil((k * 111_112) / 1000)));
    });

    it('an idle schedule starts at now; a busy one refuses to start again', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      expect(await store.startIdle(KEY, at())).toBe(true);
      expect(await store.startIdle(KEY, at())).toBe(false);
      expect(await store.readTat(KEY)).toBe(NOW_US + EMISSION_US);
    });

    it('a busy schedule moves on by one emission interval per reservation', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      await store.startIdle(KEY, at());
      expect(await store.advanceBusy(KEY, at())).toBe(NOW_US + 2 * EMISSION_US);
      expect(await store.advanceBusy(KEY, at())).toBe(NOW_US + 3 * EMISSION_US);
    });

    it('a schedule whose tat has passed is idle: advancing refuses, starting succeeds', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      await store.startIdle(KEY, at());
      const later = NOW_US + 5_000_000;
      expect(await store.advanceBusy(KEY, at(later))).toBeUndefined();
      expect(await store.startIdle(KEY, at(later))).toBe(true);
      expect(await store.readTat(KEY)).toBe(later + EMISSION_US);
    });

    it('refuses a reservation beyond the horizon and leaves the schedule as it was', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      await store.pushTo(KEY, NOW_US + 30_000_000);
      expect(await store.advanceBusy(KEY, at(NOW_US, NOW_US + 20_000_000))).toBeUndefined();
      expect(await store.readTat(KEY)).toBe(NOW_US + 30_000_000);
    });

    it('pushes the schedule forward, never back', async () => {
      const store = new DynamoRateBudgetStore(dynamo, await freshTable());
      await store.pushTo(KEY, NOW_US + 6_000_000);
      await store.pushTo(KEY, NOW_US + 2_000_000);
      expect(await store.readTat(KEY)).toBe(NOW_US + 6_000_000);
    });

    it('keeps the schedule under pk ghl-rate-budget#<location>, sk schedule, expiring by TTL an hour after its tat', async () => {
      const tableName = await freshTable();
      await new DynamoRateBudgetStore(dynamo, tableName).startIdle(KEY, at(1_000_000_000, 1_000_000_000));
      const item = await dynamo.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [SYNC_TABLE.partitionKey]: { S: 'ghl-rate-budget#loc-1' }, [SYNC_TABLE.sortKey]: { S: 'schedule' } },
        }),
      );
      expect(item.Item).toMatchObject({ tatUs: { N: '1000111112' }, [SYNC_TABLE.ttlAttribute]: { N: String(1_001 + 3_600) } });
    });

    it('limiters in two Lambdas sharing the table stay within the budget of a window and use all of it', async () => {
      const tableName = await freshTable();
      const clock = fakeClock(0);
      const limiterIn = () =>
        new GhlRateLimiter({
          store: new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName),
          requests: 20,
          intervalMs: 10_000,
          now: clock.now,
          sleep: clock.sleep,
          maxWaitMs: 60_000,
        });
      const times: number[] = [];
      await Promise.all(
        [limiterIn(), limiterIn()].map(async (limiter) => {
          for (let i = 0; i < 15; i++) {
            await limiter.acquire('loc-1');
            times.push(clock.now());
          }
        }),
      );
      expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(20);
      expect(times.filter((t) => t < 10_000)).toHaveLength(20);
    });

    it('a 429 seen by one Lambda pauses the others', async () => {
      const tableName = await freshTable();
      const clock = fakeClock();
      const lambdaIn = () => new GhlRateLimiter({ store: new DynamoRateBudgetStore(localDynamoClient(server.endpoint), tableName), now: clock.now, sleep: clock.sleep });
      await lambdaIn().observe('loc-1', { intervalMs: 6_000 }, 429);
      await lambdaIn().acquire('loc-1');
      expect(clock.sleeps).toEqual([6_000]);
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

  describe('DynamoGhlHealthStore', () => {
    const NOW = 1_800_000_000_000;
    const open: GhlHealthState = { status: 'open', cause: 'outage', openedAtMs: NOW, probeAtMs: NOW + 30_000 };
    const settings = { failureThreshold: 5, failureWindowMs: 60_000, probeIntervalMs: 30_000, probeLeaseMs: 60_000, dailyQuotaRetryAfterMs: 900_000 };

    /** A breaker of its own Lambda (own DynamoDB client) on a clock that stands still at `nowMs`. */
    function breakerOn(tableName: string, nowMs: number) {
      return new GhlCircuitBreaker({ store: new DynamoGhlHealthStore(localDynamoClient(server.endpoint), tableName, () => nowMs), now: () => nowMs, ...settings });
    }

    it('reads nothing for a location without a state, and writes the first state only on version 0', async () => {
      const store = new DynamoGhlHealthStore(dynamo, await freshTable(), () => NOW);
      expect(await store.read('ghl-health#loc-1')).toBeUndefined();
      expect(await store.write('ghl-health#loc-1', open, 1)).toBe(false);
      expect(await store.write('ghl-health#loc-1', open, 0)).toBe(true);
      expect(await store.read('ghl-health#loc-1')).toEqual({ state: open, version: 1 });
      expect(await store.write('ghl-health#loc-1', CLOSED, 0)).toBe(false);
    });

    it('writes on the version read, and refuses a writer that read an older one', async () => {
      const store = new DynamoGhlHealthStore(dynamo, await freshTable(), () => NOW);
      await store.write('ghl-health#loc-1', { status: 'closed', failures: 1, streakStartMs: NOW }, 0);
      expect(await store.write('ghl-health#loc-1', { status: 'closed', failures: 2, streakStartMs: NOW }, 1)).toBe(true);
      expect(await store.write('ghl-health#loc-1', { status: 'closed', failures: 2, streakStartMs: NOW }, 1)).toBe(false);
      expect(await store.read('ghl-health#loc-1')).toEqual({ state: { status: 'closed', failures: 2, streakStartMs: NOW }, version: 2 });
    });

    it('keeps the state under pk ghl-health#<location>, sk state, expiring by TTL a day after the time it names', async () => {
      const tableName = await freshTable();
      await new DynamoGhlHealthStore(dynamo, tableName, () => NOW).write(ghlHealthKey('loc-1'), open, 0);
      const item = await dynamo.send(
        new GetItemCommand({ TableName: tableName, Key: { [SYNC_TABLE.partitionKey]: { S: 'ghl-health#loc-1' }, [SYNC_TABLE.sortKey]: { S: 'state' } } }),
      );
      expect(item.Item).toMatchObject({ version: { N: '1' }, health: { M: { status: { S: 'open' } } }, [SYNC_TABLE.ttlAttribute]: { N: String((NOW + 30_000) / 1000 + 86_400) } });
    });

    it('failures seen by consumers in several Lambdas add up and open the circuit for all of them', async () => {
      const tableName = await freshTable();
      const lambdas = [breakerOn(tableName, NOW), breakerOn(tableName, NOW), breakerOn(tableName, NOW)];
      // Each Lambda read the state once (closed) and trusts it: every write after the first is on a stale version.
      const permits = await Promise.all(lambdas.map((lambda) => lambda.admit('loc-1')));
      for (const [i, failures] of [2, 2, 1].entries()) {
        for (let n = 0; n < failures; n++) await lambdas[i]!.record(permits[i]!, 'unanswered');
      }
      await expect(breakerOn(tableName, NOW).admit('loc-1')).rejects.toMatchObject({ reason: 'ghl-circuit-open', retryAfterMs: 30_000 });
    });

    it('of many Lambdas asking when the probe is due, exactly one probes', async () => {
      const tableName = await freshTable();
      await new DynamoGhlHealthStore(dynamo, tableName, () => NOW).write(ghlHealthKey('loc-1'), open, 0);
      const lambdas = Array.from({ length: 6 }, () => breakerOn(tableName, NOW + 30_000));

      const outcomes = await Promise.allSettled(lambdas.map((lambda) => lambda.admit('loc-1')));

      expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value.probeId !== undefined)).toEqual([true]);
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(5);
    });

    it('a successful probe closes the circuit for every Lambda', async () => {
      const tableName = await freshTable();
      await new DynamoGhlHealthStore(dynamo, tableName, () => NOW).write(ghlHealthKey('loc-1'), open, 0);
      const prober = breakerOn(tableName, NOW + 30_000);
      await prober.record(await prober.admit('loc-1'), { answered: 200 });
      await expect(breakerOn(tableName, NOW + 30_000).admit('loc-1')).resolves.toEqual({ locationId: 'loc-1' });
    });
  });
});
