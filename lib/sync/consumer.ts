/**
 * The batch half of every consumer Lambda: runs each SQS record through the record processor
 * and turns failures into what SQS and on-call need, by error kind: permanent, or transient past the
 * retry horizon (hours, retry-horizon.ts), is parked in the DLQ with its reason; other failures
 * come back after the retry policy's backoff. A record the GHL client held back unsent (rate
 * budget, open circuit, spent daily quota) is no failure: it comes back after its wait, and an
 * open circuit or a spent quota pauses the rest of the batch; so does a request GHL failed while
 * the circuit is open after it (a failed probe), with the same wait. FIFO order
 * holds per message group, and GHL requests stay inside the invocation's time. The rules and
 * why: docs/SYNC.md#the-batch.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueOwner } from '../entities.js';
import { errorKindOf, isSyncError, transientError, type ErrorKind, type ErrorReason } from '../errors.js';
import {
  GHL_CIRCUIT_OPEN_REASON,
  GHL_DAILY_QUOTA_REASON,
  GHL_RATE_BUDGET_WAIT_REASON,
  GHL_RATE_WAIT_BEYOND_DEADLINE_REASON,
  ghlWaitOf,
  type GhlWait,
} from '../ghl/errors.js';
import { GHL_OUT_OF_TIME_REASON, withinTimeLimit } from '../ghl/transport.js';
import { backoffDelayMs, type RetryPolicy } from '../retry.js';
import type { EventOutcome } from './outcome.js';
import { DEFAULT_LAST_CHANCE_MS, DEFAULT_RETRY_HORIZON_MS, shouldPark } from './retry-horizon.js';

/** Why a record was parked, as DLQ message attributes carry it. Never personal data. */
export interface ParkedFailure {
  /** One of ERROR_REASONS when the consumer parks; the parker takes any text and cuts it to fit. */
  reason: string;
  kind: ErrorKind;
  status?: number;
  traceId?: string;
  message: string;
  receiveCount: number;
}

export interface DeadLetterParker {
  park(record: SQSRecord, failure: ParkedFailure): Promise<void>;
}

export interface VisibilityChanger {
  /** Makes failed records visible again after `seconds` (0..43200). */
  changeVisibility(changes: { record: SQSRecord; seconds: number }[]): Promise<void>;
}

export type RecordProcessor = (record: SQSRecord) => Promise<EventOutcome>;

export interface ConsumerObserver {
  recordProcessed(record: SQSRecord, outcome: EventOutcome): void;
  /** `quota-wait`: GHL's daily quota is spent; `ghl-wait`: the client held the request back (open circuit, rate budget). */
  recordFailed(record: SQSRecord, error: unknown, disposition: 'retry' | 'parked' | 'quota-wait' | 'ghl-wait'): void;
}

export interface ConsumerOptions {
  /** The queue's owner: an entity, or a GHL flow (the Relatel writer). */
  entity: QueueOwner;
  processRecord: RecordProcessor;
  parker: DeadLetterParker;
  visibility: VisibilityChanger;
  /** The queue's redrive maxReceiveCount: on this receive a transient failure is parked. */
  maxReceiveCount: number;
  /** How long a record failing transiently is retried before it is parked (default 24 h). */
  retryHorizonMs?: number;
  /** A record this old is parked whatever the cause, before the queue's retention deletes it. */
  lastChanceMs?: number;
  now?: () => number;
  /** Backoff between SQS redeliveries of a failed record (seconds granularity). */
  retryPolicy?: RetryPolicy;
  /** How long records wait when GHL's daily quota is exhausted. */
  quotaExhaustedDelaySeconds?: number;
  /**
   * The wait the shared GHL circuit puts on every request now, undefined while it is closed
   * (GhlCircuitBreaker.heldBack). A transient failure met while it is open (a failed probe, the
   * request that opened it, a child whose contact is held back by the outage) is part of the
   * outage: its record waits exactly like the ones the circuit held back, and pauses the batch.
   */
  ghlHeldBack?: () => GhlWait | undefined;
  observer?: ConsumerObserver;
  random?: () => number;
  /**
   * Time kept back from the invocation's for what follows the last GHL request: recording a
   * failure, the visibility change, answering. Default 1 s.
   */
  timeMarginMs?: number;
}

