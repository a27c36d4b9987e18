/**
 * Catch-up for lost GHL events: GHL retries a webhook only on 429, so a contact change whose
 * webhook was lost (the door down, a 503, a workflow that failed) would never reach Relatel.
 * This reads GHL's contacts (POST /contacts/search, sorted by `dateUpdated`), compares each
 * with its link (lib/reverse/links.ts) the way the Relatel writer would (planRelatelWrite), and
 * queues a synthetic `updated` GhlContactEvent on the ghl-contacts queue for each contact whose
 * change the link does not reflect. The writer then applies it like any webhook's event.
 *
 * Two modes, one walk:
 *  - `changed` (the scheduled reconciliation): from where the last run stopped (its checkpoint's
 *    cursor, less an overlap for GHL's search index lag), or `startFrom` on a first run;
 *  - `all` (`npm run backfill -- --from ghl`): every contact; an unfinished run resumes at its
 *    cursor, a finished one makes the next start again from the oldest contact.
 *
 * Walk: keyset on `dateUpdated` (gte the cursor, page 1), not page numbers alone, so contacts
 * changed while the walk runs move behind it instead of shifting unread ones onto a page already
 * read. Only when a whole page shares the cursor's time does it turn the page.
 *
 * Idempotent by construction: the delivery id is `catchup-<ghlId>-<dateUpdated>`, so a contact
 * queued twice (an overlap, a resume after a crash between send and checkpoint) is dropped by SQS
 * (5 min) or by the writer's delivery dedup (7 days), and the event's time is GHL's `dateUpdated`,
 * so a newer webhook of the same contact wins (newest-wins, links.ts).
 *
 * What it cannot see: contacts deleted in GHL (search does not return them). For those, the
 * caller may collect the ids a run read (`seenIds`) and, after a complete `all` run, hand them to
 * the deletion sweep (deletion-sweep.ts). Logs and progress carry counts and ids only.
 */
import { GHL_FLOWS } from '../entities.js';
import { contactSnapshot, type GhlContactEvent } from '../events/ghl-schemas.js';
import { isValidSqsMessageId } from '../events/schemas.js';
import type { GhlClient, GhlContact, GhlContactSearch } from '../ghl/client.js';
import type { QueueMessage, QueueSender } from '../ingest/ports.js';
import { mapGhlContactToRelatel, type RelatelContactMappingOptions } from '../mapping/relatel-contact.js';
import { newRunId, pacer, realClock, type BackfillCheckpoint, type BackfillClock, type CheckpointStore } from '../ops/backfill.js';
import type { GhlContactLinkStore } from './links.js';
import { planRelatelWrite } from './sync-ghl-contact.js';

const FLOW = 'ghl-contacts';
export const CATCH_UP_CHECKPOINT = 'ghl-catch-up';
export const GHL_BACKFILL_CHECKPOINT = 'ghl-contacts';
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_RATE_PER_SECOND = 5;
/** GHL's search is an index: a change may show there a little after it happened. */
const DEFAULT_OVERLAP_MS = 5 * 60_000;

export interface GhlCatchUpDependencies {
  ghl: Pick<GhlClient, 'searchContacts'>;
  links: Pick<GhlContactLinkStore, 'get'>;
  queue: QueueSender;
  checkpoints: CheckpointStore;
  mapping: RelatelContactMappingOptions;
  /** The deployment's GHL location (the events' `locationId`). */
  locationId: string;
  clock?: BackfillClock;
  newRunId?: () => string;
}

export interface GhlCatchUpOptions {
  mode: 'changed' | 'all';
  checkpointName?: string;
  /** `changed` without a checkpoint: contacts changed since then (absent: every contact). */
  startFrom?: Date;
  /** `all`: ignore an unfinished run and start again from the oldest contact. */
  restart?: boolean;
  /** How far before the last run's cursor a `changed` run starts reading again. */
  overlapMs?: number;
  /** Search page size (GHL takes up to 500). */
  pageSize?: number;
  /** Sends per second, at most: the writer drains at Relatel's pace. */
  ratePerSecond?: number;
  /** Asked before each contact: true stops cleanly (Ctrl-C, a Lambda near its timeout). */
  shouldStop?: () => boolean;
  onProgress?: (progress: GhlCatchUpProgress) => void;
  /** Receives the id of every contact this invocation reads (not those of a resumed run's earlier part). */
  seenIds?: Set<string>;
}

