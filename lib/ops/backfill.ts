/**
 * Backfill: every Relatel contact becomes a `contact.updated` event on the contacts FIFO queue,
 * through the same QueueSender the webhook uses, so the consumers sync it exactly like a live
 * event (an unchanged contact costs no GHL call: its body hash matches). Used by
 * `npm run backfill` and, on a schedule, by the reconciliation Lambda (functions/reconcile).
 *
 * - Resumable: a checkpoint (run id + last contact id enqueued) is saved as it goes; the next
 *   run with an unfinished checkpoint continues after that id, under the same run id, so the
 *   delivery ids (`backfill-<contactId>-<runId>`) of a contact enqueued twice by a crash between
 *   send and checkpoint are equal and SQS (5 min) and the sync state (7 days) drop the copy.
 * - `occurred_at` is when the page was read from Relatel, not when it is sent: a webhook event
 *   that happens after the read is newer and wins; one that happened before is in the data.
 * - Paced to `ratePerSecond` sends, so the queue drains at GHL's pace instead of piling up
 *   (and tripping the age-of-oldest-message alarm).
 */
import { messageGroupIdOf, routeOf } from '../entities.js';
import { isValidSqsMessageId } from '../events/schemas.js';
import { validateRelatelEvent } from '../events/validate.js';
import type { QueueMessage, QueueSender } from '../ingest/ports.js';
import type { RelatelClient, RelatelContact } from '../relatel/client.js';
import { contactPages } from './relatel-pages.js';

export const BACKFILL_EVENT_TYPE = 'contact.updated';
export const DEFAULT_BACKFILL_RATE_PER_SECOND = 5;

export interface BackfillCheckpoint {
  runId: string;
  /** Last contact id enqueued by this run; absent until the first one. */
  lastId?: string;
  /** Contacts enqueued by this run, across resumes. */
  enqueued: number;
  startedAt: string;
  updatedAt: string;
  /** Set once the run reached the last contact: the next backfill starts a new run. */
  completedAt?: string;
}

export interface CheckpointStore {
  load(name: string): Promise<BackfillCheckpoint | undefined>;
  save(name: string, checkpoint: BackfillCheckpoint): Promise<void>;
}

export interface BackfillClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const realClock: BackfillClock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface BackfillDependencies {
  relatel: Pick<RelatelClient, 'listContacts'>;
  queue: QueueSender;
  checkpoints: CheckpointStore;
  clock?: BackfillClock;
  newRunId?: () => string;
}

export interface BackfillProgress {
  runId: string;
  enqueued: number;
  lastId?: string;
  pages: number;
}

