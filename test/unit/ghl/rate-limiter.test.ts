import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GhlRateLimiter, InMemoryRateBudgetStore, rateBudgetKey, type RateBudgetStore } from '../../../lib/ghl/rate-limiter.js';
import { busiestWindow } from './busiest-window.js';
import { fakeClock, type FakeClock } from './fake-clock.js';

const LOCATION = 'loc-1';

/** 90 per 10 s unless a test says otherwise: these tests are about the schedule, not the default budget. */
function limiterWith(clock: FakeClock, options: Partial<ConstructorParameters<typeof GhlRateLimiter>[0]> = {}) {
  return new GhlRateLimiter({ store: new InMemoryRateBudgetStore(), now: clock.now, sleep: clock.sleep, requests: 90, intervalMs: 10_000, ...options });
}

/**
 * `lambdas` limiters sharing one store, each sending `each` requests as fast as allowed. A
 * Lambda's clock may be off by its entry in `skewsMs`; send times are recorded on the true clock.
 */
async function runConcurrently(
  clock: FakeClock,
  lambdas: number,
  each: number,
  options: { requests: number; intervalMs: number; skewsMs?: number[] },
) {
  const store = new InMemoryRateBudgetStore();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: lambdas }, async (_, lambda) => {
      const skew = options.skewsMs?.[lambda] ?? 0;
      const limiter = limiterWith(clock, {
        store,
        requests: options.requests,
        intervalMs: options.intervalMs,
        now: () => clock.now() + skew,
        maxWaitMs: Number.POSITIVE_INFINITY,
      });
      for (let i = 0; i < each; i++) {
        await limiter.acquire(LOCATION);
        times.push(clock.now());
      }
    }),
  );
  return times;
}

/** A store whose conditional writes lose `lostRounds` races: both fail, the tat read is near. */
function storeLosingRaces(lostRounds: number): RateBudgetStore & { reads: number } {
  const inner = new InMemoryRateBudgetStore();
  let lost = 0;
  return {
    reads: 0,
    advanceBusy: async (key, at) => (lost < lostRounds ? undefined : inner.advanceBusy(key, at)),
    startIdle: async (key, at) => (lost < lostRounds ? false : inner.startIdle(key, at)),
    async readTat(key) {
      this.reads += 1;
      lost += 1;
      return inner.readTat(key);
    },
    pushTo: (key, untilUs) => inner.pushTo(key, untilUs),
  };
}

