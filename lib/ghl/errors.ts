/**
 * GHL answers -> the one error taxonomy (lib/errors.ts). Pure functions: the transport feeds
 * them the status, the parsed body and the headers of a failed answer.
 *
 * Messages name the operation, the status and, for 422, the offending property names only:
 * GHL's validation messages can echo submitted values (emails, phones, names), and these
 * messages end up in logs and DLQ attributes.
 */
import { authError, isSyncError, permanentError, transientError, type SyncError } from '../errors.js';
import { redactPersonalData } from '../observability.js';

export const GHL_DAILY_QUOTA_REASON = 'ghl-daily-quota-exhausted';

/** The X-RateLimit-* headers GHL sends with every answer (absent ones are undefined). */
export interface GhlRateLimitHeaders {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  dailyLimit?: number;
  dailyRemaining?: number;
}

export function readRateLimitHeaders(headers: Headers): GhlRateLimitHeaders {
  const number = (name: string) => {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') return undefined;
    const value = Number(raw);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    max: number('x-ratelimit-max'),
    remaining: number('x-ratelimit-remaining'),
    intervalMs: number('x-ratelimit-interval-milliseconds'),
    dailyLimit: number('x-ratelimit-limit-daily'),
    dailyRemaining: number('x-ratelimit-daily-remaining'),
  };
}

const TRACE_HEADERS = ['x-trace-id', 'traceid'];