/** The part of the Lambda context the consumer reads. */
export type InvocationClock = Pick<Context, 'getRemainingTimeInMillis'>;

export const DEFAULT_TIME_MARGIN_MS = 1_000;

/**
 * SQS redelivery backoff: 2 s, 4 s, 8 s ... up to 15 minutes, jittered. The cap keeps a record
 * retried every few minutes through a long outage (the horizon, not the count, ends it) while
 * spending well under the queue's maxReceiveCount in a day.
 */
export const SQS_RETRY_POLICY: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 2_000, maxDelayMs: 900_000 };

/** SQS's upper bound for a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Failures that wait for something which happens by itself and is watched: not held to the
 * retry horizon (lib/sync/retry-horizon.ts), only to the queue's limits. The GHL ones are the
 * requests the client held back unsent (`ghlWaitOf`): GHL answering again, the quota resetting,
 * a send time coming.
 */
const WAITING_REASONS: ReadonlySet<string> = new Set([
  GHL_DAILY_QUOTA_REASON,
  GHL_CIRCUIT_OPEN_REASON,
  GHL_RATE_BUDGET_WAIT_REASON,
  GHL_RATE_WAIT_BEYOND_DEADLINE_REASON,
  'contact-pending',
]);

/**
 * How long a record the GHL client held back stays invisible, in seconds (pure). A rate wait:
 * until its send time. A spent daily quota: `quotaDelaySeconds`. An open circuit: until the next
 * probe is due, or a tenth of how long the circuit has been open if that is longer, at most
 * `SQS_RETRY_POLICY.maxDelayMs`: a short outage is over within seconds of GHL's return, a long
 * one costs few receives (docs/GHL-CLIENT.md, "What the consumer does with it").
 */
export function ghlWaitDelaySeconds(wait: GhlWait, quotaDelaySeconds: number): number {
  if (wait.reason === GHL_DAILY_QUOTA_REASON) return quotaDelaySeconds;
  const delayMs =
    wait.reason === GHL_CIRCUIT_OPEN_REASON
      ? Math.min(SQS_RETRY_POLICY.maxDelayMs, Math.max(wait.retryAfterMs, wait.heldForMs / CIRCUIT_DELAY_DIVISOR))
      : wait.retryAfterMs;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(delayMs / 1000)));
}

/** An outage open for t is retried every t/10: receives grow with the logarithm of its length until the cap. */
const CIRCUIT_DELAY_DIVISOR = 10;

/**
 * Failures whose record hid itself before failing (a child waiting for its contact,
 * lib/sync/contact-wait.ts): its visibility is left as it is, or a wake that came in between
 * would be undone.
 */
const SELF_HIDDEN_REASONS: ReadonlySet<string> = new Set(['contact-pending']);

export function receiveCountOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
}

/** Time since SQS first accepted the record (0 when the attribute is missing). */
export function ageOf(record: SQSRecord, now: number): number {
  const sent = Number(record.attributes.SentTimestamp);
  return Number.isFinite(sent) ? Math.max(0, now - sent) : 0;
}

