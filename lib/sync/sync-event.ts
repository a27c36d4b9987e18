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
import { mapAppointmentCancellation, mapAppointmentToCreateBody, mapAppointmentToUpdateBody } from '../mapping/appointments.js';
import { callRemoteParty, mapCallToCallbackTaskBody, mapCallToNoteBody } from '../mapping/calls.js';
import type { MappingConfig } from '../mapping/config.js';
import { contactTags, mapContactToUpdateBody, mapContactToUpsertBody } from '../mapping/contacts.js';
import { hashBody } from '../mapping/hash.js';
import { mapNoteToCreateBody, mapNoteToUpdateBody } from '../mapping/notes.js';
import type { MappingIssue } from '../mapping/result.js';
import { mapTaskToCreateBody, mapTaskToUpdateBody } from '../mapping/tasks.js';
import type { RelatelClient } from '../relatel/client.js';
import type { RoutedRelatelEvent } from '../events/validate.js';
import { executeOperations } from './executor.js';
import {
  planAppointmentSync,
  planContactSync,
  planNoteSync,
  planTaskSync,
  type DesiredContact,
  type EventFacts,
  type SyncPlan,
} from './plan.js';
import type { RecordSyncState, SyncStateStore } from './state.js';

export interface SyncDependencies {
  state: SyncStateStore;
  ghl: GhlClient;
  /** For hydrating thin contact payloads; absent when no Relatel token is configured. */
  relatel?: RelatelClient;
  mapping: MappingConfig;
  now: () => Date;
  /** How long a create claim blocks other workers: longer than a consumer can run. */
  createLeaseMs: number;
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
  const state = await deps.state.get('contacts', relatelId);
  const contact = facts.isDelete ? undefined : await hydrateContact(payload, deps);
  const desired = contact === undefined ? undefined : desiredContact(contact, state, deps);
  const plan = planContactSync(facts, state, desired);
  return applyPlan('contacts', relatelId, state, plan, deps);
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
  // synced tags alone, except that a new contact gets the configured fixed tag.
  const tagsKnown = contact.tags != null || state?.ghlId === undefined;
  return {
    upsertBody: withoutLocation(upsert.body),
    updateBody: update.body,
    fieldsHash: hashBody(update.body),
    companyHash: hashBody({ companyName: update.companyName ?? null }),
    hasCompany: update.companyName !== undefined,
    ...(tagsKnown && { tags: contactTags(contact, deps.mapping) }),
  };
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

type TaskPayload = Extract<RoutedRelatelEvent, { eventType: 'task.updated' }>['payload'];

async function syncTask(payload: TaskPayload, completes: boolean, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const relatelId = String(payload.id);
  const state = await deps.state.get('tasks', relatelId);
  const ghlContactId = state?.ghlContactId ?? (await ghlContactIdOf(payload.contact_id, deps));
  const task = completes ? { ...payload, status: 'completed' as const } : payload;
  // A task without a due date gets a default one relative to the event, not to the clock: a
  // retry after an ambiguous create failure must build the same body, or the executor's search
  // for the task the failed attempt may have created (matched by title and due date) misses it
  // and GHL gets a duplicate.
  const create = mapTaskToCreateBody(task, deps.mapping, Date.parse(facts.occurredAt));
  const update = mapTaskToUpdateBody(task, deps.mapping);
  deps.onMappingIssues?.(dedupeIssues([...create.issues, ...update.issues]));
  const desired = facts.isDelete ? undefined : { createBody: create.body, updateBody: update.body, bodyHash: hashBody(update.body) };
  const plan = planTaskSync(facts, state, desired, { ghlContactId });
  return applyPlan('tasks', relatelId, state, plan, deps);
}

type NotePayload = Extract<RoutedRelatelEvent, { eventType: 'note.updated' }>['payload'];

async function syncNote(payload: NotePayload, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcome> {
  const relatelId = String(payload.id);
  const state = await deps.state.get('notes', relatelId);
  const ghlContactId = state?.ghlContactId ?? (await ghlContactIdOf(payload.contact_id, deps));
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
  const relatelId = String(payload.id);
  const state = await deps.state.get('appointments', relatelId);
  const ghlContactId = state?.ghlContactId ?? (await ghlContactIdOf(payload.contact_id, deps));
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
  const noteState = await deps.state.get('notes', recordId);
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
    ghlContactId = (await deps.ghl.upsertContact({ phone: party.phone, source: deps.mapping.contacts.source })).contact.id;
  }

  const note = mapCallToNoteBody(call, deps.mapping);
  const noteDesired = { createBody: note.body, updateBody: note.body, bodyHash: hashBody(note.body) };
  const noteOutcome = await applyPlan('notes', recordId, noteState, planNoteSync(facts, noteState, noteDesired, { ghlContactId }), deps);
  const outcomes = [{ ...noteOutcome, ghlCalls: noteOutcome.ghlCalls + ghlCalls }];

  const callback = mapCallToCallbackTaskBody(call, deps.mapping);
  if (callback !== undefined) {
    const taskState = await deps.state.get('tasks', recordId);
    const desired = { createBody: callback.body, updateBody: callback.body, bodyHash: hashBody(callback.body) };
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
      const reason = claim.reason === 'exists' ? 'state-conflict' : 'create-in-progress';
      throw transientError(`Another worker is creating ${entity} ${relatelId}`, { reason });
    }
    current = claim.state;
  }

  let result;
  try {
    result = await executeOperations(deps.ghl, plan.operations, { mayHaveCreated });
  } catch (error) {
    if (plan.creates) await releaseClaim(current, deps);
    throw error;
  }

  const { pendingCreateSince: _claim, ...rest } = current;
  const ghlId = result.createdId ?? current.ghlId;
  const next: RecordSyncState = { ...rest, ...plan.next, ...(ghlId !== undefined && { ghlId }) };
  if (plan.next.deleted) delete next.ghlId;
  await deps.state.save(next, current.version);
  return { entity, relatelId, result: 'synced', ...(ghlId !== undefined && { ghlId }), ghlCalls: result.calls };
}

/**
 * A failed create may still have reached GHL (a timeout on the answer). The claim is released
 * so the retry need not wait out the lease, but kept visible (an expired pendingCreateSince), so
 * that the retry searches GHL before creating.
 */
async function releaseClaim(claimed: RecordSyncState, deps: SyncDependencies): Promise<void> {
  try {
    await deps.state.save({ ...claimed, pendingCreateSince: new Date(0).toISOString() }, claimed.version);
  } catch {
    // The lease expires by itself; the retry then searches just the same.
  }
}
