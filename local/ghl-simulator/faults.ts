/**
 * Fault injection: the failures a GHL client meets in production, on demand and reproducible.
 *
 * Every API request draws the same number of random values in arrival order, whatever happens
 * to it, so a seed replays the same faults on the same request sequence even when settings or
 * outcomes differ elsewhere.
 *
 * Before-faults answer without touching state (the request never reached GHL's logic).
 * After-write faults apply the write first and then fail the answer: the client sees 5xx or no
 * answer at all for a change GHL did make, which is what makes idempotency necessary.
 */
import type { Random } from './random.js';

export interface FaultSettings {
  /** Share of requests answered 5xx before anything happens. */
  serverErrorRate: number;
  /** Share answered 429 although the budget is not spent (GHL's edge throttles on its own). */
  rateLimitRate: number;
  /** Share that never get an answer: see `timeoutMode`. */
  timeoutRate: number;
  /** Share answered late by `slowMs` (combined with any other outcome). */
  slowRate: number;
  slowMs: number;
  /** Share of successful writes (POST/PUT/DELETE) that are applied but answered 5xx. */
  afterWriteServerErrorRate: number;
  /** Share of successful writes that are applied but never answered. */
  afterWriteTimeoutRate: number;
  /** `hang` holds the request until the client gives up (or `hangMs`); `reset` drops the socket at once. */
  timeoutMode: 'hang' | 'reset';
  hangMs: number;
  /** 5xx statuses drawn from; 502-504 come with an HTML body, as from a gateway. */
  serverErrorStatuses: number[];
}

export const NO_FAULTS: FaultSettings = {
  serverErrorRate: 0,
  rateLimitRate: 0,
  timeoutRate: 0,
  slowRate: 0,
  slowMs: 2_000,
  afterWriteServerErrorRate: 0,
  afterWriteTimeoutRate: 0,
  timeoutMode: 'hang',
  hangMs: 60_000,
  serverErrorStatuses: [500, 502, 503, 504],
};

export type BeforeFault = 'server-error' | 'rate-limit' | 'timeout';
export type AfterWriteFault = 'after-write-server-error' | 'after-write-timeout';
export type FaultKind = BeforeFault | AfterWriteFault | 'slow';

export interface FaultDecision {
  before?: BeforeFault;
  afterWrite?: AfterWriteFault;
  slowMs: number;
  serverErrorStatus: number;
}

export function decideFaults(settings: FaultSettings, random: Random): FaultDecision {
  const [beforeDraw, slowDraw, afterDraw, statusDraw] = [random(), random(), random(), random()];
  const decision: FaultDecision = {
    slowMs: slowDraw < settings.slowRate ? settings.slowMs : 0,
    serverErrorStatus: settings.serverErrorStatuses[Math.floor(statusDraw * settings.serverErrorStatuses.length)] ?? 500,
  };
  const before = band(beforeDraw, [
    ['server-error', settings.serverErrorRate],
    ['rate-limit', settings.rateLimitRate],
    ['timeout', settings.timeoutRate],
  ] as const);
  if (before) decision.before = before;
  const afterWrite = band(afterDraw, [
    ['after-write-server-error', settings.afterWriteServerErrorRate],
    ['after-write-timeout', settings.afterWriteTimeoutRate],
  ] as const);
  if (afterWrite) decision.afterWrite = afterWrite;
  return decision;
}

/** Lays the rates side by side on [0, 1) and returns the one the draw falls into. */
function band<K extends string>(draw: number, rates: ReadonlyArray<readonly [K, number]>): K | undefined {
  let upper = 0;
  for (const [kind, rate] of rates) {
    upper += rate;
    if (draw < upper) return kind;
  }
  return undefined;
}

export function checkFaults(settings: FaultSettings): FaultSettings {
  const rates = [
    'serverErrorRate',
    'rateLimitRate',
    'timeoutRate',
    'slowRate',
    'afterWriteServerErrorRate',
    'afterWriteTimeoutRate',
  ] as const;
  for (const name of rates) {
    const rate = settings[name];
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`fault ${name} must be between 0 and 1`);
  }
  if (settings.serverErrorRate + settings.rateLimitRate + settings.timeoutRate > 1) {
    throw new RangeError('fault serverErrorRate + rateLimitRate + timeoutRate must not exceed 1');
  }
  if (settings.afterWriteServerErrorRate + settings.afterWriteTimeoutRate > 1) {
    throw new RangeError('fault afterWriteServerErrorRate + afterWriteTimeoutRate must not exceed 1');
  }
  for (const name of ['slowMs', 'hangMs'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 0) throw new RangeError(`fault ${name} must be a non-negative integer`);
  }
  if (settings.timeoutMode !== 'hang' && settings.timeoutMode !== 'reset') {
    throw new RangeError("fault timeoutMode must be 'hang' or 'reset'");
  }
  const statuses = settings.serverErrorStatuses;
  if (!Array.isArray(statuses) || statuses.length === 0 || !statuses.every((s) => Number.isInteger(s) && s >= 500 && s <= 599)) {
    throw new RangeError('fault serverErrorStatuses must be a non-empty list of 5xx statuses');
  }
  return { ...settings, serverErrorStatuses: [...statuses] };
}
