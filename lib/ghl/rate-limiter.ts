/**
 * One GHL request budget per location, shared by every consumer Lambda through a
 * `RateBudgetStore` (DynamoDB in AWS: lib/aws/dynamo-rate-budget.ts). docs/GHL-CLIENT.md,
 * "How the GHL rate budget is shared", explains why the budget holds across Lambdas.
 *
 * The interval is cut into slots; a request first takes a token from the current slot's
 * counter, atomically, in the shared store. Each slot allows floor(budget / (slots + 1))
 * requests: any window of one interval, wherever it starts, overlaps at most slots + 1 slots,
 * so no window ever sees more than the budget, whether GHL counts in fixed windows aligned to
 * its own clock or in sliding ones.
 */
import { transientError } from '../errors.js';
import { sleep as realSleep } from '../retry.js';
import { GHL_DAILY_QUOTA_REASON, type GhlRateLimitHeaders } from './errors.js';

/** Shared counters of requests taken, one per location and slot. */
export interface RateBudgetStore {
  /**
   * Takes `count` tokens from the counter `key`/`slotStartMs` if the counter stays within
   * `limit`; answers whether they were taken. Must be atomic across processes. The counter is
   * only needed until `expiresAtMs`.
   */
  tryTake(request: { key: string; slotStartMs: number; count: number; limit: number; expiresAtMs: number }): Promise<boolean>;
}

/** Counters in memory: for tests and single-process use (the local stack). */
export class InMemoryRateBudgetStore implements RateBudgetStore {
  private readonly counters = new Map<string, { taken: number; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async tryTake(request: { key: string; slotStartMs: number; count: number; limit: number; expiresAtMs: number }) {
    const id = `${request.key}#${request.slotStartMs}`;
    const counter = this.counters.get(id) ?? { taken: 0, expiresAtMs: request.expiresAtMs };
    if (counter.taken + request.count > request.limit) return false;
    counter.taken += request.count;
    this.counters.set(id, counter);
    this.forgetExpired();
    return true;
  }

  private forgetExpired() {
    const now = this.now();
    for (const [id, counter] of this.counters) if (counter.expiresAtMs < now) this.counters.delete(id);
  }
}

export interface GhlRateLimiterOptions {
  store: RateBudgetStore;
  /** Requests allowed per interval for all consumers together (GHL allows 100 per 10 s). */
  requests?: number;
  intervalMs?: number;
  /** Slots per interval: more slots smooth bursts but cost budget to rounding. */
  slotsPerInterval?: number;
  /** Longest a request waits for budget before giving up with a transient error (SQS retries later). */
  maxWaitMs?: number;
  /** How long a process stops calling GHL after it learns the daily quota is spent. */
  dailyQuotaRetryAfterMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_RATE_BUDGET = { requests: 90, intervalMs: 10_000 } as const;
/** GHL's burst limit, assumed when an answer carries no X-RateLimit-Max. */
const GHL_BURST_LIMIT = 100;

export class GhlRateLimiter {
  readonly requests: number;
  readonly intervalMs: number;
  readonly slotMs: number;
  /** Requests one slot allows; (slots + 1) * perSlot <= requests. */
  readonly perSlot: number;
  readonly dailyQuotaRetryAfterMs: number;
  private readonly maxWaitMs: number;
  private readonly store: RateBudgetStore;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Per location: no request before this time (GHL said the window is nearly spent). */
  private readonly pausedUntil = new Map<string, number>();
  private readonly dailyExhaustedUntil = new Map<string, number>();

  constructor(options: GhlRateLimiterOptions) {
    this.requests = options.requests ?? DEFAULT_RATE_BUDGET.requests;
    this.intervalMs = options.intervalMs ?? DEFAULT_RATE_BUDGET.intervalMs;
    if (!Number.isInteger(this.requests) || this.requests < 2) {
      // Any slot scheme lets one window touch two slots: a budget of 1 cannot be guaranteed.
      throw new RangeError('GHL rate budget must allow at least 2 requests per interval');
    }
    // Every slot must allow at least one request, so a small budget gets fewer slots.
    const slots = Math.min(options.slotsPerInterval ?? 10, this.requests - 1);
    this.slotMs = Math.ceil(this.intervalMs / slots);
    // A window of one interval, wherever it starts, overlaps at most this many slots.
    const slotsTouched = Math.ceil(this.intervalMs / this.slotMs) + 1;
    this.perSlot = Math.floor(this.requests / slotsTouched);
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.dailyQuotaRetryAfterMs = options.dailyQuotaRetryAfterMs ?? 15 * 60_000;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  /** Waits until the shared budget of `locationId` allows one more request, then takes it. */
  async acquire(locationId: string): Promise<void> {
    const deadline = this.now() + this.maxWaitMs;
    for (;;) {
      const now = this.now();
      this.throwIfDailyQuotaExhausted(locationId, now);
      const paused = this.pausedUntil.get(locationId) ?? 0;
      let wakeAt: number;
      if (now < paused) {
        wakeAt = paused;
      } else {
        const slotStartMs = Math.floor(now / this.slotMs) * this.slotMs;
        const taken = await this.store.tryTake({
          key: rateBudgetKey(locationId),
          slotStartMs,
          count: 1,
          limit: this.perSlot,
          expiresAtMs: slotStartMs + 2 * this.intervalMs,
        });
        if (taken) return;
        // Jitter spreads the Lambdas that all wait for the same slot.
        wakeAt = slotStartMs + this.slotMs + Math.floor(this.random() * (this.slotMs / 4));
      }
      if (wakeAt > deadline) {
        throw transientError('GHL rate budget stayed exhausted while waiting', {
          reason: 'ghl-rate-budget-exhausted',
          retryAfterMs: this.intervalMs,
        });
      }
      await this.sleep(Math.max(1, wakeAt - this.now()));
    }
  }

  /**
   * Learns from GHL's X-RateLimit-* headers. Our budget keeps at least `max - requests` of
   * GHL's window unused; if GHL reports fewer remaining than that, something else spends this
   * location's limit (another app, a clock skew), so this process slows down: the fewer remain,
   * the longer it waits, a whole interval at zero.
   */
  observe(locationId: string, limits: GhlRateLimitHeaders, status?: number): void {
    const now = this.now();
    if (limits.dailyRemaining === 0) this.dailyExhaustedUntil.set(locationId, now + this.dailyQuotaRetryAfterMs);
    const intervalMs = limits.intervalMs ?? this.intervalMs;
    if (status === 429) {
      this.pauseUntil(locationId, now + intervalMs);
      return;
    }
    if (limits.remaining === undefined) return;
    const reserve = Math.max(1, (limits.max ?? GHL_BURST_LIMIT) - this.requests);
    if (limits.remaining < reserve) {
      this.pauseUntil(locationId, now + Math.ceil(intervalMs / (limits.remaining + 1)));
    }
  }

  private pauseUntil(locationId: string, until: number) {
    this.pausedUntil.set(locationId, Math.max(until, this.pausedUntil.get(locationId) ?? 0));
  }

  private throwIfDailyQuotaExhausted(locationId: string, now: number) {
    const until = this.dailyExhaustedUntil.get(locationId);
    if (until === undefined || now >= until) return;
    throw transientError('GHL daily request quota is exhausted: stop consuming until it resets', {
      reason: GHL_DAILY_QUOTA_REASON,
      retryAfterMs: until - now,
    });
  }
}

export function rateBudgetKey(locationId: string): string {
  return `ghl-rate-budget#${locationId}`;
}