export interface GhlCatchUpProgress {
  runId: string;
  read: number;
  enqueued: number;
  pages: number;
  /** `dateUpdated` of the last contact read. */
  cursor?: string;
}

export interface GhlCatchUpSummary extends GhlCatchUpProgress {
  resumed: boolean;
  /** Enqueued by the whole run, resumes included. */
  runTotal: number;
  /** Contacts that cannot become an event (no `dateUpdated`, an id SQS cannot take). */
  skipped: string[];
  outcome: 'completed' | 'stopped';
  durationMs: number;
}

/** Reads GHL contacts changed since the last run (or all) and queues what the links do not reflect. */
export async function runGhlCatchUp(deps: GhlCatchUpDependencies, options: GhlCatchUpOptions): Promise<GhlCatchUpSummary> {
  const clock = deps.clock ?? realClock;
  const name = options.checkpointName ?? (options.mode === 'all' ? GHL_BACKFILL_CHECKPOINT : CATCH_UP_CHECKPOINT);
  const pageLimit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const pace = pacer(clock, options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND);
  const started = clock.now();

  const previous = options.restart ? undefined : await deps.checkpoints.load(name);
  const resumed = previous !== undefined && previous.completedAt === undefined;
  const checkpoint: BackfillCheckpoint = resumed
    ? { ...previous }
    : { runId: (deps.newRunId ?? newRunId)(), enqueued: 0, startedAt: started.toISOString(), updatedAt: started.toISOString() };
  const since = startOf(options, previous, resumed);
  if (since !== undefined && checkpoint.lastId === undefined) checkpoint.lastId = since;
  const save = async () => {
    checkpoint.updatedAt = clock.now().toISOString();
    await deps.checkpoints.save(name, checkpoint);
  };

  const progress: GhlCatchUpProgress = { runId: checkpoint.runId, read: 0, enqueued: 0, pages: 0, ...(since && { cursor: since }) };
  const skipped: string[] = [];
  let stopped = false;
  try {
    await save();
    walk: for await (const page of contactsByDateUpdated(deps.ghl, since, pageLimit)) {
      progress.pages += 1;
      for (const contact of page) {
        if (options.shouldStop?.()) {
          stopped = true;
          break walk;
        }
        progress.read += 1;
        options.seenIds?.add(contact.id);
        const message = await catchUpMessageFor(contact, deps);
        if (message === 'skipped') skipped.push(contact.id);
        else if (message !== undefined) {
          await pace();
          await deps.queue.send(message);
          progress.enqueued += 1;
          checkpoint.enqueued += 1;
        }
        if (contact.dateUpdated) progress.cursor = checkpoint.lastId = contact.dateUpdated;
        options.onProgress?.({ ...progress });
      }
      await save();
    }
    if (!stopped) checkpoint.completedAt = clock.now().toISOString();
  } catch (error) {
    // The next run resumes at the last contact read; the caller sees the failure itself.
    await save().catch(() => undefined);
    throw error;
  }
  await save();
  return {
    ...progress,
    resumed,
    runTotal: checkpoint.enqueued,
    skipped,
    outcome: stopped ? 'stopped' : 'completed',
    durationMs: clock.now().getTime() - started.getTime(),
  };
}

/** Where the walk starts: an unfinished run's cursor, the last run's less the overlap, or `startFrom`. */
function startOf(options: GhlCatchUpOptions, previous: BackfillCheckpoint | undefined, resumed: boolean): string | undefined {
  if (resumed) return previous?.lastId;
  if (options.mode === 'all') return undefined;
  if (previous?.lastId !== undefined) return new Date(Date.parse(previous.lastId) - (options.overlapMs ?? DEFAULT_OVERLAP_MS)).toISOString();
  return options.startFrom?.toISOString();
}

