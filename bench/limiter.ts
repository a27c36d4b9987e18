/**
 * The rate limiter's own ceiling, without the rest of the stack: concurrent callers take tokens
 * from one GhlRateLimiter (in-memory shared store) as fast as it allows for a few intervals of
 * the scaled limit. Reports tokens per second against GHL's limit and the most any sliding
 * window of one interval saw (the guarantee: never more than the budget).
 */
import { GhlRateLimiter, InMemoryRateBudgetStore } from '../lib/ghl/rate-limiter.js';
import { round } from './stats.js';

export interface LimiterCeiling {
  readonly budget: number;
  readonly slots: number;
  readonly perSecond: number;
  /** perSecond / GHL's limit (100 per interval). */
  readonly utilisation: number;
  readonly maxInAnyWindow: number;
}

export async function measureLimiterCeiling(options: { budget: number; slots?: number; intervalMs?: number; runMs?: number; callers?: number }): Promise<LimiterCeiling> {
  const intervalMs = options.intervalMs ?? 1_000;
  const runMs = options.runMs ?? 3_000;
  const limiter = new GhlRateLimiter({
    store: new InMemoryRateBudgetStore(),
    requests: options.budget,
    intervalMs,
    ...(options.slots !== undefined && { slotsPerInterval: options.slots }),
    maxWaitMs: 10 * intervalMs,
  });
  const taken: number[] = [];
  const started = Date.now();
  const caller = async () => {
    while (Date.now() - started < runMs) {
      await limiter.acquire('bench-location');
      taken.push(Date.now());
    }
  };
  await Promise.all(Array.from({ length: options.callers ?? 8 }, caller));
  const inRun = taken.filter((at) => at - started < runMs);
  let maxInAnyWindow = 0;
  for (let start = 0, end = 0; end < inRun.length; end++) {
    while ((inRun[end] as number) - (inRun[start] as number) >= intervalMs) start++;
    maxInAnyWindow = Math.max(maxInAnyWindow, end - start + 1);
  }
  const perSecond = inRun.length / (runMs / 1000);
  return { budget: options.budget, slots: options.slots ?? 10, perSecond: round(perSecond, 1), utilisation: round(perSecond / (100_000 / intervalMs), 3), maxInAnyWindow };
}