export function createBatchConsumer(options: ConsumerOptions): (event: SQSEvent, invocation?: InvocationClock) => Promise<SQSBatchResponse> {
  const retryPolicy = options.retryPolicy ?? SQS_RETRY_POLICY;
  const quotaDelay = options.quotaExhaustedDelaySeconds ?? 900;
  const margin = options.timeMarginMs ?? DEFAULT_TIME_MARGIN_MS;
  const now = options.now ?? Date.now;
  const horizon = {
    horizonMs: options.retryHorizonMs ?? DEFAULT_RETRY_HORIZON_MS,
    lastChanceMs: options.lastChanceMs ?? DEFAULT_LAST_CHANCE_MS,
    maxReceiveCount: options.maxReceiveCount,
  };
  /**
   * The GHL wait a failure is part of: the one the client named when it held the request back,
   * or, for a request GHL failed while the circuit is open after it, the circuit's. One rule for
   * both: a failed probe comes back with the held-back records, not after the ordinary backoff.
   */
  const ghlWaitOfFailure = (error: unknown): GhlWait | undefined => {
    const named = ghlWaitOf(error);
    if (named !== undefined || errorKindOf(error) !== 'transient') return named;
    if (isSyncError(error) && SELF_HIDDEN_REASONS.has(error.reason)) return undefined;
    return options.ghlHeldBack?.();
  };
  const parksNow = (record: SQSRecord, error: unknown, ghlWait: boolean) =>
    shouldPark(
      {
        kind: errorKindOf(error),
        waiting: ghlWait || (isSyncError(error) && WAITING_REASONS.has(error.reason)),
        receiveCount: receiveCountOf(record),
        ageMs: ageOf(record, now()),
      },
      horizon,
    );

  return async (event, invocation) => {
    const timeLeft = invocation && (() => invocation.getRemainingTimeInMillis() - margin);
    const run = (record: SQSRecord): Promise<EventOutcome> => {
      if (timeLeft === undefined) return options.processRecord(record);
      if (timeLeft() <= 0) {
        return Promise.reject(transientError('Record not started: the invocation is out of time', { reason: GHL_OUT_OF_TIME_REASON }));
      }
      return withinTimeLimit(timeLeft, () => options.processRecord(record));
    };
    // Self-failed records and how long each should stay invisible.
    const delays: { record: SQSRecord; seconds: number }[] = [];
    // Set once GHL is held back for everyone (open circuit, spent quota): later records are not started.
    let paused: { reason: typeof GHL_CIRCUIT_OPEN_REASON | typeof GHL_DAILY_QUOTA_REASON; seconds: number } | undefined;
    const selfHidden = new Set<string>();

    const park = async (record: SQSRecord, error: unknown): Promise<EventOutcome> => {
      const failure = describeFailure(error, receiveCountOf(record));
      await options.parker.park(record, failure);
      options.observer?.recordFailed(record, error, 'parked');
      return { status: 'parked', reason: failure.reason };
    };

    /** A record GHL was not asked about: back after its wait, as a waiting record, never as a failure of GHL. */
    const holdBack = async (record: SQSRecord, error: unknown, seconds: number): Promise<EventOutcome> => {
      // Waiting spends receives too: on the queue's last one, park with the reason rather than
      // let SQS move the record to the DLQ without one.
      if (parksNow(record, error, true)) return park(record, error);
      delays.push({ record, seconds });
      // A request GHL failed (a probe) is still reported as a failure; its delay is the wait's.
      const disposition = ghlWaitOf(error) === undefined ? 'retry' : isSyncError(error) && error.reason === GHL_DAILY_QUOTA_REASON ? 'quota-wait' : 'ghl-wait';
      options.observer?.recordFailed(record, error, disposition);
      throw error;
    };

    const handleRecord = async (record: SQSRecord): Promise<EventOutcome> => {
      if (paused) {
        const why = paused.reason === GHL_DAILY_QUOTA_REASON ? 'GHL daily quota exhausted' : 'GHL unavailable (circuit open)';
        const error = transientError(`Not started: ${why} earlier in this batch`, { reason: paused.reason, retryAfterMs: paused.seconds * 1000 });
        return holdBack(record, error, paused.seconds);
      }
      try {
        const outcome = await run(record);
        options.observer?.recordProcessed(record, outcome);
        return outcome;
      } catch (error) {
        const wait = ghlWaitOfFailure(error);
        if (wait !== undefined) {
          const seconds = ghlWaitDelaySeconds(wait, quotaDelay);
          // These hold back every GHL request, not just this one: the rest of the batch is not started.
          if (wait.reason === GHL_DAILY_QUOTA_REASON || wait.reason === GHL_CIRCUIT_OPEN_REASON) paused ??= { reason: wait.reason, seconds };
          return holdBack(record, error, seconds);
        }
        if (parksNow(record, error, false)) return park(record, error);
        if (isSyncError(error) && SELF_HIDDEN_REASONS.has(error.reason)) {
          selfHidden.add(record.messageId);
          options.observer?.recordFailed(record, error, 'retry');
          throw error;
        }
        const hinted = isSyncError(error) ? error.retryAfterMs : undefined;
        const delayMs = Math.max(hinted ?? 0, backoffDelayMs(receiveCountOf(record), retryPolicy, options.random));
        delays.push({ record, seconds: Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(delayMs / 1000))) });
        options.observer?.recordFailed(record, error, 'retry');
        throw error;
      }
    };

    const failedIds = await processInGroupOrder(event.Records, handleRecord);
    const response: SQSBatchResponse = { batchItemFailures: failedIds.map((itemIdentifier) => ({ itemIdentifier })) };

    // Records failed for their group's sake never reached handleRecord: they
    // come back with their group's head, which keeps the group locked until it is visible again.
    const delayOf = new Map(delays.map(({ record, seconds }) => [record.messageId, seconds]));
    const groupDelayOf = new Map(delays.map(({ record, seconds }) => [record.attributes.MessageGroupId, seconds]));
    const byId = new Map(event.Records.map((record) => [record.messageId, record]));
    const changes = response.batchItemFailures.flatMap(({ itemIdentifier }) => {
      const record = byId.get(itemIdentifier);
      if (record === undefined || selfHidden.has(itemIdentifier)) return [];
      const seconds = delayOf.get(itemIdentifier) ?? groupDelayOf.get(record.attributes.MessageGroupId) ?? 1;
      return [{ record, seconds }];
    });
    if (changes.length > 0) {
      try {
        await options.visibility.changeVisibility(changes);
      } catch {
        // The records still fail and come back after the queue's visibility timeout: slower, not lost.
      }
    }
    return response;
  };
}

