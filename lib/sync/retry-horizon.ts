/**
 * When a failed record stops being retried and is parked. Time fixes most failures (a GHL
 * outage, a rate limit, a contact still on its way), so a transient failure is retried for a
 * horizon measured in hours, not in receives; see docs/GHL-CLIENT.md#the-retry-horizon.
 */
import { QUEUE_RETENTION_DAYS } from '../entities.js';

export { DEFAULT_RETRY_HORIZON_MS } from '../entities.js';
import type { ErrorKind } from '../errors.js';

export interface RetryHorizon {
  /** How long a record failing transiently is retried, counted from when it was queued. */
  horizonMs: number;
  /**
   * The queue's retention minus a safety margin: a record still failing this long after it was
   * queued is parked whatever the cause, because SQS would soon delete it without a trace.
   */
  lastChanceMs: number;
  /** The queue's redrive maxReceiveCount: on this receive SQS would move the record itself, without a reason. */
  maxReceiveCount: number;
}

/** Parking of waiting records starts a day before the queue's retention would delete them. */
export const DEFAULT_LAST_CHANCE_MS = (QUEUE_RETENTION_DAYS - 1) * 86_400_000;

export interface FailedReceive {
  kind: ErrorKind;
  /**
   * True when the failure is a wait for something that will happen by itself and that the sync
   * watches (GHL's daily quota resetting, GHL answering again, the record's contact landing):
   * such a record is not held to the horizon, only to the queue's limits.
   */
  waiting: boolean;
  receiveCount: number;
  /** Time since the record was first queued. */
  ageMs: number;
}

/** Whether a failed receive is parked now (true) or left to SQS for another receive. */
export function shouldPark(failure: FailedReceive, horizon: RetryHorizon): boolean {
  if (failure.kind === 'permanent') return true;
  if (failure.receiveCount >= horizon.maxReceiveCount) return true;
  if (failure.ageMs >= horizon.lastChanceMs) return true;
  return !failure.waiting && failure.ageMs >= horizon.horizonMs;
}
