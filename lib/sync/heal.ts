/**
 * Records deleted in GHL behind the sync's back (a person deleted a contact, task, note or
 * appointment the sync wrote). A later write to one fails with a 400 (what GHL's contacts API
 * documents for a record it does not have) or a 404 (the calendars API): neither the status nor
 * GHL's wording tells a deleted record from a refused body, so a GET of the record decides.
 *
 *  - The record exists: GHL refused the body; the failure stays what it was (permanent).
 *  - It is gone, and Relatel wins (the default, `ghlDeletions: 'relatel-wins'`): its link is
 *    cleared and the event runs once more, which writes it again from Relatel's current state
 *    (a contact is matched by e-mail or phone first, as new contacts are; a child is created
 *    under its contact's current GHL id, the contact re-created first if it is gone too). A
 *    record that is gone again right after that is parked (`ghl-record-keeps-disappearing`).
 *  - It is gone, and GHL wins (`ghlDeletions: 'ghl-wins'`): it is left deleted, and its later
 *    events are skipped (`deleted-in-ghl`, counted in EventsSkipped).
 *
 * docs/SYNC.md#records-deleted-in-ghl has the cases and why.
 */
import type { Entity } from '../entities.js';
import { isSyncError, permanentError, SyncError } from '../errors.js';
import type { RoutedRelatelEvent } from '../events/validate.js';
import type { GhlClient } from '../ghl/client.js';
import { callRemoteParty } from '../mapping/calls.js';
import type { MappingConfig } from '../mapping/config.js';
import type { SyncDependencies, SyncOutcomes } from './dependencies.js';
import type { GhlOperation } from './plan.js';
import type { RecordSyncState } from './state.js';

/** What the GET after a failed write found: the record (or, for a create, its contact) gone or not. */
export interface GoneVerdict {
  /** The GHL contact the record hangs on is gone too (or, for a child's create, is what is gone). */
  contactGone?: string;
}

/**
 * Whether a failure may mean that the record it wrote to is gone: a 400 or 404 answer, or an
 * upsert that was to set a known contact's company and created a contact instead (the known
 * one no longer matches: possibly because it was deleted).
 */
export function mayBeGone(error: unknown): boolean {
  if (!isSyncError(error)) return false;
  return error.status === 400 || error.status === 404 || error.reason === 'company-upsert-created-contact';
}

/**
 * Reads the record a failed operation wrote to. Answers undefined when it exists (the failure
 * was about the body) or when the operation names no existing record (a contact's create).
 * A read that fails throws its own error (a 5xx: the event is retried and asks again).
 */
export async function confirmGone(
  ghl: GhlClient,
  operation: GhlOperation,
  state: RecordSyncState,
  createdId: string | undefined,
): Promise<GoneVerdict | undefined> {
  const contactGone = async (contactId: string | undefined): Promise<GoneVerdict> =>
    contactId !== undefined && contactId !== '' && (await ghl.getContact(contactId)) === undefined ? { contactGone: contactId } : {};
  switch (operation.op) {
    case 'contact.update':
    case 'contact.delete':
      return (await ghl.getContact(operation.contactId)) === undefined ? {} : undefined;
    case 'contact.addTags':
    case 'contact.removeTags': {
      // After the plan's own create: the contact it just created (or linked).
      const contactId = typeof operation.contactId === 'string' ? operation.contactId : createdId;
      if (contactId === undefined) return undefined;
      return (await ghl.getContact(contactId)) === undefined ? {} : undefined;
    }
    case 'contact.upsert':
      if (operation.contactId === undefined) return undefined;
      return (await ghl.getContact(operation.contactId)) === undefined ? {} : undefined;
    case 'contact.create':
      return undefined;
    case 'task.update':
    case 'task.complete':
    case 'task.delete':
      return (await ghl.getTask(operation.contactId, operation.taskId)) === undefined ? contactGone(operation.contactId) : undefined;
    case 'note.update':
    case 'note.delete':
      return (await ghl.getNote(operation.contactId, operation.noteId)) === undefined ? contactGone(operation.contactId) : undefined;
    case 'appointment.update':
    case 'appointment.delete':
      return (await ghl.getAppointment(operation.appointmentId)) === undefined ? contactGone(state.ghlContactId) : undefined;
    case 'task.create':
    case 'note.create':
    case 'appointment.create': {
      // No record yet: only its contact can be gone.
      const verdict = await contactGone(operation.op === 'appointment.create' ? operation.body.contactId : operation.contactId);
      return verdict.contactGone === undefined ? undefined : verdict;
    }
  }
}

/** Whether GHL's deletions win (the record is left deleted) instead of Relatel's data. */
export function ghlDeletionsWin(mapping: Pick<MappingConfig, 'ghlDeletions'>): boolean {
  return mapping.ghlDeletions === 'ghl-wins';
}