/**
 * FIFO semantics with message groups side by side: each group's records run in order, and a
 * failed record fails the rest of its group in this batch (they must not overtake it); other
 * groups go on. Groups run concurrently because a record's time is mostly spent waiting on GHL
 * and DynamoDB: one after another (as Powertools' FIFO processor does), a batch of ten contacts
 * takes ten times as long and the shared rate budget goes unused. Answers the failed message
 * ids in batch order.
 */
export async function processInGroupOrder(records: readonly SQSRecord[], handle: (record: SQSRecord) => Promise<unknown>): Promise<string[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failed = new Set<string>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [index, record] of group.entries()) {
        try {
          await handle(record);
        } catch {
          for (const skipped of group.slice(index)) failed.add(skipped.messageId);
          return;
        }
      }
    }),
  );
  return records.filter((record) => failed.has(record.messageId)).map((record) => record.messageId);
}

function describeFailure(error: unknown, receiveCount: number): ParkedFailure & { reason: ErrorReason } {
  if (isSyncError(error)) {
    return {
      reason: error.reason,
      kind: error.kind,
      ...(error.status !== undefined && { status: error.status }),
      ...(error.traceId !== undefined && { traceId: error.traceId }),
      message: error.message,
      receiveCount,
    };
  }
  // Unknown errors carry no guarantee about their message: keep only the type name.
  const name = error instanceof Error ? error.name : typeof error;
  return { reason: 'unexpected-error', kind: 'transient', message: `Unexpected ${name}`, receiveCount };
}
