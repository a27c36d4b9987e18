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

export interface SyncErrorDetails {
  /** Short machine-readable reason, e.g. `ghl-422`, `contact-not-synced`, `rate-limited`. */
  reason: string;
  /** HTTP status of the upstream answer, when there was one. */
  status?: number;
  /** GHL's traceId, so support can find the request on their side. */
  traceId?: string;
  /** How long the upstream asked us to wait before trying again. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class SyncError extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly status?: number;
  readonly traceId?: string;
  readonly retryAfterMs?: number;

  constructor(kind: ErrorKind, message: string, details: SyncErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncError';
    this.kind = kind;
    this.reason = details.reason;
    if (details.status !== undefined) this.status = details.status;
    if (details.traceId !== undefined) this.traceId = details.traceId;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
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