/** A record's state with its GHL link cleared: the next plan creates it again. */
export function withoutLink(state: RecordSyncState): RecordSyncState {
  const {
    ghlId: _gone,
    ghlContactId: _contact,
    bodyHash: _body,
    tags: _tags,
    tagsInDoubt: _doubt,
    pendingCreateSince: _claim,
    createInDoubt: _inDoubt,
    deletedInGhl: _deleted,
    ...kept
  } = state;
  return kept;
}

/**
 * Thrown by applyPlan once it has cleared the link of a record GHL no longer has: the event is
 * run once more (withHealing) to write the record again. Transient, so that if it escaped it
 * would be retried, which heals it the same way.
 */
export class RecordGoneError extends SyncError {
  constructor(
    readonly entity: Entity,
    readonly relatelId: string,
    readonly verdict: GoneVerdict,
  ) {
    super('transient', `GHL no longer has ${entity} ${relatelId}${verdict.contactGone ? ' (nor its contact)' : ''}: it is written again`, {
      reason: 'ghl-record-gone',
    });
    this.name = 'RecordGoneError';
  }
}

/**
 * Runs an event's handler; when it finds a record gone from GHL (RecordGoneError), re-creates a
 * contact that is gone under a child first, then runs the handler once more. A record gone again
 * in that second run is parked: it keeps disappearing, and writing it a third time would loop.
 */
export async function withHealing(
  run: () => Promise<SyncOutcomes>,
  event: RoutedRelatelEvent,
  deps: SyncDependencies,
  recreateContact: (relatelContactId: string, occurredAt: string) => Promise<void>,
): Promise<SyncOutcomes> {
  let heal: () => Promise<void>;
  try {
    return await run();
  } catch (error) {
    const healing = await healingFor(error, event, deps, recreateContact);
    if (healing === undefined) throw error;
    heal = healing;
  }
  try {
    await heal();
    return await run();
  } catch (error) {
    if (!(error instanceof RecordGoneError)) throw error;
    throw permanentError(`${error.entity} ${error.relatelId} disappeared from GHL again right after it was written again`, {
      reason: 'ghl-record-keeps-disappearing',
      cause: error,
    });
  }
}

/**
 * What to do before running an event again, if its failure is one that heals: a record found
 * gone (its contact re-created first if that is gone too), or a child still waiting for a
 * contact that GHL lost and whose writing again failed on an earlier attempt (Relatel's API or
 * GHL down): the contact is written again now. Undefined: the failure stands.
 */
async function healingFor(
  error: unknown,
  event: RoutedRelatelEvent,
  deps: SyncDependencies,
  recreateContact: (relatelContactId: string, occurredAt: string) => Promise<void>,
): Promise<(() => Promise<void>) | undefined> {
  if (error instanceof RecordGoneError) return () => healContactOf(error, event, deps, recreateContact);
  if (!isSyncError(error) || error.reason !== 'contact-not-synced' || deps.relatel === undefined || ghlDeletionsWin(deps.mapping)) return undefined;
  const relatelContactId = relatelContactIdOf(event, deps.mapping);
  const contact = relatelContactId === undefined ? undefined : await deps.state.get('contacts', relatelContactId);
  if (contact === undefined || !contact.deletedInGhl || contact.ghlId !== undefined || contact.deleted) return undefined;
  return () => recreateContact(relatelContactId!, contact.lastOccurredAt ?? event.envelope.occurred_at);
}

/**
 * A child found its contact gone: the contact's link is cleared (if the state still names that
 * GHL contact), marked `deletedInGhl` until it is written again, and the contact written again
 * from Relatel's current state. Without a Relatel API to read that state from, the child waits
 * (`contact-not-synced`) for the contact's next event.
 */
async function healContactOf(
  gone: RecordGoneError,
  event: RoutedRelatelEvent,
  deps: SyncDependencies,
  recreateContact: (relatelContactId: string, occurredAt: string) => Promise<void>,
): Promise<void> {
  const ghlContactId = gone.verdict.contactGone;
  if (gone.entity === 'contacts' || ghlContactId === undefined) return;
  const relatelContactId = relatelContactIdOf(event, deps.mapping);
  if (relatelContactId === undefined) return;
  const contact = await deps.state.get('contacts', relatelContactId);
  if (contact === undefined || contact.ghlId !== ghlContactId) return;
  await deps.state.save({ ...withoutLink(contact), deletedInGhl: true }, contact.version);
  if (deps.relatel === undefined) return;
  // Its own last occurred_at: the contact is written as Relatel has it now, and a contact
  // event still on its way (newer than that) is not made stale by a child's event.
  await recreateContact(relatelContactId, contact.lastOccurredAt ?? event.envelope.occurred_at);
}

/** The Relatel contact an event's record hangs on, if it names one. */
function relatelContactIdOf(event: RoutedRelatelEvent, mapping: MappingConfig): string | undefined {
  if (event.eventType === 'call.ended') return callRemoteParty(event.payload, mapping).relatelContactId;
  const payload = event.payload as { contact_id?: string | number };
  return payload.contact_id === undefined ? undefined : String(payload.contact_id);
}
