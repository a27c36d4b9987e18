/**
 * One Relatel event, end to end: drop a redelivery, read what the sync state knows, map the
 * record, plan (pure), carry the plan out against GHL, record the new state, remember the
 * delivery. Every consumer runs its events through `syncEvent`; only the mapping and the plan
 * differ by entity.
 *
 * Order of writes, and why it is safe under at-least-once delivery:
 *  1. GHL first, then the sync state: a crash in between replays the event, which finds the
 *     same body hash and tags (no-op), or re-runs idempotent calls (PUT, tag add/remove,
 *     delete), or a create that searches before it creates (executor.ts).
 *  2. The delivery id last: a crash before it costs one replay, which the state absorbs.
 *  3. Creates are claimed first (a conditional write), so two workers never both create one
 *     record; a claim that fails is released at once but remembered, so the next attempt
 *     searches GHL for what the failed one may have created.
 */
import type { Entity } from '../entities.js';
import { permanentError, transientError } from '../errors.js';
import type { GhlClient } from '../ghl/client.js';
import { mayHaveBeenApplied } from '../ghl/errors.js';
import type { GhlUpdateTaskBody } from '../ghl/types.js';
import { mapAppointmentCancellation, mapAppointmentToCreateBody, mapAppointmentToUpdateBody } from '../mapping/appointments.js';
import { callRemoteParty, mapCallToCallbackTaskBody, mapCallToNoteBody } from '../mapping/calls.js';
import type { MappingConfig } from '../mapping/config.js';
import { contactTags, mapContactToCreateBody, mapContactToUpdateBody, mapContactToUpsertBody, type MappedContactUpdate } from '../mapping/contacts.js';
import { hashBody } from '../mapping/hash.js';
import { normaliseTags } from '../mapping/tags.js';
import { mapNoteToCreateBody, mapNoteToUpdateBody } from '../mapping/notes.js';
import type { MappingIssue } from '../mapping/result.js';
import { mapTaskToCreateBody, mapTaskToUpdateBody } from '../mapping/tasks.js';
import type { RelatelClient } from '../relatel/client.js';
import type { RoutedRelatelEvent } from '../events/validate.js';
import type { DuplicateContactsLookup } from './duplicate-contacts.js';
import { createInDoubtOf, executeOperations, findCreatedByKey, isCreate } from './executor.js';
import {
  planAppointmentSync,
  planContactSync,
  planNoteSync,
  planTaskSync,
  bodyHashAfterFailure,
  type DesiredContact,
  type EventFacts,
  type GhlOperation,
  type SyncPlan,
} from './plan.js';
import { isClaimFresh, isOlderThanApplied, type CreateInDoubt, type RecordSyncState, type SyncStateStore } from './state.js';

export interface SyncDependencies {
  state: SyncStateStore;
  ghl: GhlClient;
  /** For hydrating thin contact payloads; absent when no Relatel token is configured. */
  relatel?: RelatelClient;
  mapping: MappingConfig;
  now: () => Date;
  /** How long a create claim blocks other workers: longer than a consumer can run. */
  createLeaseMs: number;
  /** The location's duplicate-contact rule (duplicate-contacts.ts); absent: new contacts take the upsert path. */
  duplicateContacts?: DuplicateContactsLookup;
  /** Mapping issues (field + reason, never values), for logs and metrics. */
  onMappingIssues?: (issues: MappingIssue[]) => void;
}

export type SkipOutcome = 'duplicate' | 'stale' | 'deleted' | 'no-op' | 'nothing-to-delete' | 'no-party';

export interface SyncOutcome {
  entity: Entity;
  relatelId: string;
  /** 'synced' wrote to GHL; otherwise why nothing was written. */
  result: 'synced' | SkipOutcome;
  ghlId?: string;
  /** GHL calls made, reads included. */
  ghlCalls: number;
}

export async function syncEvent(event: RoutedRelatelEvent, deps: SyncDependencies): Promise<SyncOutcome[]> {
  const deliveryId = event.envelope.delivery_id;
  const now = deps.now();
  if (await deps.state.wasDeliveryProcessed(deliveryId, now)) {
    return [{ entity: entityOf(event), relatelId: recordIdOf(event), result: 'duplicate', ghlCalls: 0 }];
  }
  const outcomes = await syncRecords(event, deps);
  await deps.state.markDeliveryProcessed(deliveryId, deps.now());
  return outcomes;
}

