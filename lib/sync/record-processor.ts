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
import type { ProcessedRecord, RecordProcessor } from './consumer.js';
import { syncEvent, type SyncDependencies, type SyncOutcome } from './sync-event.js';

export interface SyncedEventReport {
  deliveryId: string;
  eventType: string;
  occurredAt: string;
  outcomes: SyncOutcome[];
}

export interface RecordProcessorOptions {
  entity: Entity;
  sync: SyncDependencies;
  onSynced?: (report: SyncedEventReport, record: SQSRecord) => void;
}

export function createRecordProcessor(options: RecordProcessorOptions): RecordProcessor {
  return async (record: SQSRecord): Promise<ProcessedRecord> => {
    const event = parseQueuedEvent(record.body, options.entity);
    const outcomes = await syncEvent(event, options.sync);
    options.onSynced?.(
      { deliveryId: event.envelope.delivery_id, eventType: event.eventType, occurredAt: event.envelope.occurred_at, outcomes },
      record,
    );
    const synced = outcomes.some((outcome) => outcome.result === 'synced');
    return { outcome: synced ? 'synced' : 'skipped', detail: outcomes.map((outcome) => outcome.result).join(',') };
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
