/**
 * The deletion sweep: catches GHL contacts deleted while their `ContactDelete` webhook was lost.
 * The catch-up (catch-up.ts) cannot: GHL's search does not return deleted contacts, so a lost
 * delete would leave the contact's created twin in Relatel's phonebook forever.
 *
 * After a walk of every GHL contact that read to the end, a link is a candidate when it is not
 * deleted, names a Relatel twin, its GHL contact was not in the walk, and it was last touched
 * before the walk began. The last rule avoids a race: a contact created (and linked) while the
 * walk ran may sort behind the walk's cursor and never be read, yet exists. Each candidate is
 * then confirmed by a GET of the GHL contact, with the client's own "not there" rule (undefined:
 * 404, or the 400 "not found" of the contacts API; the rule lib/sync/heal.ts relies on too):
 * the walk only picks whom to ask, the GET decides.
 *
 * A confirmed-gone contact gets a synthetic `deleted` event on the ghl-contacts queue, shaped as
 * the door queues one, timed at the confirming GET (so it is newer than the link), and the
 * Relatel writer applies its usual delete rules (a `created` twin is deleted, a `linked` one is
 * left; either way the link is tombstoned). A GET that fails is skipped and counted: the next
 * sweep finds the candidate again. An incomplete walk concludes nothing, and so many candidates
 * that the walk itself looks wrong make the sweep refuse (candidateLimit).
 *
 * Logs and summaries carry ids and counts only.
 */
import { isSyncError } from '../errors.js';
import { contactSnapshot, type GhlContactEvent } from '../events/ghl-schemas.js';
import { isValidSqsMessageId } from '../events/schemas.js';
import type { GhlClient } from '../ghl/client.js';
import type { QueueSender } from '../ingest/ports.js';
import { pacer, realClock, type BackfillClock } from '../ops/backfill.js';
import { catchUpMessage, contactsByDateUpdated } from './catch-up.js';
import type { GhlContactLink, GhlContactLinkListing } from './links.js';

/** GHL's largest search page: the id walk of 10,000 contacts costs 20 searches. */
export const ID_WALK_PAGE_LIMIT = 500;
const DEFAULT_RATE_PER_SECOND = 5;
const MIN_CANDIDATE_LIMIT = 25;
const MAX_CANDIDATE_SHARE = 0.1;
/** A refused sweep names this many candidates, for the operator to look up in GHL. */
const CANDIDATE_SAMPLE_SIZE = 20;

export interface DeletionSweepDependencies {
  ghl: Pick<GhlClient, 'getContact'>;
  links: GhlContactLinkListing;
  queue: QueueSender;
  /** The deployment's GHL location (the events' `locationId`). */
  locationId: string;
  clock?: BackfillClock;
}

export interface DeletionSweepOptions {
  /** Sends per second, at most (the catch-up's pacer). */
  ratePerSecond?: number;
  /** Asked before each candidate: true stops cleanly; what was confirmed so far is queued. */
  shouldStop?: () => boolean;
  /** At most this many candidates, else the sweep refuses (default: candidateLimit). */
  maxCandidates?: number;
}

export interface DeletionSweepCounts {
  /** Links whose GHL contact the walk did not see. */
  candidates: number;
  /** Of those, GHL answered "not found": a delete was due. */
  confirmedGone: number;
  /** GHL still has them (created during the walk, or missed by the search): nothing to do. */
  stillThere: number;
  /** The GET failed: skipped this time, found again by the next sweep. */
  getFailures: number;
  /** Synthetic `deleted` events sent to the ghl-contacts queue. */
  enqueued: number;
}

export interface DeletionSweepSummary extends DeletionSweepCounts {
  /** `refused`: more candidates than `candidateLimit`; none was asked about. */
  outcome: 'completed' | 'stopped' | 'refused';
  /** GHL ids of the deletes queued (ids only). */
  deletedIds: string[];
  /** `stopped`: candidates left unasked. */
  notAsked?: number;
  /** `refused`: the limit the candidates passed, and the first candidates' GHL ids. */
  candidateLimit?: number;
  candidateSample?: string[];
}

/**
 * Whether a link is worth a GET: live, with a Relatel twin, absent from a complete walk, and not
 * touched since the walk began (a link without a time is asked about: the GET decides).
 */
export function isDeletionCandidate(link: GhlContactLink, seen: ReadonlySet<string>, walkStartedAt: Date): boolean {
  if (link.deleted || link.relatelId === undefined || seen.has(link.ghlId)) return false;
  if (link.lastOccurredAt === undefined) return true;
  return Date.parse(link.lastOccurredAt) < walkStartedAt.getTime();
}

