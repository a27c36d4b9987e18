/**
 * What became of an event: the one vocabulary of the consumer, its observer (logs and metrics)
 * and the local stack's output. Failures that are retried are not outcomes: the event comes back.
 */
import type { ErrorReason } from '../errors.js';

/** Why an event, or one record it names, wrote nothing to GHL. */
export const SKIP_REASONS = [
  /** The delivery was processed before (a redelivery). */
  'duplicate',
  /** Older than the event last applied to the record: newest wins. */
  'stale',
  /** The record's delete was applied: it stays deleted. */
  'deleted',
  /** GHL already holds what the event says. */
  'no-op',
  /** A delete of a record GHL never got: only a tombstone is written. */
  'nothing-to-delete',
  /** A call with no number and no Relatel contact: no one to log it on. */
  'no-party',
  /** GHL no longer has the record (deleted there) and the mapping lets GHL's deletions win. */
  'deleted-in-ghl',
  /** GHL -> Relatel: a GHL contact without a valid phone (or the configured tag) that Relatel never got. */
  'not-qualified',
  /** GHL -> Relatel: the linked Relatel contact was deleted in Relatel; the link is forgotten. */
  'gone-in-relatel',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

/** What became of an event: synced, skipped and why, or parked and why. */
export type EventOutcome =
  | { readonly status: 'synced' }
  | { readonly status: 'skipped'; readonly reason: SkipReason }
  /** Moved to the entity's DLQ with its reason: a permanent failure, or the last receive spent. */
  | { readonly status: 'parked'; readonly reason: ErrorReason };

/** What became of one record of an event: it is never parked alone (its event is). */
export type RecordOutcome = Exclude<EventOutcome, { status: 'parked' }>;

/** One word for log fields, metric dimensions and the local stack's lines: `synced`, or the reason. */
export type OutcomeLabel = 'synced' | SkipReason | ErrorReason;

/** The outcome as one word (see OutcomeLabel). */
export function outcomeLabel(outcome: EventOutcome): OutcomeLabel {
  return outcome.status === 'synced' ? 'synced' : outcome.reason;
}

/** A record written to GHL. */
export const SYNCED: RecordOutcome = { status: 'synced' };

/** A record left alone, and why. */
export function skipped(reason: SkipReason): RecordOutcome {
  return { status: 'skipped', reason };
}
