import { describe, expect, it } from 'vitest';
import { transientError } from '../../../lib/errors.js';
import { describeGhlMessage, ghlErrorFromAnswer, ghlErrorFromFailure, ghlWaitOf, mayHaveBeenApplied } from '../../../lib/ghl/errors.js';

const operation = { method: 'PUT', path: '/contacts/c1' };
const options = { dailyQuotaRetryAfterMs: 900_000 };
const errorFor = (status: number, body: unknown = {}, headers: Record<string, string> = {}) =>
  ghlErrorFromAnswer(operation, status, body, new Headers(headers), options);

describe('GHL answers in the error taxonomy', () => {
  it.each([
    [400, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [422, 'permanent'],
    [401, 'auth'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
  ] as const)('%i is %s with reason ghl-%i', (status, kind) => {
    const error = errorFor(status);
    expect(error.kind).toBe(kind);
    expect(error.reason).toBe(`ghl-${status}`);
    expect(error.status).toBe(status);
  });

  it('a 429 asks to wait the interval GHL reports', () => {
    expect(errorFor(429, {}, { 'X-RateLimit-Interval-Milliseconds': '7000' }).retryAfterMs).toBe(7000);
  });

  it('a 429 without an interval header waits GHL burst window of 10 s', () => {
    expect(errorFor(429).retryAfterMs).toBe(10_000);
  });

  it('a 429 with no daily requests left is the distinct daily-quota error', () => {
    const error = errorFor(429, {}, { 'X-RateLimit-Daily-Remaining': '0' });
    expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-daily-quota-exhausted', retryAfterMs: 900_000 });
  });

  it('carries the traceId from the body', () => {
    expect(errorFor(422, { traceId: 'trace-1' }).traceId).toBe('trace-1');
  });

  it('carries the traceId from a header when the body has none', () => {
    expect(errorFor(500, {}, { 'x-trace-id': 'trace-2' }).traceId).toBe('trace-2');
  });

  it('names the operation and status in the message', () => {
    expect(errorFor(403).message).toBe('GHL answered 403 to PUT /contacts/c1');
  });
});

describe('GHL messages without personal data', () => {
  it('a 422 keeps only the names of the offending properties', () => {
    const body = {
      statusCode: 422,
      message: ['email must be an email (anna@example.dk)', 'property locationId should not exist', 'phone is invalid (+45 12 34 56 78)'],
    };
    const message = errorFor(422, body).message;
    expect(message).toBe('GHL answered 422 to PUT /contacts/c1: invalid properties: email, locationId, phone');
    expect(message).not.toMatch(/anna|\+45/);
  });

  it('a 422 whose messages name no property says only that validation failed', () => {
    expect(describeGhlMessage(422, { message: ['Anna Jensen is not allowed', 'anna@example.dk'] })).toBe('validation failed');
  });

  it('other messages keep their text with emails and phone numbers masked', () => {
    const body = { message: 'Contact anna@example.dk with phone +4512345678 not found' };
    expect(describeGhlMessage(400, body)).toBe('Contact [email] with phone [phone] not found');
  });

  it('cuts long messages short', () => {
    expect(describeGhlMessage(400, { message: 'x'.repeat(500) }).length).toBeLessThanOrEqual(203);
  });
});

describe('requests that never got an answer', () => {
  it('a timeout is transient with reason ghl-timeout', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(ghlErrorFromFailure(operation, timeout)).toMatchObject({ kind: 'transient', reason: 'ghl-timeout' });
  });

  it('a network failure is transient with reason ghl-network', () => {
    expect(ghlErrorFromFailure(operation, new TypeError('fetch failed'))).toMatchObject({ kind: 'transient', reason: 'ghl-network' });
  });
});

describe('whether GHL may have applied a failed request', () => {
  it.each([
    ['a 201 whose body could not be read', transientError('x', { reason: 'ghl-answer-unexpected', status: 201 }), true],
    ['a 200 whose body could not be read', transientError('x', { reason: 'ghl-answer-unexpected', status: 200 }), true],
    ['a 503', transientError('x', { reason: 'ghl-503', status: 503 }), true],
    ['a 408', transientError('x', { reason: 'ghl-408', status: 408 }), true],
    ['a 429', transientError('x', { reason: 'ghl-429', status: 429 }), false],
    ['a 400', transientError('x', { reason: 'ghl-400', status: 400 }), false],
    ['a lost connection', transientError('x', { reason: 'ghl-network' }), true],
    ['an invocation out of time', transientError('x', { reason: 'invocation-out-of-time' }), false],
  ])('%s', (_, error, expected) => {
    expect(mayHaveBeenApplied(error)).toBe(expected);
  });
});

describe('the wait of a request the client held back', () => {
  it.each([
    ['ghl-rate-budget-wait', 25_000],
    ['ghl-rate-wait-beyond-deadline', 8_000],
    ['ghl-circuit-open', 30_000],
    ['ghl-daily-quota-exhausted', 900_000],
  ] as const)('%s names its wait', (reason, retryAfterMs) => {
    expect(ghlWaitOf(transientError('x', { reason, retryAfterMs }))).toEqual({ reason, retryAfterMs, heldForMs: 0 });
  });

  it.each([
    ['a 429, which GHL answered', transientError('x', { reason: 'ghl-429', status: 429, retryAfterMs: 10_000 })],
    ['a 503', transientError('x', { reason: 'ghl-503', status: 503 })],
    ['an invocation out of time', transientError('x', { reason: 'invocation-out-of-time' })],
    ['an unknown error', new Error('x')],
  ])('%s is not a wait', (_, error) => {
    expect(ghlWaitOf(error)).toBeUndefined();
  });
});