function entityOf(event: RoutedRelatelEvent): Entity {
  if (event.eventType.startsWith('contact.')) return 'contacts';
  if (event.eventType.startsWith('task.')) return 'tasks';
  if (event.eventType.startsWith('appointment.')) return 'appointments';
  return 'notes';
}

function recordIdOf(event: RoutedRelatelEvent): string {
  return event.eventType === 'call.ended' ? callRecordId(event.payload.call_uuid) : String(event.payload.id);
}

/** Calls have no Relatel note id: the call's uuid names the note (and its callback task). */
const callRecordId = (callUuid: string) => `call:${callUuid}`;

async function syncRecords(event: RoutedRelatelEvent, deps: SyncDependencies): Promise<SyncOutcome[]> {
  const facts: EventFacts = { occurredAt: event.envelope.occurred_at, isDelete: event.eventType.endsWith('.deleted') };
  switch (event.eventType) {
    case 'contact.created':
    case 'contact.updated':
    case 'contact.deleted':
      return [await syncContact(event.payload, facts, deps)];
    case 'task.created':
    case 'task.updated':
    case 'task.completed':
    case 'task.deleted':
      return [await syncTask(event.payload, event.eventType === 'task.completed', facts, deps)];
    case 'note.created':
    case 'note.updated':
    case 'note.deleted':
      return [await syncNote(event.payload, facts, deps)];
    case 'appointment.created':
    case 'appointment.updated':
    case 'appointment.cancelled':
    case 'appointment.deleted':
      return [await syncAppointment(event.payload, event.eventType === 'appointment.cancelled', facts, deps)];
    case 'call.ended':
      return syncCall(event.payload, facts, deps);
  }
}

// ---------------------------------------------------------------- contacts

type ContactPayload = Extract<RoutedRelatelEvent, { eventType: 'contact.updated' }>['payload'];

async function syncContact(payload: ContactPayload, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const relatelId = String(payload.id);
  const state = await readRecordState('contacts', relatelId, deps);
  if (facts.isDelete && state?.ghlId === undefined && state?.pendingCreateSince !== undefined) {
    // An upsert was claimed and has not been recorded: it is running, or failed with GHL's answer
    // lost. Deciding "nothing to delete" now could leave it in GHL for good; the create's own
    // retry (ahead of this delete in its FIFO group) settles it, then the delete runs.
    throw transientError(`Contact ${relatelId} may be in GHL already: its create is unsettled`, { reason: 'create-in-doubt' });
  }
  const contact = facts.isDelete ? undefined : await hydrateContact(payload, deps);
  const desired = contact === undefined ? undefined : desiredContact(contact, state, deps);
  let plan = planContactSync(facts, state, desired);
  // The plan decides whether this event creates the contact; only then is the location's rule read.
  if (contact !== undefined && desired !== undefined && plan.kind === 'write' && plan.creates && (await mayCreateInOneCall(desired, state, deps))) {
    plan = planContactSync(facts, state, { ...desired, createBody: createBodyOf(contact, desired, deps) });
  }
  return applyPlan('contacts', relatelId, state, plan, deps);
}

/**
 * Whether a contact the plan creates may be created in one POST /contacts/ with its tags (plan.ts
 * rule 4): GHL must be able to find a duplicate (an e-mail or phone to match by) and refuse to
 * make one (the location's rule). After an earlier create of the contact failed without an
 * answer, the upsert path is taken whatever the rule: it matches the contact that attempt may
 * have made even if the location has begun to allow duplicates since.
 */
async function mayCreateInOneCall(desired: DesiredContact, state: RecordSyncState | undefined, deps: SyncDependencies): Promise<boolean> {
  const matchable = desired.upsertBody.email !== undefined || desired.upsertBody.phone !== undefined;
  if (state?.pendingCreateSince !== undefined || !matchable || deps.duplicateContacts === undefined) return false;
  return (await deps.duplicateContacts()) === 'forbidden';
}

/** The create body with the tags the plan records as synced. */
function createBodyOf(contact: ContactPayload, desired: DesiredContact, deps: SyncDependencies) {
  const { tags: _mapped, ...body } = withoutLocation(mapContactToCreateBody(contact, deps.mapping, LOCATION_SET_BY_CLIENT).body);
  const tags = desired.tags ?? [];
  return tags.length > 0 ? { ...body, tags } : body;
}

