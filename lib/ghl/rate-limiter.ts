/**
 * One GHL request budget per location, shared by every consumer Lambda through a
 * `RateBudgetStore` (DynamoDB in AWS: lib/aws/dynamo-rate-budget.ts). docs/GHL-CLIENT.md,
 * "How the GHL rate budget is shared", explains why the budget holds across Lambdas.
 *
 * GCRA in its reservation ("virtual scheduling") form: the store keeps one number per location,
 * `tat`, the earliest time the next request may be sent. A request reserves the send time
 * max(now, tat) and moves tat on by the emission interval T = ceil(interval / requests), in one
 * atomic step. Sends are therefore at least T apart across all processes, so any half-open window
 * [s, s + interval) holds at most `requests` of them (a closed one at most requests + 1), and a
 * steady demand gets all of them: no rounding to slots, no burst at a window's edge.
 *
 * Times in the store are integer epoch microseconds: T in whole milliseconds would round 90 per
 * 10 s down to 89.3, and fractional milliseconds would drift through float additions.
 */
import { transientError } from '../errors.js';
import { DEFAULT_RATE_BUDGET } from '../rate-budget.js';
import { sleep as realSleep } from '../retry.js';
import { GHL_RATE_BUDGET_WAIT_REASON, GHL_RATE_WAIT_BEYOND_DEADLINE_REASON, outOfTime, type GhlRateLimitHeaders } from './errors.js';

/**
 * The shared schedule of each location: one theoretical arrival time (`tat`, epoch µs) per key.
 * Every method must be atomic across processes (a conditional write on one item in DynamoDB).
 */
export interface RateBudgetStore {
  /**
   * Busy schedule: if `nowUs <= tat <= horizonUs`, adds `emissionUs` to tat and answers the new
   * tat (the caller sends at new tat - emission). Otherwise (idle, missing, too far ahead) undefined.
   */
  advanceBusy(key: string, at: { nowUs: number; horizonUs: number; emissionUs: number }): Promise<number | undefined>;
  /** Idle schedule: if tat is missing or `tat < nowUs`, sets tat = nowUs + emissionUs and answers true. */
  startIdle(key: string, at: { nowUs: number; emissionUs: number }): Promise<boolean>;
  /** The current tat, read consistently; undefined when the location has no schedule. */
  readTat(key: string): Promise<number | undefined>;
  /** Moves tat to `untilUs` unless it is already later: every process then waits until then. */
  pushTo(key: string, untilUs: number): Promise<void>;
}

/** The schedule in memory: for tests and single-process use. Same semantics as DynamoDB's. */
export class InMemoryRateBudgetStore implements RateBudgetStore {
  private readonly tats = new Map<string, number>();

  async advanceBusy(key: string, at: { nowUs: number; horizonUs: number; emissionUs: number }) {
    const tat = this.tats.get(key);
    if (tat === undefined || tat < at.nowUs || tat > at.horizonUs) return undefined;
    this.tats.set(key, tat + at.emissionUs);
    return tat + at.emissionUs;
  }

  async startIdle(key: string, at: { nowUs: number; emissionUs: number }) {
    const tat = this.tats.get(key);
    if (tat !== undefined && tat >= at.nowUs) return false;
    this.tats.set(key, at.nowUs + at.emissionUs);
    return true;
  }

  async readTat(key: string) {
    return this.tats.get(key);
  }

  async pushTo(key: string, untilUs: number) {
    const tat = this.tats.get(key);
    if (tat === undefined || tat < untilUs) this.tats.set(key, untilUs);
  }
}

export interface GhlRateLimiterOptions {
  store: RateBudgetStore;
  /** Requests allowed per interval for all consumers together (GHL allows 100 per 10 s). */
  requests?: number;
  intervalMs?: number;
  /** Longest a request waits for its send time before giving up with a transient error (SQS retries later). */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The default budget lives in lib/rate-budget.ts (the config loader reads it too); re-exported for the client's users. */
export { DEFAULT_RATE_BUDGET };
/** GHL's burst limit, assumed when an answer carries no X-RateLimit-Max. */
const GHL_BURST_LIMIT = 100;
/**
 * Both conditional writes of one reservation fail only when another process moved tat between
 * them (idle -> busy); the next round then finds the schedule busy. A few rounds are plenty.
 */
const MAX_RESERVATION_ROUNDS = 4;

export class GhlRateLimiter {
  readonly requests: number;
  readonly intervalMs: number;
  /** Least time between two sends of one location, across all processes, in microseconds. */
  readonly emissionUs: number;
  private readonly maxWaitMs: number;
  private readonly store: RateBudgetStore;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Per location key: the last tat this process saw, to try the likelier write first. */
  private readonly lastSeenTatUs = new Map<string, number>();