/**
 * GHL's contacts, oldest `dateUpdated` first, from `since` on. Each page asks for contacts
 * updated at or after the last one read (page 1); ids already read at that very time are
 * left out, and a page entirely at one time turns to the next page of the same query.
 */
export async function* contactsByDateUpdated(ghl: Pick<GhlClient, 'searchContacts'>, since: string | undefined, pageLimit: number): AsyncGenerator<GhlContact[]> {
  let cursor = since;
  let page = 1;
  let readAtCursor = new Set<string>();
  for (;;) {
    // The client adds the location.
    const search: GhlContactSearch = {
      filters: cursor === undefined ? [] : [{ field: 'dateUpdated', operator: 'range', value: { gte: cursor } }],
      sort: [{ field: 'dateUpdated', direction: 'asc' }],
      page,
      pageLimit,
    };
    const contacts = await ghl.searchContacts(search);
    const fresh = contacts.filter((contact) => !(contact.dateUpdated === cursor && readAtCursor.has(contact.id)));
    if (fresh.length > 0) yield fresh;
    if (contacts.length < pageLimit) return;
    const last = contacts.at(-1)?.dateUpdated ?? undefined;
    // Without a date GHL sorted it anywhere: only page numbers can go on.
    if (last === undefined || last === cursor) {
      page += 1;
      for (const contact of contacts) readAtCursor.add(contact.id);
      continue;
    }
    cursor = last;
    page = 1;
    readAtCursor = new Set(contacts.filter((contact) => contact.dateUpdated === last).map((contact) => contact.id));
  }
}

/** The message to queue for a contact, undefined when its link already reflects it, 'skipped' when it cannot be one. */
async function catchUpMessageFor(contact: GhlContact, deps: Pick<GhlCatchUpDependencies, 'links' | 'mapping' | 'locationId'>): Promise<QueueMessage | 'skipped' | undefined> {
  const event = catchUpEvent(contact, deps.locationId);
  if (event === undefined) return 'skipped';
  const link = await deps.links.get(contact.id);
  const plan = planRelatelWrite(event, link, mapGhlContactToRelatel(event.contact, deps.mapping));
  return plan.kind === 'skip' ? undefined : catchUpMessage(event);
}

/** A GHL contact read from the API as the `updated` event a webhook would have brought; undefined when it cannot be one. */
export function catchUpEvent(contact: GhlContact, locationId: string): GhlContactEvent | undefined {
  if (!contact.dateUpdated || Number.isNaN(Date.parse(contact.dateUpdated)) || !isValidSqsMessageId(contact.id)) return undefined;
  const occurredAt = new Date(Date.parse(contact.dateUpdated)).toISOString();
  const dedupId = `catchup-${contact.id}-${occurredAt}`;
  if (!isValidSqsMessageId(dedupId)) return undefined;
  return {
    source: 'catch-up',
    dedupId,
    type: 'updated',
    occurredAt,
    locationId,
    contact: contactSnapshot(contact.id, {
      firstName: contact.firstName,
      lastName: contact.lastName,
      name: typeof contact['contactName'] === 'string' ? contact['contactName'] : undefined,
      email: contact.email,
      phone: contact.phone,
      tags: contact.tags ?? [],
    }),
  };
}

/** The queue message of an event, as the door sends it. */
export function catchUpMessage(event: GhlContactEvent): QueueMessage {
  const flow = GHL_FLOWS[FLOW];
  const deliveryId = flow.dedupIdOf(event);
  return {
    entity: FLOW,
    groupId: flow.groupIdOf(event),
    deduplicationId: deliveryId,
    body: JSON.stringify(event),
    attributes: { event_type: flow.eventTypeOf(event), delivery_id: deliveryId },
  };
}
