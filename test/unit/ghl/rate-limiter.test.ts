import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GhlRateLimiter, InMemoryRateBudgetStore } from '../../../lib/ghl/rate-limiter.js';
import { busiestWindow } from './busiest-window.js';
import { fakeClock, type FakeClock } from './fake-clock.js';

const LOCATION = 'loc-1';

function limiterWith(clock: FakeClock, options: Partial<ConstructorParameters<typeof GhlRateLimiter>[0]> = {}) {
  return new GhlRateLimiter({
    store: options.store ?? new InMemoryRateBudgetStore(clock.now),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
  });
}

/** `lambdas` limiters sharing one store, each taking `each` tokens as fast as allowed. */
async function runConcurrently(clock: FakeClock, lambdas: number, each: number, options: { requests: number; intervalMs: number; slotsPerInterval?: number }) {
  const store = new InMemoryRateBudgetStore(clock.now);
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: lambdas }, async () => {
      const limiter = limiterWith(clock, { store, maxWaitMs: Number.POSITIVE_INFINITY, ...options });
      for (let i = 0; i < each; i++) {
        await limiter.acquire(LOCATION);
        times.push(clock.now());
      }
    }),
  );
  return times;
}

describe('GhlRateLimiter', () => {
  it('concurrent Lambdas sharing the budget never start more than the budget in any window', async () => {
    const clock = fakeClock();
    const times = await runConcurrently(clock, 12, 40, { requests: 90, intervalMs: 10_000 });
    expect(times).toHaveLength(480);
    expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(90);
  });

  it('holds for any budget, interval and number of Lambdas', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 120 }),
        fc.integer({ min: 100, max: 60_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 8 }),
        async (requests, intervalMs, slotsPerInterval, lambdas) => {
          const clock = fakeClock();
          const times = await runConcurrently(clock, lambdas, 15, { requests, intervalMs, slotsPerInterval });
          expect(busiestWindow(times, intervalMs)).toBeLessThanOrEqual(requests);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('uses most of the budget: the default 90 per 10 s lets 80 through in every aligned 10 s', async () => {
    const clock = fakeClock(0);
    const times = await runConcurrently(clock, 4, 100, { requests: 90, intervalMs: 10_000 });
    expect(times.filter((t) => t < 10_000)).toHaveLength(80);
  });

  it('refuses a budget of 1, which no slot scheme can guarantee', () => {
    expect(() => limiterWith(fakeClock(), { requests: 1 })).toThrow(RangeError);
  });

  it('takes a free token without waiting', async () => {
    const clock = fakeClock();
    await limiterWith(clock).acquire(LOCATION);
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps separate budgets per location', async () => {
    const clock = fakeClock(0);
    const limiter = limiterWith(clock, { requests: 11, intervalMs: 10_000 });
    await limiter.acquire('loc-a');
    await limiter.acquire('loc-b');
    expect(clock.sleeps).toEqual([]);
  });

  it('backs off when GHL reports fewer requests remaining than the budget leaves free', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock);
    // Budget 90 of GHL's 100 keeps 10 free; 4 left means someone else spends this location's limit.
    limiter.observe(LOCATION, { max: 100, remaining: 4, intervalMs: 10_000 });
    await limiter.acquire(LOCATION);
    expect(clock.sleeps).toEqual([2_000]);
  });

  it('waits a whole interval when GHL reports none remaining', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock);
    limiter.observe(LOCATION, { max: 100, remaining: 0, intervalMs: 8_000 });
    await limiter.acquire(LOCATION);
    expect(clock.sleeps).toEqual([8_000]);
  });

  it('does not slow down while GHL reports the headroom the budget leaves', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock);
    limiter.observe(LOCATION, { max: 100, remaining: 10, intervalMs: 10_000 });
    await limiter.acquire(LOCATION);
    expect(clock.sleeps).toEqual([]);
  });

  it('after a 429 waits the interval GHL reports', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock);
    limiter.observe(LOCATION, { remaining: 50, intervalMs: 6_000 }, 429);
    await limiter.acquire(LOCATION);
    expect(clock.sleeps).toEqual([6_000]);
  });

  it('stops at once with ghl-daily-quota-exhausted once GHL reports no daily requests left', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock, { dailyQuotaRetryAfterMs: 900_000 });
    limiter.observe(LOCATION, { remaining: 80, dailyRemaining: 0 });
    await expect(limiter.acquire(LOCATION)).rejects.toMatchObject({
      kind: 'transient',
      reason: 'ghl-daily-quota-exhausted',
      retryAfterMs: 900_000,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('tries GHL again once the daily-quota pause is over', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock, { dailyQuotaRetryAfterMs: 900_000 });
    limiter.observe(LOCATION, { dailyRemaining: 0 });
    clock.advance(900_000);
    await expect(limiter.acquire(LOCATION)).resolves.toBeUndefined();
  });

  it('gives up with a transient error rather than waiting longer than maxWaitMs', async () => {
    const clock = fakeClock();
    const limiter = limiterWith(clock, { maxWaitMs: 5_000 });
    limiter.observe(LOCATION, { remaining: 0, intervalMs: 10_000 });
    await expect(limiter.acquire(LOCATION)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-rate-budget-exhausted' });
  });
});
