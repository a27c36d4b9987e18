/**
 * Relatel answers and failures -> the one error taxonomy (lib/errors.ts). Pure functions.
 *
 * Messages name the operation (method and path pattern, never a query: a lookup's query is a
 * phone number), the status, and for a validation error the names of the fields Relatel
 * objected to; never a value from the request or the answer.
 */
import { authError, errorKindOfStatus, permanentError, transientError, type SyncError } from '../errors.js';

/** What a failed request was, for messages: e.g. `PUT /contacts/:id`. */
export type RelatelOperationLabel = string;

/** Validation errors name fields Relatel-style (`{"errors": {"number": [...]}}`); keep only plausible names. */
const FIELD_NAME = /^[a-z_][a-z0-9_.]{0,63}$/i;

export function relatelErrorFromAnswer(
  operation: RelatelOperationLabel,
  status: number,
  headers: Headers,
  body: unknown,
  nowMs: number = Date.now(),
): SyncError {
  const reason = `relatel-${status}` as const;
  const kind = errorKindOfStatus(status);
  if (kind === 'auth') {
    return authError(`Relatel rejected the API token (401) on ${operation}: it may have been revoked; put a valid token in the Relatel secret`, { reason, status });
  }
  if (kind === 'transient') {
    const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), nowMs);
    return transientError(`Relatel answered ${status} to ${operation}`, { reason, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (status === 403) {
    return permanentError(`Relatel refused ${operation} (403): the API token may lack write access to contacts`, { reason, status });
  }
  const fields = invalidFieldsOf(body);
  const detail = fields.length > 0 ? `: invalid fields: ${fields.join(', ')}` : '';
  return permanentError(`Relatel answered ${status} to ${operation}${detail}`, { reason, status });
}

/** A request that got no answer: worth retrying. A timeout may hide a write that happened. */
export function relatelErrorFromFailure(operation: RelatelOperationLabel, error: unknown): SyncError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return transientError(`Relatel did not answer ${operation} in time`, { reason: 'relatel-timeout', cause: error });
  }
  return transientError(`Relatel request ${operation} failed before an answer`, { reason: 'relatel-unreachable', cause: error });
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: whole seconds or an HTTP date
 * (RFC 9110); undefined when absent or unreadable, 0 for a date in the past.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an HTTP date (`Wed, 02 Dec 2026 17:00:00 GMT`): Date.parse reads far more than that.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function invalidFieldsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (typeof errors !== 'object' || errors === null || Array.isArray(errors)) return [];
  return Object.keys(errors).filter((key) => FIELD_NAME.test(key)).sort();
}
