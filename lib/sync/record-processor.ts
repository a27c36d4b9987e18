/**
 * One SQS record -> one synced event: reads the queued webhook envelope (the webhook validated
 * it already; it is checked again because a DLQ redrive or a hand-sent message may not be),
 * runs it through `syncEvent`, and reports each outcome with the correlation keys on-call
 * searches by. Logs carry ids, types and reasons only: never payload fields.
 */
import type { SQSRecord } from 'aws-lambda';
import type { Entity } from '../entities.js';
import { permanentError } from '../errors.js';
import { validateRelatelEvent } from '../events/validate.js';
import { childWaitOf, type ChildWaitPorts } from './contact-wait.js';
import type { RecordProcessor } from './consumer.js';
import type { EventOutcome } from './outcome.js';
import { syncEvent, type SyncDependencies, type SyncOutcomes } from './sync-event.js';
import { wakeChildrenOf, type ChildWakePorts } from './wake-children.js';

export interface SyncedEventReport {
  deliveryId: string;
  eventType: string;
  occurredAt: string;
  outcomes: SyncOutcomes;
}

export interface RecordProcessorOptions {
  entity: Entity;
  sync: SyncDependencies;
  onSynced?: (report: SyncedEventReport, record: SQSRecord) => void;
  /** Child queues: a record whose contact is not in GHL yet waits for it (contact-wait.ts). */
  childWaits?: ChildWaitPorts;
  /** The contacts queue: after each contact event, the children waiting for that contact are woken. */
  wakeChildren?: ChildWakePorts;
}

export function createRecordProcessor(options: RecordProcessorOptions): RecordProcessor {
  return async (record: SQSRecord): Promise<EventOutcome> => {
    const event = parseQueuedEvent(record.body, options.entity);
    const sync = options.childWaits ? { ...options.sync, childWait: childWaitOf(record, options.entity, options.childWaits, options.sync.now) } : options.sync;
    const outcomes = await syncEvent(event, sync);
    // Whatever became of the contact (linked, deleted, skipped, a redelivery), its children decide
    // again. A failed wake fails the record: its redelivery is a duplicate that wakes again.
    if (options.wakeChildren) {
      for (const { entity, relatelId } of outcomes) if (entity === 'contacts') await wakeChildrenOf(relatelId, options.wakeChildren, options.sync.now());
    }
    options.onSynced?.(
      { deliveryId: event.envelope.delivery_id, eventType: event.eventType, occurredAt: event.envelope.occurred_at, outcomes },
      record,
    );
    // Synced if any of its records was; otherwise skipped for its first record's reason.
    return outcomes.find(({ outcome }) => outcome.status === 'synced')?.outcome ?? outcomes[0].outcome;
  };
}

function parseQueuedEvent(body: string, entity: Entity) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw permanentError('Queued message is not JSON', { reason: 'invalid-event' });
  }
  const validation = validateRelatelEvent(parsed);
  if (!validation.valid) {
    const fields = validation.issues.map((issue) => `${issue.path} ${issue.problem}`).join('; ');
    throw permanentError(`Queued event does not match the webhook contract: ${fields}`, { reason: 'invalid-event' });
  }
  if (validation.kind !== 'routed') {
    throw permanentError(`Queued event type is not one the sync acts on`, { reason: 'unroutable-event' });
  }
  return validation;
}
