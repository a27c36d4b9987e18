/**
 * The one error taxonomy of the sync. Every failure that crosses a module boundary is a
 * SyncError of one of three kinds, and the kind alone decides what happens to the event:
 *  - transient: retry later with backoff (GHL 429/5xx, network errors, timeouts, a contact not
 *    yet synced). The record fails its batch item and SQS redelivers it.
 *  - auth: credentials are wrong or revoked. Re-read them once; if it persists, fail loudly.
 *  - permanent: retrying cannot help (GHL 400/403/422, an unexpected 404, invalid data). The
 *    consumer parks the event in the DLQ with its reason at once.
 *
 * Messages never carry personal data (emails, phone numbers, names, note bodies): they end up
 * in logs, DLQ attributes and alarms.
 */
export type ErrorKind = 'transient' | 'auth' | 'permanent';

/**
 * Every reason a SyncError can give: the closed set DLQ attributes, logs, metrics and the
 * runbook name failures by. A new failure gets its reason here first.
 */
export const ERROR_REASONS = [
  // GHL answers and requests (lib/ghl); an HTTP status is `ghl-<status>` (StatusReason, below).
  'ghl-timeout',
  'ghl-network',
  'ghl-answer-unexpected',
  'ghl-daily-quota-exhausted',
  'ghl-rate-budget-wait',
  'ghl-rate-wait-beyond-deadline',
  'ghl-circuit-open',
  'invocation-out-of-time',
  'ghl-secret-invalid',
  'ghl-oauth-refresh-in-progress',
  'ghl-oauth-refresh-rejected',
  'ghl-oauth-answer-invalid',
  'ghl-oauth-token-not-stored',
  // Relatel's API (lib/relatel); an HTTP status is `relatel-<status>`.
  'relatel-unreachable',
  'relatel-timeout',
  'relatel-answer-unexpected',
  'relatel-bad-body',
  'relatel-unexpected-shape',
  // Records GHL cannot take (lib/mapping)
  'note-without-body',
  'call-without-times',
  'call-direction-unknown',
  'calendar-not-configured',
  'appointment-without-start',
  // The sync (lib/sync)
  'invalid-event',
  'unroutable-event',
  'contact-not-synced',
  // A child's contact (lib/sync/contact-wait.ts): landing soon, gone for good, parked, or unknown to the sync.
  'contact-pending',
  'contact-deleted',
  'contact-parked',
  'contact-unknown',
  'hydration-unavailable',
  'state-conflict',
  'create-in-progress',
  'create-in-doubt',
  'company-upsert-created-contact',
  'company-upsert-matched-other-contact',
  /** A write found its record deleted in GHL: the record is written again (lib/sync/heal.ts). */
  'ghl-record-gone',
  /** A record deleted in GHL was written again and was gone again at once: parked, never looped. */
  'ghl-record-keeps-disappearing',
  /** Not a SyncError: a thrown value nothing classified. */
  'unexpected-error',
] as const;

/** An upstream API answered with this HTTP status: `ghl-401`, `ghl-422`, `relatel-503`, ... */
export type StatusReason = `ghl-${number}` | `relatel-${number}`;

export type ErrorReason = (typeof ERROR_REASONS)[number] | StatusReason;

export interface SyncErrorDetails {
  /** Short machine-readable reason, e.g. `ghl-422`, `contact-not-synced`. */
  reason: ErrorReason;
  /** HTTP status of the upstream answer, when there was one. */
  status?: number;
  /** GHL's traceId, so support can find the request on their side. */
  traceId?: string;
  /** How long the upstream asked us to wait before trying again. */
  retryAfterMs?: number;
  /** How long what held the request back has lasted so far (an open GHL circuit: the outage's age). */
  heldForMs?: number;
  cause?: unknown;
}

export class SyncError extends Error {
  readonly kind: ErrorKind;
  readonly reason: ErrorReason;
  readonly status?: number;
  readonly traceId?: string;
  readonly retryAfterMs?: number;
  readonly heldForMs?: number;

  constructor(kind: ErrorKind, message: string, details: SyncErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncError';
    this.kind = kind;
    this.reason = details.reason;
    if (details.status !== undefined) this.status = details.status;
    if (details.traceId !== undefined) this.traceId = details.traceId;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.heldForMs !== undefined) this.heldForMs = details.heldForMs;
  }
}

export const transientError = (message: string, details: SyncErrorDetails) =>
  new SyncError('transient', message, details);
export const authError = (message: string, details: SyncErrorDetails) =>
  new SyncError('auth', message, details);
export const permanentError = (message: string, details: SyncErrorDetails) =>
  new SyncError('permanent', message, details);

export function isSyncError(error: unknown): error is SyncError {
  return error instanceof SyncError;
}

/** The kind of any thrown value: unknown errors are treated as transient (retry, then DLQ). */
export function errorKindOf(error: unknown): ErrorKind {
  return isSyncError(error) ? error.kind : 'transient';
}

/** Classifies an HTTP status from an upstream API into the taxonomy. */
export function errorKindOfStatus(status: number): ErrorKind {
  if (status === 401) return 'auth';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}
