/**
 * GHL's per-location limits: a burst budget per interval (officially 100 per 10 s) and a daily
 * budget (200 000), both reported on every answer in the X-RateLimit-* headers. A fixed window is
 * close enough to observe the behaviours a client must handle: the budget draining, 429 once it
 * is spent, and the window clearing.
 */
import { rejectUnknownKeys } from './io.js';

export interface RateLimitSettings {
  maxPerInterval: number;
  intervalMs: number;
  dailyLimit: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { maxPerInterval: 100, intervalMs: 10_000, dailyLimit: 200_000 };

export interface RateLimitStatus {
  remaining: number;
  dailyRemaining: number;
}

const DAY_MS = 86_400_000;

export class RateLimiter {
  private settings: RateLimitSettings;
  private windowStart = Number.NEGATIVE_INFINITY;
  private usedInWindow = 0;
  private day = Number.NaN;
  private usedToday = 0;

  constructor(
    settings: RateLimitSettings,
    private readonly now: () => number,
  ) {
    this.settings = checkRateLimit(settings);
  }

  get current(): RateLimitSettings {
    return { ...this.settings };
  }

  configure(changes: Partial<RateLimitSettings>): RateLimitSettings {
    rejectUnknownKeys(changes, DEFAULT_RATE_LIMIT, 'rate limit');
    this.settings = checkRateLimit({ ...this.settings, ...changes });
    return this.current;
  }

  reset(): void {
    this.windowStart = Number.NEGATIVE_INFINITY;
    this.usedInWindow = 0;
    this.day = Number.NaN;
    this.usedToday = 0;
  }

  /** Spends one request of both budgets; false (nothing spent) when either is exhausted. */
  tryConsume(): boolean {
    this.roll();
    if (this.usedInWindow >= this.settings.maxPerInterval || this.usedToday >= this.settings.dailyLimit) return false;
    this.usedInWindow += 1;
    this.usedToday += 1;
    return true;
  }

  status(): RateLimitStatus {
    this.roll();
    return {
      remaining: Math.max(0, this.settings.maxPerInterval - this.usedInWindow),
      dailyRemaining: Math.max(0, this.settings.dailyLimit - this.usedToday),
    };
  }

  headers(): Record<string, string> {
    const { remaining, dailyRemaining } = this.status();
    return {
      'X-RateLimit-Max': String(this.settings.maxPerInterval),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Interval-Milliseconds': String(this.settings.intervalMs),
      'X-RateLimit-Limit-Daily': String(this.settings.dailyLimit),
      'X-RateLimit-Daily-Remaining': String(dailyRemaining),
    };
  }

  private roll(): void {
    const now = this.now();
    if (now - this.windowStart >= this.settings.intervalMs) {
      this.windowStart = now;
      this.usedInWindow = 0;
    }
    // GHL's daily budget is per calendar day; UTC stands in for the location's time zone.
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.usedToday = 0;
    }
  }
}

export function checkRateLimit(settings: RateLimitSettings): RateLimitSettings {
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`rate limit ${name} must be a positive integer`);
  }
  return settings;
}