/**
 * Relatel payloads are undocumented and may be a bare id: then the contact's current state is
 * read from Relatel's API. A contact Relatel no longer has is treated as gone (nothing to write).
 */
async function hydrateContact(payload: ContactPayload, deps: SyncDependencies): Promise<ContactPayload | undefined> {
  const isThin = Object.keys(payload).every((key) => key === 'id');
  if (!isThin) return payload;
  if (deps.relatel === undefined) {
    throw permanentError('Contact event carries only an id and no Relatel API token is configured to read the rest', {
      reason: 'hydration-unavailable',
    });
  }
  return (await deps.relatel.getContact(String(payload.id))) as ContactPayload | undefined;
}

function desiredContact(contact: ContactPayload, state: RecordSyncState | undefined, deps: SyncDependencies): DesiredContact {
  const upsert = mapContactToUpsertBody(contact, deps.mapping, LOCATION_SET_BY_CLIENT);
  const update = mapContactToUpdateBody(contact, deps.mapping);
  deps.onMappingIssues?.(dedupeIssues([...upsert.issues, ...update.issues]));
  // Relatel's REST API has no tags: a hydrated contact (or a payload without tags) leaves the
  // synced tags alone, except that a contact whose tags were never synced gets the configured
  // fixed tag (a new one, or one whose create succeeded but whose tag call failed).
  const tagsKnown = contact.tags != null || state?.tags === undefined;
  return {
    upsertBody: withoutLocation(upsert.body),
    updateBody: update.body,
    ...contactHashes(update),
    hasCompany: update.companyName !== undefined,
    ...(tagsKnown && { tags: contactTags(contact, deps.mapping) }),
  };
}

/**
 * The two parts of a contact's bodyHash (see plan.ts `contactBodyHash`): what PUT carries, and
 * the company, which only upsert can set. `npm run verify` compares Relatel with the state by it.
 */
export function contactHashes(update: MappedContactUpdate): { fieldsHash: string; companyHash: string } {
  return { fieldsHash: hashBody(update.body), companyHash: hashBody({ companyName: update.companyName ?? null }) };
}

/** Mapping fills bodies' locationId; the client sets it from the credentials instead. */
const LOCATION_SET_BY_CLIENT = '';

function withoutLocation<B extends { locationId?: string }>(body: B): Omit<B, 'locationId'> {
  const { locationId: _setByClient, ...rest } = body;
  return rest;
}

