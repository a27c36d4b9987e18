/**
 * The simulator's throttle. Relatel documents no rate limit, so by default there is none; a test
 * sets one to meet 429s with `Retry-After`, and `maxPerInterval: 0` answers every request 429
 * (the "429 mode") until it is changed back. A fixed window, started by the first request after
 * the previous one ended: Retry-After is the whole seconds until the current window ends.
 */
import { rejectUnknownKeys } from '../ghl-simulator/io.js';

export interface RelatelRateLimitSettings {
  /** Requests served per window; null = no limit. */
  maxPerInterval: number | null;
  intervalMs: number;
}

export const NO_RATE_LIMIT: RelatelRateLimitSettings = { maxPerInterval: null, intervalMs: 10_000 };

export class Throttle {
  private settings: RelatelRateLimitSettings;
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    settings: RelatelRateLimitSettings,
    private readonly now: () => number,
  ) {
    this.settings = checkRateLimit(settings);
  }

  get current(): RelatelRateLimitSettings {
    return { ...this.settings };
  }

  configure(changes: Partial<RelatelRateLimitSettings>): RelatelRateLimitSettings {
    rejectUnknownKeys(changes, NO_RATE_LIMIT, 'rate limit');
    this.settings = checkRateLimit({ ...this.settings, ...changes });
    return this.current;
  }

  reset(): void {
    this.windowStart = Number.NEGATIVE_INFINITY;
    this.used = 0;
  }

  /** Spends one request; the seconds to wait instead when the window's budget is spent. */
  tryConsume(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const { maxPerInterval, intervalMs } = this.settings;
    if (maxPerInterval === null) return { ok: true };
    const now = this.now();
    if (now - this.windowStart >= intervalMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < maxPerInterval) {
      this.used += 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((this.windowStart + intervalMs - now) / 1000)) };
  }
}

function checkRateLimit(settings: RelatelRateLimitSettings): RelatelRateLimitSettings {
  const { maxPerInterval, intervalMs } = settings;
  if (maxPerInterval !== null && !(Number.isInteger(maxPerInterval) && maxPerInterval >= 0)) {
    throw new RangeError('rate limit maxPerInterval must be null or a non-negative integer');
  }
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new RangeError('rate limit intervalMs must be a positive integer');
  return { maxPerInterval, intervalMs };
}
