/**
 * One SQS record of the ghl-contacts queue -> one GHL contact event synced to Relatel. The body
 * is the door's normalised GhlContactEvent; it is checked again because a DLQ redrive or a
 * hand-sent message may not be one. Logs carry ids, types and reasons only.
 */
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { permanentError } from '../errors.js';
import type { GhlContactEvent } from '../events/ghl-schemas.js';
import type { RecordProcessor } from '../sync/consumer.js';
import type { EventOutcome } from '../sync/outcome.js';
import { syncGhlContactEvent, type GhlContactSyncDeps, type GhlContactSyncResult } from './sync-ghl-contact.js';

const text = () => z.optional(z.string());
const queuedGhlContactEventSchema = z.looseObject({
  source: z.enum(['app', 'workflow', 'catch-up']),
  dedupId: z.string().check(z.minLength(1)),
  type: z.enum(['created', 'updated', 'deleted']),
  occurredAt: z.iso.datetime({ offset: true }),
  locationId: z.string().check(z.minLength(1)),
  contact: z.looseObject({
    ghlId: z.string().check(z.minLength(1)),
    firstName: text(),
    lastName: text(),
    name: text(),
    email: text(),
    phone: text(),
    tags: z.array(z.string()),
  }),
});

export interface RelatelWriteReport {
  deliveryId: string;
  eventType: string;
  occurredAt: string;
  ghlId: string;
  result: GhlContactSyncResult;
}

export interface GhlContactRecordProcessorOptions {
  sync: GhlContactSyncDeps;
  onSynced?: (report: RelatelWriteReport, record: SQSRecord) => void;
}

/** Reads the queued event and syncs it; a body that is not one is parked (permanent). */
export function createGhlContactRecordProcessor(options: GhlContactRecordProcessorOptions): RecordProcessor {
  return async (record: SQSRecord): Promise<EventOutcome> => {
    const event = parseQueuedGhlContactEvent(record.body);
    const result = await syncGhlContactEvent(event, options.sync);
    options.onSynced?.(
      { deliveryId: event.dedupId, eventType: `ghl.contact.${event.type}`, occurredAt: event.occurredAt, ghlId: event.contact.ghlId, result },
      record,
    );
    return result.outcome.status === 'synced' ? { status: 'synced' } : { status: 'skipped', reason: result.outcome.reason };
  };
}

/** The queued GhlContactEvent, or a permanent error naming the fields (never their values). */
export function parseQueuedGhlContactEvent(body: string): GhlContactEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw permanentError('Queued message is not JSON', { reason: 'invalid-event' });
  }
  const result = queuedGhlContactEventSchema.safeParse(parsed);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
    throw permanentError(`Queued message is not a GHL contact event: ${fields}`, { reason: 'invalid-event' });
  }
  return result.data as GhlContactEvent;
}
