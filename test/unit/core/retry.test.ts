import { describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, withRetry, type RetryPolicy } from '../../../lib/retry.js';
import { permanentError, transientError, errorKindOf } from '../../../lib/errors.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
const noSleep = async () => {};

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, before jitter', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, () => 0.999999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('applies full jitter: a random draw of 0 waits nothing', () => {
    expect(backoffDelayMs(5, policy, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries a retryable failure until it succeeds', async () => {
    const operation = vi.fn().mockRejectedValueOnce(transientError('x', { reason: 'ghl-503' })).mockResolvedValue('done');
    const result = await withRetry(operation, { policy, shouldRetry: (e) => errorKindOf(e) === 'transient', sleep: noSleep });
    expect(result).toBe('done');
    expect(operation).toHaveBeenCalledTimes(2);
  });

  it('does not retry a permanent failure', async () => {
    const failure = permanentError('bad', { reason: 'ghl-422', status: 422 });
    const operation = vi.fn().mockRejectedValue(failure);
    await expect(withRetry(operation, { policy, shouldRetry: (e) => errorKindOf(e) === 'transient', sleep: noSleep })).rejects.toBe(failure);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts and rethrows the last failure', async () => {
    const operation = vi.fn().mockRejectedValue(transientError('down', { reason: 'ghl-503' }));
    await expect(withRetry(operation, { policy, shouldRetry: () => true, sleep: noSleep })).rejects.toThrow('down');
    expect(operation).toHaveBeenCalledTimes(policy.maxAttempts);
  });

  it('waits what the failure asks for instead of the backoff', async () => {
    const waits: number[] = [];
    const operation = vi.fn().mockRejectedValueOnce(transientError('429', { reason: 'ghl-429', retryAfterMs: 7_000 })).mockResolvedValue(1);
    await withRetry(operation, {
      policy,
      shouldRetry: () => true,
      delayHintMs: (e) => (e as { retryAfterMs?: number }).retryAfterMs,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(waits).toEqual([7_000]);
  });
});

describe('errorKindOf', () => {
  it('treats unknown errors as transient so they are retried before reaching the DLQ', () => {
    expect(errorKindOf(new TypeError('boom'))).toBe('transient');
  });
});
