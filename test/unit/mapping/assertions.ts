import { expect } from 'vitest';
import { isSyncError } from '../../../lib/errors.js';

/** Asserts that `run` throws a permanent SyncError with `reason` (the consumer parks it in the DLQ). */
export function expectPermanentFailure(run: () => unknown, reason: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isSyncError(thrown), 'expected a SyncError').toBe(true);
  expect(thrown).toMatchObject({ kind: 'permanent', reason });
}