export interface BackfillOptions {
  /** Sends per second, at most. */
  ratePerSecond?: number;
  pageSize?: number;
  /** Which checkpoint to use (one per kind of run: the CLI and the schedule may differ). */
  checkpointName?: string;
  /** Ignore an unfinished checkpoint and start a new run from the first contact. */
  restart?: boolean;
  /** Saves the checkpoint after this many sends (and at every page end and stop). */
  checkpointEvery?: number;
  /** Asked before each send: true stops cleanly (Ctrl-C, a Lambda near its timeout). */
  shouldStop?: () => boolean;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillSummary {
  runId: string;
  /** True when this invocation continued an unfinished run. */
  resumed: boolean;
  /** Enqueued by this invocation. */
  enqueued: number;
  /** Enqueued by the whole run, resumes included. */
  runTotal: number;
  /** Contacts whose event the consumers would reject (e.g. an id SQS cannot take as a group id). */
  skipped: string[];
  pages: number;
  lastId?: string;
  outcome: 'completed' | 'stopped';
  durationMs: number;
}

export async function runBackfill(deps: BackfillDependencies, options: BackfillOptions = {}): Promise<BackfillSummary> {
  const clock = deps.clock ?? realClock;
  const name = options.checkpointName ?? 'contacts';
  const ratePerSecond = options.ratePerSecond ?? DEFAULT_BACKFILL_RATE_PER_SECOND;
  if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be greater than 0');
  const checkpointEvery = options.checkpointEvery ?? 25;
  const started = clock.now();

  const previous = options.restart ? undefined : await deps.checkpoints.load(name);
  const resumed = previous !== undefined && previous.completedAt === undefined;
  const checkpoint: BackfillCheckpoint = resumed
    ? { ...previous }
    : { runId: (deps.newRunId ?? newRunId)(), enqueued: 0, startedAt: started.toISOString(), updatedAt: started.toISOString() };
  const save = async () => {
    checkpoint.updatedAt = clock.now().toISOString();
    await deps.checkpoints.save(name, checkpoint);
  };

  const skipped: string[] = [];
  let enqueued = 0;
  let pages = 0;
  let unsaved = 0;
  let stopped = false;
  const pace = pacer(clock, ratePerSecond);

  try {
    await save();
    pages: for await (const page of contactPages(deps.relatel, {
      ...(checkpoint.lastId === undefined ? {} : { afterId: checkpoint.lastId }),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      now: () => clock.now(),
    })) {
      pages += 1;
      for (const contact of page.contacts) {
        if (options.shouldStop?.()) {
          stopped = true;
          break pages;
        }
        const message = backfillMessage(contact, checkpoint.runId, page.readAt);
        if (message === undefined) {
          skipped.push(String(contact.id));
        } else {
          await pace();
          await deps.queue.send(message);
          enqueued += 1;
          checkpoint.enqueued += 1;
        }
        checkpoint.lastId = String(contact.id);
        unsaved += 1;
        if (unsaved >= checkpointEvery) {
          await save();
          unsaved = 0;
        }
        options.onProgress?.({ runId: checkpoint.runId, enqueued: checkpoint.enqueued, lastId: checkpoint.lastId, pages });
      }
      await save();
      unsaved = 0;
    }
    if (!stopped) checkpoint.completedAt = clock.now().toISOString();
  } catch (error) {
    // The next run resumes after the last contact actually sent; the failure itself is what
    // the caller must see, not a second one while saving.
    await save().catch(() => undefined);
    throw error;
  }
  await save();

  return {
    runId: checkpoint.runId,
    resumed,
    enqueued,
    runTotal: checkpoint.enqueued,
    skipped,
    pages,
    ...(checkpoint.lastId === undefined ? {} : { lastId: checkpoint.lastId }),
    outcome: stopped ? 'stopped' : 'completed',
    durationMs: clock.now().getTime() - started.getTime(),
  };
}

/**
 * The event a backfilled contact becomes: exactly what the webhook would queue for a
 * `contact.updated` delivery. Undefined when the consumers would not accept it.
 */
export function backfillMessage(contact: RelatelContact, runId: string, readAt: Date): QueueMessage | undefined {
  return contactEventMessage(contact, backfillDeliveryId(contact.id, runId), readAt);
}

/**
 * A contact read from Relatel at `readAt` as the `contact.updated` the webhook would queue (also
 * how a child has a contact the sync never saw synced: lib/sync/contact-wait.ts). Undefined
 * when the consumers would not accept it.
 */
export function contactEventMessage(contact: RelatelContact, deliveryId: string, readAt: Date): QueueMessage | undefined {
  const envelope = { delivery_id: deliveryId, event_type: BACKFILL_EVENT_TYPE, occurred_at: readAt.toISOString(), payload: contact };
  const validated = validateRelatelEvent(envelope);
  if (!validated.valid || validated.kind !== 'routed') return undefined;
  const groupId = messageGroupIdOf(BACKFILL_EVENT_TYPE, contact);
  if (groupId === undefined || !isValidSqsMessageId(groupId)) return undefined;
  return {
    entity: routeOf(BACKFILL_EVENT_TYPE).entity,
    groupId,
    deduplicationId: deliveryId,
    body: JSON.stringify(envelope),
    attributes: { event_type: BACKFILL_EVENT_TYPE, delivery_id: deliveryId },
  };
}

export function backfillDeliveryId(contactId: string | number, runId: string): string {
  return `backfill-${contactId}-${runId}`;
}

/** Short, sortable by start time, unique enough for runs started by hand or by a schedule. */
export function newRunId(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** Spaces sends 1/rate seconds apart, never bunching up to catch up after a slow send. */
export function pacer(clock: BackfillClock, ratePerSecond: number): () => Promise<void> {
  const intervalMs = 1000 / ratePerSecond;
  let nextAt: number | undefined;
  return async () => {
    const now = clock.now().getTime();
    if (nextAt !== undefined && now < nextAt) await clock.sleep(nextAt - now);
    nextAt = Math.max(now, nextAt ?? now) + intervalMs;
  };
}
