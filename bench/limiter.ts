/**
 * The rate limiter's own ceiling, without the rest of the stack: concurrent callers, each its
 * own GhlRateLimiter ("Lambda") on one shared in-memory schedule, send as fast as it allows for
 * a few intervals of the scaled limit, on the real clock. Reports sends per second against
 * GHL's limit and against the configured budget, and the most any sliding window of one interval
 * saw (the guarantee: never more than the budget).
 */
import { GhlRateLimiter, InMemoryRateBudgetStore } from '../lib/ghl/rate-limiter.js';
import { round } from './stats.js';

export interface LimiterCeiling {
  readonly budget: number;
  readonly callers: number;
  readonly perSecond: number;
  /** perSecond / GHL's limit (100 per interval). */
  readonly utilisation: number;
  /** perSecond / the configured budget (the most the limiter may send). */
  readonly ofBudget: number;
  readonly maxInAnyWindow: number;
}

/** GHL's 100 per interval. */
const GHL_LIMIT = 100;

export async function measureLimiterCeiling(options: { budget: number; intervalMs?: number; runMs?: number; callers?: number }): Promise<LimiterCeiling> {
  const intervalMs = options.intervalMs ?? 1_000;
  const runMs = options.runMs ?? 3_000;
  const callers = options.callers ?? 8;
  const store = new InMemoryRateBudgetStore();
  const taken: number[] = [];
  const started = Date.now();
  const caller = async () => {
    const limiter = new GhlRateLimiter({ store, requests: options.budget, intervalMs, maxWaitMs: 10 * intervalMs });
    while (Date.now() - started < runMs) {
      await limiter.acquire('bench-location');
      taken.push(Date.now());
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const inRun = taken.filter((at) => at - started < runMs).sort((a, b) => a - b);
  let maxInAnyWindow = 0;
  for (let start = 0, end = 0; end < inRun.length; end++) {
    while ((inRun[end] as number) - (inRun[start] as number) >= intervalMs) start++;
    maxInAnyWindow = Math.max(maxInAnyWindow, end - start + 1);
  }
  const perSecond = inRun.length / (runMs / 1000);
  const perInterval = perSecond * (intervalMs / 1000);
  return {
    budget: options.budget,
    callers,
    perSecond: round(perSecond, 1),
    utilisation: round(perInterval / GHL_LIMIT, 3),
    ofBudget: round(perInterval / options.budget, 3),
    maxInAnyWindow,
  };
}