/** The ids of every GHL contact, oldest change first; `complete` only when the walk read to the end. */
export async function walkGhlContactIds(
  ghl: Pick<GhlClient, 'searchContacts'>,
  options: { pageLimit?: number; shouldStop?: () => boolean } = {},
): Promise<{ ids: Set<string>; pages: number; complete: boolean }> {
  const ids = new Set<string>();
  let pages = 0;
  for await (const page of contactsByDateUpdated(ghl, undefined, options.pageLimit ?? ID_WALK_PAGE_LIMIT)) {
    pages += 1;
    for (const contact of page) ids.add(contact.id);
    if (options.shouldStop?.()) return { ids, pages, complete: false };
  }
  return { ids, pages, complete: true };
}

/**
 * Given the ids a complete walk that began at `walkStartedAt` saw, confirms each candidate link's
 * contact gone by a GET and queues a `deleted` event for it. Refuses, before any GET, when the
 * candidates are too many to be lost webhooks (see candidateLimit).
 */
export async function sweepDeletions(
  deps: DeletionSweepDependencies,
  walk: { seen: ReadonlySet<string>; startedAt: Date },
  options: DeletionSweepOptions = {},
): Promise<DeletionSweepSummary> {
  const clock = deps.clock ?? realClock;
  const pace = pacer(clock, options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND);
  const { candidates, linksWithTwin } = await candidatesOf(deps.links, walk);
  const summary: DeletionSweepSummary = { outcome: 'completed', candidates: candidates.length, confirmedGone: 0, stillThere: 0, getFailures: 0, enqueued: 0, deletedIds: [] };
  const limit = options.maxCandidates ?? candidateLimit(linksWithTwin);
  if (candidates.length > limit) return { ...summary, outcome: 'refused', candidateLimit: limit, candidateSample: candidates.slice(0, CANDIDATE_SAMPLE_SIZE) };
  for (const [index, ghlId] of candidates.entries()) {
    if (options.shouldStop?.()) {
      summary.outcome = 'stopped';
      summary.notAsked = candidates.length - index;
      break;
    }
    const verdict = await confirmGone(deps.ghl, ghlId);
    if (verdict === 'failed') summary.getFailures += 1;
    else if (verdict === 'there') summary.stillThere += 1;
    else {
      summary.confirmedGone += 1;
      const event = sweepDeleteEvent(ghlId, deps.locationId, clock.now());
      // A link's id came off the queue as a group id, so it is always valid; never send one SQS refuses.
      if (event === undefined) continue;
      await pace();
      await deps.queue.send(catchUpMessage(event));
      summary.enqueued += 1;
      summary.deletedIds.push(ghlId);
    }
  }
  return summary;
}

/**
 * How many candidates a sweep asks about at most: lost webhooks are few, so more than a tenth of
 * the linked contacts (and more than 25) points at a walk that went wrong (another location's
 * credentials, a search that answered short) rather than at deletes. Refusing costs a day; a
 * wrong walk whose GETs also said "not found" would empty the phonebook. The operator can pass a
 * limit after checking GHL (`--max-sweep-candidates`).
 */
export function candidateLimit(linksWithTwin: number): number {
  return Math.max(MIN_CANDIDATE_LIMIT, Math.floor(linksWithTwin * MAX_CANDIDATE_SHARE));
}

/** The candidates' GHL ids, and how many live links have a Relatel twin (the limit's base). */
async function candidatesOf(links: GhlContactLinkListing, walk: { seen: ReadonlySet<string>; startedAt: Date }): Promise<{ candidates: string[]; linksWithTwin: number }> {
  const candidates: string[] = [];
  let linksWithTwin = 0;
  for await (const link of links.list()) {
    if (!link.deleted && link.relatelId !== undefined) linksWithTwin += 1;
    if (isDeletionCandidate(link, walk.seen, walk.startedAt)) candidates.push(link.ghlId);
  }
  return { candidates, linksWithTwin };
}

/** GHL's answer about one contact; a failed GET concludes nothing, except bad credentials, which stop the sweep. */
async function confirmGone(ghl: Pick<GhlClient, 'getContact'>, ghlId: string): Promise<'gone' | 'there' | 'failed'> {
  try {
    return (await ghl.getContact(ghlId)) === undefined ? 'gone' : 'there';
  } catch (error) {
    if (isSyncError(error) && error.kind === 'auth') throw error;
    return 'failed';
  }
}

/** The `deleted` event a lost ContactDelete would have brought, timed when GHL confirmed it. */
export function sweepDeleteEvent(ghlId: string, locationId: string, confirmedAt: Date): GhlContactEvent | undefined {
  const dedupId = `sweep-deleted-${ghlId}`;
  if (!isValidSqsMessageId(ghlId) || !isValidSqsMessageId(dedupId)) return undefined;
  return {
    // The writer's queue schema knows the door's sources and the catch-up's: the sweep is the catch-up's.
    source: 'catch-up',
    dedupId,
    type: 'deleted',
    occurredAt: confirmedAt.toISOString(),
    locationId,
    contact: contactSnapshot(ghlId, { firstName: undefined, lastName: undefined, name: undefined, email: undefined, phone: undefined, tags: [] }),
  };
}