describe('GhlRateLimiter', () => {
  describe('the guarantee', () => {
    it('concurrent Lambdas sharing the schedule never send more than the budget in any window', async () => {
      const clock = fakeClock();
      const times = await runConcurrently(clock, 12, 40, { requests: 90, intervalMs: 10_000 });
      expect(times).toHaveLength(480);
      expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(90);
    });

    it('a closed window of one interval, both ends included, holds at most one more', async () => {
      const clock = fakeClock();
      const times = await runConcurrently(clock, 12, 40, { requests: 90, intervalMs: 10_000 });
      // Times are whole milliseconds: [s, s + interval] is the half-open [s, s + interval + 1).
      expect(busiestWindow(times, 10_001)).toBeLessThanOrEqual(91);
    });

    it('holds for any budget, interval and number of Lambdas', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 120 }),
          fc.integer({ min: 100, max: 60_000 }),
          fc.integer({ min: 1, max: 8 }),
          async (requests, intervalMs, lambdas) => {
            const clock = fakeClock();
            const times = await runConcurrently(clock, lambdas, 15, { requests, intervalMs });
            expect(busiestWindow(times, intervalMs)).toBeLessThanOrEqual(requests);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('clocks that differ by less than the emission interval let at most one more into a window', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 8 }), async (skewsMs) => {
          const clock = fakeClock();
          // 90 per 10 s: sends are 111.2 ms apart, more than the 100 ms the clocks may differ.
          const times = await runConcurrently(clock, skewsMs.length, 30, { requests: 90, intervalMs: 10_000, skewsMs });
          expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(91);
        }),
        { numRuns: 20 },
      );
    });
  });

  describe('using the budget', () => {
    it('sends the whole budget in the first interval of a burst', async () => {
      const clock = fakeClock(0);
      const times = await runConcurrently(clock, 4, 100, { requests: 90, intervalMs: 10_000 });
      expect(times.filter((t) => t < 10_000)).toHaveLength(90);
    });

    it('sustains the budget in every interval of a long run', async () => {
      const clock = fakeClock(0);
      const times = await runConcurrently(clock, 4, 250, { requests: 90, intervalMs: 10_000 });
      const perInterval = Array.from({ length: 10 }, (_, i) => times.filter((t) => t >= i * 10_000 && t < (i + 1) * 10_000).length);
      expect(perInterval).toEqual(Array(10).fill(90));
    });

    it('allows a budget of 1: one request per interval', async () => {
      const clock = fakeClock(0);
      const times = await runConcurrently(clock, 3, 2, { requests: 1, intervalMs: 1_000 });
      expect(times.sort((a, b) => a - b)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    });

    it('refuses a budget of 0', () => {
      expect(() => limiterWith(fakeClock(), { requests: 0 })).toThrow(RangeError);
    });
  });

  describe('the schedule', () => {
    it('sends at once when the schedule is idle', async () => {
      const clock = fakeClock();
      await limiterWith(clock).acquire(LOCATION);
      expect(clock.sleeps).toEqual([]);
    });

    it('spaces a request sent right after another by the emission interval', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.acquire(LOCATION);
      await limiter.acquire(LOCATION);
      // 10 s / 90 = 111.12 ms, slept in whole milliseconds.
      expect(clock.sleeps).toEqual([112]);
    });

    it('a request after a quiet spell is sent at once, not at the old schedule', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.acquire(LOCATION);
      await limiter.acquire(LOCATION);
      clock.advance(5_000);
      await limiter.acquire(LOCATION);
      expect(clock.sleeps).toEqual([112]);
    });

    it('another Lambda that had not seen the schedule still waits its turn', async () => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      await limiterWith(clock, { store }).acquire(LOCATION);
      await limiterWith(clock, { store }).acquire(LOCATION);
      expect(clock.sleeps).toEqual([112]);
    });

    it('keeps separate schedules per location', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.acquire('loc-a');
      await limiter.acquire('loc-b');
      expect(clock.sleeps).toEqual([]);
    });

    it('gives up with a transient ghl-rate-budget-wait rather than waiting longer than maxWaitMs', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock, { maxWaitMs: 5_000 });
      await limiter.observe(LOCATION, { remaining: 0, intervalMs: 10_000 });
      await expect(limiter.acquire(LOCATION)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-rate-budget-wait', retryAfterMs: 10_000 });
      expect(clock.sleeps).toEqual([]);
    });

    it('a request that gave up reserved nothing: the next one goes when the pause ends', async () => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      const limiter = limiterWith(clock, { store, maxWaitMs: 5_000 });
      await limiter.observe(LOCATION, { remaining: 0, intervalMs: 10_000 });
      await limiter.acquire(LOCATION).catch(() => undefined);
      expect(await store.readTat(rateBudgetKey(LOCATION))).toBe((clock.now() + 10_000) * 1000);
    });

    it('a reservation that loses the race between its two writes tries again', async () => {
      const clock = fakeClock();
      const store = storeLosingRaces(2);
      await limiterWith(clock, { store }).acquire(LOCATION);
      expect(store.reads).toBe(2);
    });

    it('gives up with a transient error after a few lost races instead of looping', async () => {
      const clock = fakeClock();
      const store = storeLosingRaces(Number.POSITIVE_INFINITY);
      await expect(limiterWith(clock, { store }).acquire(LOCATION)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-rate-budget-wait' });
      expect(store.reads).toBe(4);
    });
  });

  describe("waits within the invocation's time left", () => {
    const paused = async (pauseMs: number, options: Partial<ConstructorParameters<typeof GhlRateLimiter>[0]> = {}) => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      const limiter = limiterWith(clock, { store, ...options });
      if (pauseMs > 0) await store.pushTo(rateBudgetKey(LOCATION), (clock.now() + pauseMs) * 1000);
      return { clock, store, limiter, tat: () => store.readTat(rateBudgetKey(LOCATION)) };
    };

    it('a wait longer than the time left reserves nothing, sleeps not, and names the wait', async () => {
      const { clock, limiter, tat } = await paused(10_000);
      const before = await tat();
      await expect(limiter.acquire(LOCATION, { timeLeftMs: 3_000 })).rejects.toMatchObject({
        kind: 'transient',
        reason: 'ghl-rate-wait-beyond-deadline',
        retryAfterMs: 10_000,
      });
      expect(clock.sleeps).toEqual([]);
      expect(await tat()).toBe(before);
    });

    it('a send time exactly at the deadline is refused: nothing is sent with no time left', async () => {
      const { limiter } = await paused(3_000);
      await expect(limiter.acquire(LOCATION, { timeLeftMs: 3_000 })).rejects.toMatchObject({ reason: 'ghl-rate-wait-beyond-deadline' });
    });

    it('a wait shorter than the time left is waited out', async () => {
      const { clock, limiter } = await paused(2_000);
      await limiter.acquire(LOCATION, { timeLeftMs: 3_000 });
      expect(clock.sleeps).toEqual([2_000]);
    });

    it('no time left reserves nothing, even on an idle schedule', async () => {
      const { limiter, tat } = await paused(0);
      await expect(limiter.acquire(LOCATION, { timeLeftMs: 0 })).rejects.toMatchObject({ kind: 'transient', reason: 'invocation-out-of-time' });
      expect(await tat()).toBeUndefined();
    });

    it('time left beyond maxWaitMs leaves maxWaitMs in charge (ghl-rate-budget-wait)', async () => {
      const { limiter } = await paused(10_000, { maxWaitMs: 5_000 });
      await expect(limiter.acquire(LOCATION, { timeLeftMs: 60_000 })).rejects.toMatchObject({ reason: 'ghl-rate-budget-wait', retryAfterMs: 10_000 });
    });

    it('for any pause and time left: sends strictly before the deadline, or reserves nothing', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 }), async (pauseMs, timeLeftMs) => {
          const { clock, limiter, tat } = await paused(pauseMs, { maxWaitMs: 20_000 });
          const start = clock.now();
          const before = await tat();
          const sent = await limiter.acquire(LOCATION, { timeLeftMs }).then(
            () => true,
            () => false,
          );
          if (sent) expect(clock.now() - start).toBeLessThan(timeLeftMs);
          else expect(await tat()).toBe(before);
          expect(sent).toBe(pauseMs < Math.min(timeLeftMs, 20_001));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('adapting to what GHL reports', () => {
    it('every Lambda backs off when GHL reports fewer requests remaining than the budget leaves free', async () => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      // Budget 90 of GHL's 100 keeps 10 free; 4 left means someone else spends this location's limit.
      await limiterWith(clock, { store }).observe(LOCATION, { max: 100, remaining: 4, intervalMs: 10_000 });
      await limiterWith(clock, { store }).acquire(LOCATION);
      expect(clock.sleeps).toEqual([2_000]);
    });

    it('waits a whole interval when GHL reports none remaining', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.observe(LOCATION, { max: 100, remaining: 0, intervalMs: 8_000 });
      await limiter.acquire(LOCATION);
      expect(clock.sleeps).toEqual([8_000]);
    });

    it('does not slow down while GHL reports the headroom the budget leaves', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.observe(LOCATION, { max: 100, remaining: 10, intervalMs: 10_000 });
      await limiter.acquire(LOCATION);
      expect(clock.sleeps).toEqual([]);
    });

    it('after a 429 every Lambda waits the interval GHL reports', async () => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      await limiterWith(clock, { store }).observe(LOCATION, { remaining: 50, intervalMs: 6_000 }, 429);
      await limiterWith(clock, { store }).acquire(LOCATION);
      expect(clock.sleeps).toEqual([6_000]);
    });

    it('a shorter pause never pulls the schedule back', async () => {
      const clock = fakeClock();
      const limiter = limiterWith(clock);
      await limiter.observe(LOCATION, { intervalMs: 6_000 }, 429);
      await limiter.observe(LOCATION, { max: 100, remaining: 4, intervalMs: 10_000 });
      await limiter.acquire(LOCATION);
      expect(clock.sleeps).toEqual([6_000]);
    });

    it('a failed write of the pause does not fail the request GHL already answered', async () => {
      const clock = fakeClock();
      const store = new InMemoryRateBudgetStore();
      store.pushTo = () => Promise.reject(new Error('DynamoDB throttled'));
      await expect(limiterWith(clock, { store }).observe(LOCATION, { intervalMs: 6_000 }, 429)).resolves.toBeUndefined();
    });
  });
});