export function traceIdOf(body: unknown, headers: Headers): string | undefined {
  if (isRecord(body) && typeof body.traceId === 'string' && body.traceId !== '') return body.traceId;
  for (const name of TRACE_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return undefined;
}

/** What a failed request was, for the message: the path without its query (which may hold search terms). */
export interface GhlOperationLabel {
  method: string;
  path: string;
}

/** Default wait after a 429 when GHL sends no interval header: its burst window is 10 s. */
export const DEFAULT_RATE_LIMIT_INTERVAL_MS = 10_000;

export function ghlErrorFromAnswer(
  operation: GhlOperationLabel,
  status: number,
  body: unknown,
  headers: Headers,
  options: { dailyQuotaRetryAfterMs: number },
): SyncError {
  const traceId = traceIdOf(body, headers);
  const where = `${operation.method} ${operation.path}`;
  const detail = describeGhlMessage(status, body);
  const message = `GHL answered ${status} to ${where}${detail ? `: ${detail}` : ''}`;
  const common = { status, ...(traceId === undefined ? {} : { traceId }) };

  if (status === 429) {
    const limits = readRateLimitHeaders(headers);
    if (limits.dailyRemaining === 0) {
      return transientError(message, {
        ...common,
        reason: GHL_DAILY_QUOTA_REASON,
        retryAfterMs: options.dailyQuotaRetryAfterMs,
      });
    }
    return transientError(message, {
      ...common,
      reason: 'ghl-429',
      retryAfterMs: limits.intervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL_MS,
    });
  }
  if (status === 401) return authError(message, { ...common, reason: 'ghl-401' });
  if (status === 408 || status >= 500) return transientError(message, { ...common, reason: `ghl-${status}` });
  return permanentError(message, { ...common, reason: `ghl-${status}` });
}

/** A request that never got an answer: timeouts and network failures are worth retrying. */
export function ghlErrorFromFailure(operation: GhlOperationLabel, error: unknown): SyncError {
  const where = `${operation.method} ${operation.path}`;
  if (isTimeout(error)) {
    return transientError(`GHL did not answer ${where} in time`, { reason: 'ghl-timeout', cause: error });
  }
  return transientError(`GHL request ${where} failed before an answer`, { reason: 'ghl-network', cause: error });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

const MAX_DETAIL_LENGTH = 200;

/**
 * A safe summary of GHL's `message`: for 422 (class-validator messages such as `email must be
 * an email`, `property foo should not exist`) only the property names; otherwise the text with
 * anything shaped like an email or phone masked, cut short.
 */
export function describeGhlMessage(status: number, body: unknown): string {
  if (!isRecord(body)) return '';
  const raw = body.message;
  const messages = Array.isArray(raw) ? raw.filter((m): m is string => typeof m === 'string') : typeof raw === 'string' ? [raw] : [];
  if (messages.length === 0) return '';
  if (status === 422) {
    const properties = [...new Set(messages.map(propertyNameOf).filter((name): name is string => name !== undefined))];
    return properties.length > 0 ? `invalid properties: ${properties.join(', ')}` : 'validation failed';
  }
  const text = redactPersonalData(messages.join('; '));
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}...` : text;
}

const UNKNOWN_PROPERTY = /^property (\S+) should not exist/;
// class-validator style: a lowerCamel property name, then the rule (`email must be an email`).
const LEADING_PROPERTY = /^([a-z][\w.[\]]*) (?:must|should|is|has)\b/;

function propertyNameOf(message: string): string | undefined {
  return UNKNOWN_PROPERTY.exec(message)?.[1] ?? LEADING_PROPERTY.exec(message)?.[1];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether GHL may have applied the request that failed. A 4xx answer (429 included) means GHL
 * refused it before writing anything; a 5xx, a timeout or a connection lost after sending may
 * hide a write that happened (the answer was lost, not the request), and so does a 2xx whose
 * body we could not read (client.ts parse): GHL said it did the work. Failures without a GHL
 * status (a wait for the rate budget, an invocation out of time, an open circuit) carry reasons
 * that say the request was never sent.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  if (!isSyncError(error)) return true;
  if (error.status !== undefined) return error.status === 408 || error.status >= 500 || (error.status >= 200 && error.status < 300);
  return !NEVER_SENT_REASONS.has(error.reason);
}

/** The shared rate budget would have made the request wait longer than a consumer may. */
export const GHL_RATE_BUDGET_WAIT_REASON = 'ghl-rate-budget-wait';
/**
 * The shared rate budget's next free send time is past the invocation's deadline: nothing was
 * reserved nor sent, and `retryAfterMs` says when a send time would have come. Not a failure of
 * GHL: the record should come back after that delay, not count toward parking.
 */
export const GHL_RATE_WAIT_BEYOND_DEADLINE_REASON = 'ghl-rate-wait-beyond-deadline';
/** The invocation's time ran out before the request was sent. */
export const GHL_OUT_OF_TIME_REASON = 'invocation-out-of-time';
/**
 * The shared GHL health state says GHL is down (circuit-breaker.ts): the request was not sent,
 * and `retryAfterMs` says when the next probe may go. An outage, not a failure of this record.
 */
export const GHL_CIRCUIT_OPEN_REASON = 'ghl-circuit-open';

/** A request not sent because its invocation has no time left (see transport.ts withinTimeLimit). */
export function outOfTime(what = 'GHL request'): SyncError {
  return transientError(`${what} not sent: the invocation is out of time`, { reason: GHL_OUT_OF_TIME_REASON });
}

/**
 * The wait a failure names when the client held the request back instead of GHL failing it: the
 * shared rate budget, a send time past the invocation's deadline, an open circuit, a spent daily
 * quota. GHL applied nothing; the record should come back after `retryAfterMs` without counting
 * as a failure of GHL or of the record. undefined for every other failure.
 */
export function ghlWaitOf(error: unknown): GhlWait | undefined {
  if (!isSyncError(error) || error.retryAfterMs === undefined || !WAIT_REASONS.has(error.reason)) return undefined;
  return { reason: error.reason, retryAfterMs: error.retryAfterMs, heldForMs: error.heldForMs ?? 0 };
}

/** A request the client held back: why, when to try again, and how long the hold has lasted (0 for rate waits). */
export interface GhlWait {
  reason: string;
  retryAfterMs: number;
  heldForMs: number;
}

const WAIT_REASONS = new Set([GHL_RATE_BUDGET_WAIT_REASON, GHL_RATE_WAIT_BEYOND_DEADLINE_REASON, GHL_CIRCUIT_OPEN_REASON, GHL_DAILY_QUOTA_REASON]);

const NEVER_SENT_REASONS = new Set([
  GHL_DAILY_QUOTA_REASON,
  GHL_RATE_BUDGET_WAIT_REASON,
  GHL_RATE_WAIT_BEYOND_DEADLINE_REASON,
  GHL_OUT_OF_TIME_REASON,
  GHL_CIRCUIT_OPEN_REASON,
]);