  constructor(options: GhlRateLimiterOptions) {
    this.requests = options.requests ?? DEFAULT_RATE_BUDGET.requests;
    this.intervalMs = options.intervalMs ?? DEFAULT_RATE_BUDGET.intervalMs;
    if (!Number.isInteger(this.requests) || this.requests < 1) throw new RangeError('GHL rate budget must allow at least 1 request per interval');
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 1) throw new RangeError('GHL rate budget interval must be a positive whole number of ms');
    // Rounded up: `requests` sends spaced this far apart never fit in less than one interval.
    this.emissionUs = Math.ceil((this.intervalMs * 1000) / this.requests);
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Reserves the next send time of `locationId` in the shared schedule and waits until it.
   * `timeLeftMs` is how long the caller may still send (its invocation's time left): a send
   * time at or past it is never reserved (so no other request loses it) and the call fails
   * with `ghl-rate-wait-beyond-deadline`, naming the wait, instead of sleeping past the deadline.
   */
  async acquire(locationId: string, options: { timeLeftMs?: number } = {}): Promise<void> {
    const sendAtUs = await this.reserve(rateBudgetKey(locationId), options.timeLeftMs ?? Number.POSITIVE_INFINITY);
    const waitMs = Math.ceil(sendAtUs / 1000 - this.now());
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /**
   * Learns from GHL's X-RateLimit-* headers. Our budget keeps at least `max - requests` of GHL's
   * window unused; if GHL reports fewer remaining than that, something else spends this
   * location's limit (another app, a clock skew), so the shared schedule is pushed on and every
   * process pauses, not only this one: the fewer remain, the longer, a whole interval at zero.
   * A 429 pushes it on by the interval GHL names. (A spent daily quota is the GHL health
   * state's business: circuit-breaker.ts.)
   */
  async observe(locationId: string, limits: GhlRateLimitHeaders, status?: number): Promise<void> {
    const now = this.now();
    const pauseMs = pauseAfter(limits, status, { requests: this.requests, intervalMs: this.intervalMs });
    if (pauseMs === undefined) return;
    const key = rateBudgetKey(locationId);
    const untilUs = (now + pauseMs) * 1000;
    if ((this.lastSeenTatUs.get(key) ?? Number.NEGATIVE_INFINITY) >= untilUs) return;
    try {
      await this.store.pushTo(key, untilUs);
      this.lastSeenTatUs.set(key, untilUs);
    } catch {
      // GHL's answer is already in hand, and failing its request over this write could repeat a
      // create. The pause is lost, not the guarantee: the schedule still spaces our own sends,
      // and a 429 is still waited out by the transport.
    }
  }

  private async reserve(key: string, timeLeftMs: number): Promise<number> {
    // The deadline bounds the wait when it comes before maxWaitMs; a send time exactly at the
    // deadline is already too late (nothing is sent with no time left), hence the microsecond.
    const byDeadline = timeLeftMs <= this.maxWaitMs;
    const horizonMs = byDeadline ? timeLeftMs : this.maxWaitMs;
    for (let round = 0; round < MAX_RESERVATION_ROUNDS; round++) {
      const nowUs = this.now() * 1000;
      const horizonUs = nowUs + horizonMs * 1000 - (byDeadline ? 1 : 0);
      if (horizonUs < nowUs) throw outOfTime();
      const busy = async () => {
        const tat = await this.store.advanceBusy(key, { nowUs, horizonUs, emissionUs: this.emissionUs });
        return tat === undefined ? undefined : { tat, sendAtUs: tat - this.emissionUs };
      };
      const idle = async () =>
        (await this.store.startIdle(key, { nowUs, emissionUs: this.emissionUs })) ? { tat: nowUs + this.emissionUs, sendAtUs: nowUs } : undefined;
      // Under load the schedule is busy; after a pause it is idle. Trying the likelier first
      // saves a write per request.
      const looksIdle = (this.lastSeenTatUs.get(key) ?? Number.NEGATIVE_INFINITY) < nowUs;
      for (const attempt of looksIdle ? [idle, busy] : [busy, idle]) {
        const reserved = await attempt();
        if (reserved) {
          this.lastSeenTatUs.set(key, reserved.tat);
          return reserved.sendAtUs;
        }
      }
      const tat = await this.store.readTat(key);
      if (tat !== undefined) this.lastSeenTatUs.set(key, tat);
      if (tat !== undefined && tat > horizonUs) {
        const retryAfterMs = Math.ceil((tat - nowUs) / 1000);
        if (byDeadline) {
          throw transientError("GHL rate budget: the next free send time is past the invocation's deadline", {
            reason: GHL_RATE_WAIT_BEYOND_DEADLINE_REASON,
            retryAfterMs,
          });
        }
        throw transientError('GHL rate budget: the next free send time is further away than a request may wait', {
          reason: GHL_RATE_BUDGET_WAIT_REASON,
          retryAfterMs,
        });
      }
    }
    throw transientError('GHL rate budget: lost every race for a send time', {
      reason: GHL_RATE_BUDGET_WAIT_REASON,
      retryAfterMs: Math.ceil(this.emissionUs / 1000),
    });
  }
}

/** How long every process should pause after this answer, if at all (pure). */
export function pauseAfter(limits: GhlRateLimitHeaders, status: number | undefined, budget: { requests: number; intervalMs: number }): number | undefined {
  const intervalMs = limits.intervalMs ?? budget.intervalMs;
  if (status === 429) return intervalMs;
  if (limits.remaining === undefined) return undefined;
  const reserve = Math.max(1, (limits.max ?? GHL_BURST_LIMIT) - budget.requests);
  if (limits.remaining >= reserve) return undefined;
  return Math.ceil(intervalMs / (limits.remaining + 1));
}

export function rateBudgetKey(locationId: string): string {
  return `ghl-rate-budget#${locationId}`;
}
