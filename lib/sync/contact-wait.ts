/**
 * A child (task, note, appointment, call note) whose contact is not in GHL: what its contact's
 * sync state says about the contact, and what the child does about it.
 *  - deleted in Relatel, or parked in the contacts DLQ: the child is parked with that reason
 *    (only the contact's own fate decides the child's);
 *  - pending (its create is claimed, failing or queued): the child hides itself, notes that it
 *    waits (contact-waiters.ts), and the contacts consumer wakes it when the contact lands;
 *  - unknown to the sync (no webhook ever came for it): a young child (first received less than
 *    a grace ago) waits as above without reading it, for the contact's own webhook, usually
 *    seconds behind, to land and wake it; after the grace the child reads the contact from
 *    Relatel and queues it on the contacts queue, then waits as above.
 * Why this order of hide, note and re-read loses no wake: docs/SYNC.md#children-wait-for-their-contact.
 */
import type { SQSRecord } from 'aws-lambda';
import { DEFAULT_CHILD_FETCH_GRACE_MS, DEFAULT_RETRY_HORIZON_MS, type Entity } from '../entities.js';
import { permanentError, transientError } from '../errors.js';
import type { QueueMessage, QueueSender } from '../ingest/ports.js';
import { contactEventMessage } from '../ops/backfill.js';
import type { ContactWaiters } from './contact-waiters.js';
import type { VisibilityChanger } from './consumer.js';
import type { SyncDependencies } from './dependencies.js';
import { StaleStateError, type RecordSyncState } from './state.js';

/** Where a child's contact stands, read from the contact's sync state. */
export type ContactStanding = 'linked' | 'deleted' | 'parked' | 'pending' | 'unknown';

/**
 * Pure. A contact's state without a GHL id is pending while something is on its way: a create
 * claimed (running, failing, or in doubt), a fetch a child asked for less than `fetchPendingMs`
 * ago, or a create that failed before it was sent (the state exists but no event was applied).
 * A park counts unless the contact was claimed or fetched again since. A state whose last event
 * was applied without a GHL twin (Relatel no longer had the contact) is as good as unknown.
 */
export function contactStanding(contact: RecordSyncState | undefined, now: Date, fetchPendingMs: number): ContactStanding {
  if (contact === undefined) return 'unknown';
  if (contact.deleted) return 'deleted';
  if (contact.ghlId !== undefined) return 'linked';
  const parkedAt = timeOf(contact.parkedAt);
  if (parkedAt > timeOf(contact.pendingCreateSince) && parkedAt > timeOf(contact.fetchRequestedAt)) return 'parked';
  if (contact.pendingCreateSince !== undefined) return 'pending';
  if (contact.fetchRequestedAt !== undefined) return now.getTime() - timeOf(contact.fetchRequestedAt) < fetchPendingMs ? 'pending' : 'unknown';
  return contact.lastOccurredAt === undefined ? 'pending' : 'unknown';
}

const timeOf = (iso: string | undefined) => (iso === undefined ? Number.NEGATIVE_INFINITY : Date.parse(iso));

/** What a child needs to wait for its contact; the record processor makes one per SQS record. */
export interface ChildWait {
  /** Hides the record being synced (its own receipt handle) for `seconds`: a wake ends the wait sooner. */
  hide(seconds: number): Promise<void>;
  /** Notes the record as waiting for the Relatel contact, for as long as it hides. */
  note(relatelContactId: string, seconds: number): Promise<void>;
  /** Removes the record's note; true when this call removed it, false when a wake took it first. */
  withdraw(relatelContactId: string): Promise<boolean>;
  /** Queues an event on the contacts queue. */
  queueContact(message: QueueMessage): Promise<void>;
  /** What is left of the record's fetch grace (ms, 0 once spent): while any is, an unknown contact is waited for, not read. */
  fetchGraceLeftMs(): number;
}

/** The ports a child consumer waits through. */
export interface ChildWaitPorts {
  waiters: ContactWaiters;
  /** The child's own queue. */
  visibility: VisibilityChanger;
  contactsQueue: QueueSender;
  /** How long after its first receive a child waits for an unknown contact's webhook before reading it (default DEFAULT_CHILD_FETCH_GRACE_MS). */
  fetchGraceMs?: number;
}

/** How long a waiting child hides: a missed wake costs at most this (SQS allows up to 12 h). */
export const CHILD_HIDE_SECONDS = 900;

/**
 * Pure. What is left of a record's fetch grace at `nowMs`, counted from SQS's first receive of it
 * (its sending when that is missing). 0 when SQS gave neither: no grace rather than one forever.
 */
export function fetchGraceLeftMs(record: Pick<SQSRecord, 'attributes'>, graceMs: number, nowMs: number): number {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp ?? record.attributes.SentTimestamp);
  if (!Number.isFinite(first)) return 0;
  return Math.max(0, Math.min(graceMs, first + graceMs - nowMs));
}

/** The ChildWait of one received record of a child queue. */
export function childWaitOf(record: SQSRecord, entity: Entity, ports: ChildWaitPorts, now: () => Date): ChildWait {
  return {
    hide: (seconds) => ports.visibility.changeVisibility([{ record, seconds }]),
    // The note lasts as long as the hide: the child's receipt handle is valid that long.
    note: (relatelContactId, seconds) =>
      ports.waiters.add(relatelContactId, { entity, messageId: record.messageId, receiptHandle: record.receiptHandle }, now(), seconds * 1000),
    withdraw: (relatelContactId) => ports.waiters.withdraw(relatelContactId, { entity, messageId: record.messageId }),
    queueContact: (message) => ports.contactsQueue.send(message),
    fetchGraceLeftMs: () => fetchGraceLeftMs(record, ports.fetchGraceMs ?? DEFAULT_CHILD_FETCH_GRACE_MS, now().getTime()),
  };
}

