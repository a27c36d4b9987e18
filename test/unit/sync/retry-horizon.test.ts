import { describe, expect, it } from 'vitest';
import { shouldPark, type FailedReceive } from '../../../lib/sync/retry-horizon.js';

const HOUR = 3_600_000;
const horizon = { horizonMs: 24 * HOUR, lastChanceMs: 13 * 24 * HOUR, maxReceiveCount: 1000 };
const failure = (overrides: Partial<FailedReceive>): FailedReceive => ({
  kind: 'transient',
  waiting: false,
  receiveCount: 2,
  ageMs: HOUR,
  ...overrides,
});

describe('shouldPark', () => {
  it('parks a permanent failure at once', () => {
    expect(shouldPark(failure({ kind: 'permanent', ageMs: 0, receiveCount: 1 }), horizon)).toBe(true);
  });

  it('retries transient and auth failures younger than the horizon', () => {
    expect(shouldPark(failure({ ageMs: 24 * HOUR - 1 }), horizon)).toBe(false);
    expect(shouldPark(failure({ kind: 'auth', ageMs: 24 * HOUR - 1 }), horizon)).toBe(false);
  });

  it('parks transient and auth failures at the horizon', () => {
    expect(shouldPark(failure({ ageMs: 24 * HOUR }), horizon)).toBe(true);
    expect(shouldPark(failure({ kind: 'auth', ageMs: 24 * HOUR }), horizon)).toBe(true);
  });

  it('lets a waiting record pass the horizon but not the last chance before the queue drops it', () => {
    expect(shouldPark(failure({ waiting: true, ageMs: 5 * 24 * HOUR }), horizon)).toBe(false);
    expect(shouldPark(failure({ waiting: true, ageMs: 13 * 24 * HOUR }), horizon)).toBe(true);
  });

  it('parks on the receive SQS would move to the DLQ itself, however young or waiting', () => {
    expect(shouldPark(failure({ waiting: true, receiveCount: 1000, ageMs: 0 }), horizon)).toBe(true);
    expect(shouldPark(failure({ receiveCount: 999 }), horizon)).toBe(false);
  });
});