function dedupeIssues(issues: MappingIssue[]): MappingIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}:${issue.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------- children of a contact

/**
 * The GHL id of the contact a task, note or appointment belongs to. Not synced yet: a
 * transient failure, because the contact's own event is usually seconds behind (the consumer
 * parks it with this reason once its retries are spent).
 */
async function ghlContactIdOf(relatelContactId: string | number, deps: SyncDependencies): Promise<string> {
  const contact = await deps.state.get('contacts', String(relatelContactId));
  if (contact?.ghlId === undefined || contact.deleted) {
    throw transientError('The contact this record belongs to is not synced to GHL yet', { reason: 'contact-not-synced' });
  }
  return contact.ghlId;
}

/** What planning a task, note or appointment starts from: its state and its contact's GHL id. */
interface ChildRecord {
  relatelId: string;
  state: RecordSyncState | undefined;
  ghlContactId: string;
}

/**
 * A task's, note's or appointment's sync state and the GHL id of the contact it hangs on.
 *  - A delete of a record GHL never got needs no contact: it only leaves a tombstone. Waiting
 *    for the contact instead would park the delete (contact-not-synced) if the contact came
 *    late, and a create arriving after it (Relatel does not deliver in order) would then put a
 *    deleted record into GHL for good.
 *  - But a delete of a record whose create another worker is running (a fresh claim) waits for
 *    it: "nothing to delete" now would leave a tombstone the create cannot see, and its record
 *    in GHL for good. Only an abandoned invocation still running next to its own redelivery
 *    can get here (FIFO gives a record one worker otherwise); the retry comes after the lease,
 *    when the create is recorded or, failed, searched for (readRecordState).
 */
async function childRecord(
  entity: Exclude<Entity, 'contacts'>,
  payload: { id: string | number; contact_id: string | number },
  facts: EventFacts,
  deps: SyncDependencies,
): Promise<ChildRecord> {
  const relatelId = String(payload.id);
  const state = await readRecordState(entity, relatelId, deps);
  const neverInGhl = facts.isDelete && state?.ghlId === undefined;
  if (neverInGhl && state !== undefined && isClaimFresh(state, deps.now(), deps.createLeaseMs)) {
    throw createInProgress(entity, relatelId, state, deps);
  }
  const ghlContactId = state?.ghlContactId ?? (neverInGhl ? NO_CONTACT_NEEDED : await ghlContactIdOf(payload.contact_id, deps));
  return { relatelId, state, ghlContactId };
}

/** Never sent to GHL: a plan for a delete of a record without a GHL twin has no operations. */
const NO_CONTACT_NEEDED = '';

type TaskPayload = Extract<RoutedRelatelEvent, { eventType: 'task.updated' }>['payload'];

async function syncTask(payload: TaskPayload, completes: boolean, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const { relatelId, state, ghlContactId } = await childRecord('tasks', payload, facts, deps);
  const task = completes ? { ...payload, status: 'completed' as const } : payload;
  // A task without a due date gets a default one relative to the event, not to the clock: a
  // retry after an ambiguous create failure must build the same body, or the executor's search
  // for the task the failed attempt may have created (matched by title and due date) misses it
  // and GHL gets a duplicate.
  const create = mapTaskToCreateBody(task, deps.mapping, Date.parse(facts.occurredAt));
  const update = mapTaskToUpdateBody(task, deps.mapping);
  deps.onMappingIssues?.(dedupeIssues([...create.issues, ...update.issues]));
  const desired = facts.isDelete ? undefined : { createBody: create.body, updateBody: update.body, fieldsHash: taskFieldsHash(update.body) };
  const plan = planTaskSync(facts, state, desired, { ghlContactId });
  return applyPlan('tasks', relatelId, state, plan, deps);
}

/** The fields part of a task's bodyHash (see plan.ts `taskBodyHash`). */
function taskFieldsHash(body: GhlUpdateTaskBody): string {
  const { completed: _ownEndpoint, ...fields } = body;
  return hashBody(fields);
}

type NotePayload = Extract<RoutedRelatelEvent, { eventType: 'note.updated' }>['payload'];

async function syncNote(payload: NotePayload, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const { relatelId, state, ghlContactId } = await childRecord('notes', payload, facts, deps);
  let desired;
  if (!facts.isDelete) {
    const update = mapNoteToUpdateBody(payload, deps.mapping);
    // A create needs a body; an update of a note GHL already has may be thin.
    const create = state?.ghlId === undefined ? mapNoteToCreateBody(payload, deps.mapping) : { body: { body: '' }, issues: [] };
    deps.onMappingIssues?.(dedupeIssues([...create.issues, ...update.issues]));
    desired = { createBody: create.body, updateBody: update.body, bodyHash: hashBody(update.body) };
  }
  const plan = planNoteSync(facts, state, desired, { ghlContactId });
  return applyPlan('notes', relatelId, state, plan, deps);
}

type AppointmentPayload = Extract<RoutedRelatelEvent, { eventType: 'appointment.updated' }>['payload'];

async function syncAppointment(payload: AppointmentPayload, cancels: boolean, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const { relatelId, state, ghlContactId } = await childRecord('appointments', payload, facts, deps);
  let desired;
  if (!facts.isDelete) {
    const mapped = mapAppointmentToUpdateBody(payload, deps.mapping);
    const update = cancels ? { ...mapped.body, ...mapAppointmentCancellation(deps.mapping) } : mapped.body;
    // A thin cancel of an appointment GHL never saw has no start time: nothing to create.
    const canCreate = state?.ghlId === undefined && update.startTime !== undefined;
    const create = canCreate ? mapAppointmentToCreateBody(payload, deps.mapping, { locationId: LOCATION_SET_BY_CLIENT, contactId: ghlContactId }) : undefined;
    deps.onMappingIssues?.(dedupeIssues([...(create?.issues ?? []), ...mapped.issues]));
    const createBody = create && { ...withoutLocation(create.body), ...(cancels && { appointmentStatus: 'cancelled' as const }) };
    desired = { ...(createBody && { createBody }), updateBody: update, bodyHash: hashBody(update) };
  }
  const plan = planAppointmentSync(facts, state, desired, { ghlContactId });
  return applyPlan('appointments', relatelId, state, plan, deps);
}

type CallPayload = Extract<RoutedRelatelEvent, { eventType: 'call.ended' }>['payload'];

/**
 * A finished call becomes a note on the remote party's contact, and an unanswered inbound call
 * also a "call back" task. A caller Relatel has no contact for still gets a GHL contact,
 * matched or created by phone number through upsert, so no call goes unlogged.
 */
async function syncCall(call: CallPayload, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome[]> {
  const recordId = callRecordId(call.call_uuid);
  const party = callRemoteParty(call, deps.mapping);
  const noteState = await readRecordState('notes', recordId, deps);
  let ghlCalls = 0;
  let ghlContactId = noteState?.ghlContactId;
  if (ghlContactId === undefined && party.relatelContactId !== undefined) {
    ghlContactId = await ghlContactIdOf(party.relatelContactId, deps);
  }
  if (ghlContactId === undefined) {
    // A hidden or invalid number and no Relatel contact: there is no one to log the call on.
    // Counted, not parked: a human could do nothing with it either.
    if (party.phone === undefined) return [{ entity: 'notes', relatelId: recordId, result: 'no-party', ghlCalls: 0 }];
    ghlCalls += 1;
    // The phone alone: upsert overwrites what it sends on a GHL contact it matches, and a
    // caller GHL already knows keeps its own source (say, the ad it came from).
    ghlContactId = (await deps.ghl.upsertContact({ phone: party.phone })).contact.id;
  }

  const note = mapCallToNoteBody(call, deps.mapping);
  const noteDesired = { createBody: note.body, updateBody: note.body, bodyHash: hashBody(note.body) };
  const noteOutcome = await applyPlan('notes', recordId, noteState, planNoteSync(facts, noteState, noteDesired, { ghlContactId }), deps);
  const outcomes = [{ ...noteOutcome, ghlCalls: noteOutcome.ghlCalls + ghlCalls }];

  const callback = mapCallToCallbackTaskBody(call, deps.mapping);
  if (callback !== undefined) {
    const taskState = await readRecordState('tasks', recordId, deps);
    const desired = { createBody: callback.body, updateBody: callback.body, fieldsHash: taskFieldsHash(callback.body) };
    outcomes.push(await applyPlan('tasks', recordId, taskState, planTaskSync(facts, taskState, desired, { ghlContactId }), deps));
  }
  return outcomes;
}

// ---------------------------------------------------------------- carrying a plan out

async function applyPlan(
  entity: Entity,
  relatelId: string,
  state: RecordSyncState | undefined,
  plan: SyncPlan,
  deps: SyncDependencies,
): Promise<SyncOutcome> {
  const base: RecordSyncState = state ?? { entity, relatelId, version: 0 };
  if (plan.kind === 'skip') {
    if (plan.next !== undefined) await deps.state.save({ ...base, ...plan.next }, base.version);
    return { entity, relatelId, result: plan.reason, ...(base.ghlId && { ghlId: base.ghlId }), ghlCalls: 0 };
  }

  let current = base;
  const mayHaveCreated = plan.creates && base.pendingCreateSince !== undefined;
  if (plan.creates) {
    const claim = await deps.state.claimCreate(entity, relatelId, deps.now(), deps.createLeaseMs);
    if (!claim.claimed) {
      // 'exists': another worker created it since we read the state; decide again on a retry.
      if (claim.reason === 'exists') throw transientError(`Another worker created ${entity} ${relatelId}`, { reason: 'state-conflict' });
      throw createInProgress(entity, relatelId, claim.state, deps);
    }
    current = claim.state;
  }

  let result;
  const progress: PlanProgress = { applied: [] };
  try {
    result = await executeOperations(deps.ghl, plan.operations, {
      mayHaveCreated,
      onCreated: (id) => (progress.createdId = id),
      onApplied: (operation) => progress.applied.push(operation),
    });
  } catch (error) {
    await recordFailure(current, plan, progress, error, deps);
    throw error;
  }

  const { pendingCreateSince: _claim, createInDoubt: _doubt, ...rest } = current;
  // Tags this plan synced are known again; a plan that left tags alone leaves their doubt too.
  if (plan.next.tags !== undefined) delete rest.tagsInDoubt;
  const ghlId = result.createdId ?? current.ghlId;
  const next: RecordSyncState = { ...rest, ...plan.next, ...(ghlId !== undefined && { ghlId }) };
  if (plan.next.deleted) delete next.ghlId;
  await deps.state.save(next, current.version);
  return { entity, relatelId, result: 'synced', ...(ghlId !== undefined && { ghlId }), ghlCalls: result.calls };
}

/**
 * What a failed plan leaves in the state, so the next event for the record (this one retried,
 * or another: a newer version, a delete, possibly after this one was parked) decides on what
 * GHL may hold now rather than on what the state knew before:
 *  - a create GHL refused (a 4xx) or that was never sent leaves nothing behind: the claim goes;
 *  - a create that failed otherwise may still have reached GHL (a 5xx or no answer after GHL wrote it):
 *    the claim is released, so the retry need not wait out the lease, but kept visible (an
 *    expired pendingCreateSince) with what the create sent, hashed (createInDoubt), so the
 *    next event finds the record (readRecordState);
 *  - a create that succeeded before a later operation failed (a contact's upsert, then its
 *    tags) keeps its GHL id, so the record is not orphaned; nothing else, so the retry writes
 *    the fields and tags again;
 *  - an update that failed part-way keeps what each of its operations says of GHL: what the
 *    ones that succeeded wrote is recorded (their part of the body hash, their tags), what the
 *    failed one may have written is unknown (its hash part dropped, so the next event writes it
 *    even if it equals what the state last recorded; its tags kept as tagsInDoubt, which the
 *    next plan adds or removes whatever the last synced set says), and what was never sent
 *    (the failed operation when GHL cannot have applied it, and those after it) changes nothing;
 *  - a create's tags, added or removed by a failed plan, may or may not be in GHL: tagsInDoubt.
 */
async function recordFailure(
  claimed: RecordSyncState,
  plan: Extract<SyncPlan, { kind: 'write' }>,
  progress: PlanProgress,
  error: unknown,
  deps: SyncDependencies,
): Promise<void> {
  const failed = plan.operations[progress.applied.length];
  const inDoubt = failed !== undefined && mayHaveBeenApplied(error) ? failed : undefined;
  const next = plan.creates ? afterFailedCreate(claimed, plan, progress.createdId, error) : afterFailedUpdate(claimed, plan, progress.applied, inDoubt);
  if (next === undefined) return;
  try {
    await deps.state.save(next, claimed.version);
  } catch {
    // Someone wrote the state since: their write decides. A claim's lease expires by itself.
  }
}

/** How far a plan got: the operations that succeeded, and the id its create produced. */
interface PlanProgress {
  applied: GhlOperation[];
  createdId?: string;
}

function tagsOf(operation: GhlOperation): string[] {
  if (operation.op === 'contact.addTags' || operation.op === 'contact.removeTags') return operation.tags;
  return operation.op === 'contact.create' ? operation.link.tags : [];
}

function afterFailedUpdate(
  claimed: RecordSyncState,
  plan: Extract<SyncPlan, { kind: 'write' }>,
  applied: readonly GhlOperation[],
  inDoubt: GhlOperation | undefined,
): RecordSyncState | undefined {
  const next: RecordSyncState = { ...claimed };
  const bodyHash = bodyHashAfterFailure(claimed.bodyHash, plan.next.bodyHash, applied, inDoubt);
  if (bodyHash === undefined) delete next.bodyHash;
  else next.bodyHash = bodyHash;

  const added = applied.flatMap((op) => (op.op === 'contact.addTags' ? op.tags : []));
  const removed = applied.flatMap((op) => (op.op === 'contact.removeTags' ? op.tags : []));
  if (added.length > 0 || removed.length > 0) {
    const gone = new Set(normaliseTags(removed));
    next.tags = normaliseTags([...(claimed.tags ?? []), ...added]).filter((tag) => !gone.has(tag));
  }
  const settled = new Set(normaliseTags([...added, ...removed]));
  const doubt = normaliseTags([...(claimed.tagsInDoubt ?? []).filter((tag) => !settled.has(tag)), ...(inDoubt ? tagsOf(inDoubt) : [])]);
  if (doubt.length > 0) next.tagsInDoubt = doubt;
  else delete next.tagsInDoubt;

  const known = (state: RecordSyncState) => JSON.stringify([state.bodyHash, state.tags, state.tagsInDoubt]);
  return known(next) === known(claimed) ? undefined : next;
}

function afterFailedCreate(
  claimed: RecordSyncState,
  plan: Extract<SyncPlan, { kind: 'write' }>,
  createdId: string | undefined,
  error: unknown,
): RecordSyncState {
  const touchedTags = plan.operations.flatMap(tagsOf);
  let next: RecordSyncState = { ...claimed };
  if (createdId === undefined && !mayHaveBeenApplied(error)) {
    // GHL refused the create (a 4xx) or it was never sent: nothing to search for later.
    const { pendingCreateSince: _claim, createInDoubt: _doubt, ...released } = next;
    next = released;
  } else if (createdId === undefined) {
    const create = plan.operations[0];
    const doubt: CreateInDoubt | undefined =
      create !== undefined && isCreate(create)
        ? {
            ...createInDoubtOf(create),
            ...(plan.next.bodyHash !== undefined && { bodyHash: plan.next.bodyHash }),
            ...(plan.next.lastOccurredAt !== undefined && { occurredAt: plan.next.lastOccurredAt }),
          }
        : undefined;
    next = { ...next, pendingCreateSince: new Date(0).toISOString(), ...(doubt && { createInDoubt: doubt }) };
  } else {
    const { pendingCreateSince: _claim, createInDoubt: _doubt, ...rest } = next;
    const { bodyHash: _unknown, ...created } = rest;
    next = { ...created, ghlId: createdId, ...(plan.next.ghlContactId !== undefined && { ghlContactId: plan.next.ghlContactId }) };
  }
  if (touchedTags.length > 0) next.tagsInDoubt = normaliseTags([...(claimed.tagsInDoubt ?? []), ...touchedTags]);
  return next;
}

/**
 * A record's sync state, with any create in doubt settled first. Without this, the next event
 * after an ambiguous create failure would decide as if GHL had no record: a delete would find
 * "nothing to delete" and a newer version would search for its own body, not the one the failed
 * attempt sent, and create a second record; either way the first stays in GHL as an orphan (this
 * happens when the failed attempt was parked on its last receive, or its event went stale).
 * Found: the failed attempt's event was applied after all, and is recorded as such (its GHL id,
 * body hash and occurred_at), so the plan updates the record only if this event differs from it.
 * Not found: the create never happened.
 */
async function readRecordState(entity: Entity, relatelId: string, deps: SyncDependencies): Promise<RecordSyncState | undefined> {
  const state = await deps.state.get(entity, relatelId);
  const doubt = state?.createInDoubt;
  if (state === undefined || doubt === undefined || state.ghlId !== undefined) return state;
  if (isClaimFresh(state, deps.now(), deps.createLeaseMs)) throw createInProgress(entity, relatelId, state, deps);
  const found = await findCreatedByKey(deps.ghl, doubt);
  const { createInDoubt: _settled, pendingCreateSince: _claim, ...rest } = state;
  if (found === undefined) return deps.state.save(rest, state.version);
  // The failed attempt's event is in GHL after all: record it as applied, as its success would have.
  const applied: RecordSyncState = { ...rest, ghlId: found, ghlContactId: doubt.contactId };
  if (doubt.bodyHash !== undefined) applied.bodyHash = doubt.bodyHash;
  if (doubt.occurredAt !== undefined && !isOlderThanApplied(state, doubt.occurredAt)) applied.lastOccurredAt = doubt.occurredAt;
  return deps.state.save(applied, state.version);
}

/**
 * A fresh claim is usually one whose holder died after GHL's write and before the state's (a
 * crash, a failed DynamoDB write): only its expiry lets the next attempt search GHL for what it
 * left. So the retry waits out the lease: on SQS's short backoff the event would spend its
 * receives before then and be parked, and the record's next event would search for its own
 * body instead, missing the orphan (a duplicate, or a delete that leaves it in GHL).
 */
function createInProgress(entity: Entity, relatelId: string, claim: RecordSyncState, deps: SyncDependencies) {
  const claimedAt = Date.parse(claim.pendingCreateSince ?? '');
  const leaseLeftMs = Number.isNaN(claimedAt) ? undefined : Math.max(0, claimedAt + deps.createLeaseMs - deps.now().getTime());
  return transientError(`Another worker is creating ${entity} ${relatelId}`, {
    reason: 'create-in-progress',
    ...(leaseLeftMs !== undefined && { retryAfterMs: leaseLeftMs }),
  });
}