/**
 * The GHL id of the contact a child belongs to, or a failure that says what the child waits for:
 * `contact-pending` (it hid itself and is noted: the consumer leaves its visibility alone),
 * `contact-unknown`, `contact-parked`, `contact-deleted`. Without a ChildWait (a caller that
 * cannot hide its record) a pending contact is the plain transient `contact-not-synced`.
 */
export async function ghlContactIdOf(relatelContactId: string | number, deps: SyncDependencies): Promise<string> {
  const id = String(relatelContactId);
  const contact = await deps.state.get('contacts', id);
  const standing = contactStanding(contact, deps.now(), DEFAULT_RETRY_HORIZON_MS);
  if (standing === 'linked') return contact!.ghlId!;
  // A contact deleted in GHL behind the sync's back: healing writes it again (heal.ts), not a wait.
  if (contact?.deletedInGhl && !contact.deleted) {
    throw transientError('The contact this record belongs to was deleted in GHL and is not written again yet', { reason: 'contact-not-synced' });
  }
  // A young child waits for an unknown contact's own webhook, and only for the rest of its grace:
  // then it comes back and reads the contact. No grace left: read it now, as before.
  const graceLeftMs = standing === 'unknown' ? (deps.childWait?.fetchGraceLeftMs() ?? 0) : 0;
  if (standing === 'unknown' && graceLeftMs === 0) await requestContact(id, contact, deps);
  else if (standing !== 'pending' && standing !== 'unknown') throw contactFateError(id, standing);

  const wait = deps.childWait;
  if (wait === undefined) throw transientError('The contact this record belongs to is not synced to GHL yet', { reason: 'contact-not-synced' });
  const hideSeconds = graceLeftMs > 0 ? Math.ceil(graceLeftMs / 1000) : CHILD_HIDE_SECONDS;
  await wait.hide(hideSeconds);
  await wait.note(id, hideSeconds);
  // Read again after the note: a contact that landed before the note was taken is seen here,
  // one that lands after it finds the note and wakes this record.
  const now = await deps.state.get('contacts', id);
  const after = contactStanding(now, deps.now(), DEFAULT_RETRY_HORIZON_MS);
  if (after === 'pending' || after === 'unknown') throw transientError(`Waiting for contact ${id} to land in GHL`, { reason: 'contact-pending' });
  // Decided meanwhile: whoever removes the note goes on. A wake that took it has made (or is
  // making) this record visible: its next receive goes on alone, rather than beside this one.
  if (!(await wait.withdraw(id))) throw transientError(`Contact ${id} landed: the woken receive goes on`, { reason: 'contact-pending' });
  if (after === 'linked') return now!.ghlId!;
  throw contactFateError(id, after);
}

function contactFateError(id: string, standing: 'deleted' | 'parked') {
  return standing === 'deleted'
    ? permanentError(`Contact ${id} was deleted in Relatel before this record reached GHL`, { reason: 'contact-deleted' })
    : permanentError(`Contact ${id} is parked in the contacts DLQ: redrive it, then this record`, { reason: 'contact-parked' });
}

/**
 * A contact the sync has never seen (or saw go without a GHL twin): read from Relatel and queued
 * on the contacts queue as a `contact.updated`, so its own ordering, dedup and create claim
 * apply. The delivery id is per minute: children asking within one minute queue it once.
 */
async function requestContact(id: string, contact: RecordSyncState | undefined, deps: SyncDependencies): Promise<void> {
  if (deps.relatel === undefined || deps.childWait === undefined) {
    throw transientError(`Contact ${id} is unknown to the sync and cannot be read from Relatel (no API token): npm run backfill or a token fixes it`, {
      reason: 'contact-unknown',
    });
  }
  const read = await deps.relatel.getContact(id);
  if (read === undefined) throw permanentError(`Relatel has no contact ${id}`, { reason: 'contact-unknown', status: 404 });
  const now = deps.now();
  const message = contactEventMessage(read, fetchDeliveryId(id, now), fetchedOccurredAt(contact));
  if (message === undefined) throw permanentError(`Contact ${id} cannot be queued (its id is no valid message group)`, { reason: 'contact-unknown' });
  await deps.childWait.queueContact(message);
  // Other children of the contact wait instead of reading it again. Best effort: a write that
  // loses to the contacts consumer's (the contact is being synced) is as good.
  const version = contact?.version ?? 0;
  try {
    await deps.state.save({ ...(contact ?? { entity: 'contacts', relatelId: id }), fetchRequestedAt: now.toISOString(), version }, version);
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
  }
}

/**
 * When the fetched contact "happened": before any webhook of it (the Unix epoch, or just after
 * the last event applied to it), so every webhook wins over it. Relatel's API has no company and
 * no tags; stamped now, the fetch would make the contact's own webhook, usually seconds behind
 * the child, stale, and its company and tags would be lost.
 */
export function fetchedOccurredAt(contact: RecordSyncState | undefined): Date {
  const last = contact?.lastOccurredAt === undefined ? Number.NaN : Date.parse(contact.lastOccurredAt);
  return new Date(Number.isNaN(last) ? 0 : last + 1);
}

/** One delivery id per contact and minute. */
export function fetchDeliveryId(relatelContactId: string, now: Date): string {
  return `fetch-${relatelContactId}-${now.toISOString().slice(0, 16).replace(/[-:T]/g, '')}`;
}
