/**
 * The functional core of every consumer: given an event, what the sync state knows about its
 * record, and the GHL body mapping wants, decide what to do. Pure: data in, a plan out. The
 * executor (executor.ts) carries out the GHL operations; process-record.ts saves the state.
 *
 * The rules, in order:
 *  1. An event older than the last applied one is skipped (`stale`): newest wins.
 *  2. A record whose delete was applied stays deleted (`deleted`): Relatel ids are not reused,
 *     so a late update must not resurrect it.
 *  3. A delete removes the GHL twin if there is one, and leaves a tombstone.
 *  4. A record with no GHL twin is created. A contact GHL may already have (same e-mail or
 *     phone) is linked, not duplicated: where the location forbids duplicates, by one POST
 *     /contacts/ carrying the tags (GHL answers with the existing contact instead of making a
 *     second one); elsewhere, by upsert and then the tag call.
 *  5. A record with a twin is written only where something changed: the body by its hash, tags
 *     by their difference from the last synced set. Nothing changed: `no-op`, no GHL call.
 */
import type { GhlAppointmentCreateInput, GhlContactCreateInput, GhlContactUpsertInput } from '../ghl/client.js';
import type {
  GhlCreateNoteBody,
  GhlCreateTaskBody,
  GhlUpdateAppointmentBody,
  GhlUpdateContactBody,
  GhlUpdateNoteBody,
  GhlUpdateTaskBody,
} from '../ghl/types.js';
import { diffTags, normaliseTags } from '../mapping/tags.js';
import { isOlderThanApplied, type RecordSyncState } from './state.js';

/** One GHL API call, as data (bodies without locationId: the client adds it where GHL wants it). `ref: 'created'` means "the id the create op of this plan returns". */
export type GhlOperation =
  /**
   * With `contactId`: the contact is in GHL already and the upsert only sets what PUT cannot
   * carry (the company), matching it by the e-mail or phone the plan's PUT just wrote. It must
   * match that contact; the executor undoes and fails one that creates another (executor.ts).
   */
  | { op: 'contact.upsert'; body: GhlContactUpsertInput; contactId?: string }
  /**
   * POST /contacts/ with the tags in the body: only on a location that forbids duplicates. If
   * GHL answers that it has the contact already, the executor links it the way the upsert path
   * does (`link`: upsert without tags, then add the tags), so its own tags are kept.
   */
  | { op: 'contact.create'; body: GhlContactCreateInput; link: { body: GhlContactUpsertInput; tags: string[] } }
  | { op: 'contact.update'; contactId: string; body: GhlUpdateContactBody }
  | { op: 'contact.delete'; contactId: string }
  | { op: 'contact.addTags'; contactId: IdRef; tags: string[] }
  | { op: 'contact.removeTags'; contactId: IdRef; tags: string[] }
  | { op: 'task.create'; contactId: string; body: GhlCreateTaskBody }
  | { op: 'task.update'; contactId: string; taskId: string; body: GhlUpdateTaskBody }
  | { op: 'task.complete'; contactId: string; taskId: string; completed: boolean }
  | { op: 'task.delete'; contactId: string; taskId: string }
  | { op: 'note.create'; contactId: string; body: GhlCreateNoteBody }
  | { op: 'note.update'; contactId: string; noteId: string; body: GhlUpdateNoteBody }
  | { op: 'note.delete'; contactId: string; noteId: string }
  | { op: 'appointment.create'; body: GhlAppointmentCreateInput }
  | { op: 'appointment.update'; appointmentId: string; body: GhlUpdateAppointmentBody }
  | { op: 'appointment.delete'; appointmentId: string };

/** An id known when planning, or the id the plan's create operation will return. */
export type IdRef = string | { ref: 'created' };

export type SkipReason = 'stale' | 'deleted' | 'no-op' | 'nothing-to-delete';

export type SyncPlan =
  | {
      kind: 'skip';
      reason: SkipReason;
      /** State to record anyway (e.g. a newer lastOccurredAt, a tombstone); absent: nothing to save. */
      next?: StateChange;
    }
  | {
      kind: 'write';
      /** In order; at most one create, first. */
      operations: GhlOperation[];
      /** True when the first operation creates the GHL record (the executor claims it first). */
      creates: boolean;
      next: StateChange;
    };

/** What to write into the record's state once the operations succeeded. */
export type StateChange = Partial<Pick<RecordSyncState, 'ghlContactId' | 'lastOccurredAt' | 'bodyHash' | 'tags' | 'deleted'>>;

export interface EventFacts {
  occurredAt: string;
  /** Delete events remove the GHL twin; everything else writes it. */
  isDelete: boolean;
}

/** Rules 1 to 3, shared by every entity. Undefined: go on and plan a write. */
function planGuards(event: EventFacts, state: RecordSyncState | undefined, deleteOp: (ghlId: string) => GhlOperation): SyncPlan | undefined {
  if (isOlderThanApplied(state, event.occurredAt)) return { kind: 'skip', reason: 'stale' };
  if (state?.deleted) return { kind: 'skip', reason: 'deleted' };
  if (!event.isDelete) return undefined;
  const next: StateChange = { deleted: true, lastOccurredAt: event.occurredAt };
  if (state?.ghlId === undefined) return { kind: 'skip', reason: 'nothing-to-delete', next };
  return { kind: 'write', operations: [deleteOp(state.ghlId)], creates: false, next };
}

/** Rule 5's "nothing changed": still record the newer occurred_at, so older events stay stale. */
function noOp(event: EventFacts): SyncPlan {
  return { kind: 'skip', reason: 'no-op', next: { lastOccurredAt: event.occurredAt } };
}

// ---------------------------------------------------------------- contacts

export interface DesiredContact {
  /** Upsert body without tags: upsert's `tags` would replace the tags of a linked GHL contact. */
  upsertBody: GhlContactUpsertInput;
  /** The same fields as a PUT body (no locationId, no companyName, no tags). */
  updateBody: GhlUpdateContactBody;
  /** Hash of the fields PUT carries. */
  fieldsHash: string;
  /** Hash of the company, which only create and upsert can carry (UpdateContactDto has none). */
  companyHash: string;
  hasCompany: boolean;
  /** Present only when the event says what the tags are; absent leaves tags untouched. */
  tags?: string[];
  /**
   * Present when a new contact may be made by one POST /contacts/ with its tags: the location
   * forbids duplicates and the contact has an e-mail or phone for GHL to match it by
   * (sync-event.ts decides). Absent: upsert, then the tag call.
   */
  createBody?: GhlContactCreateInput;
}

/** A contact's bodyHash has two parts, so a change PUT can carry is told from one it cannot. */
export function contactBodyHash(fieldsHash: string, companyHash: string): string {
  return `${fieldsHash}:${companyHash}`;
}

function contactHashParts(bodyHash: string | undefined): { fields?: string; company?: string } {
  const [fields, company] = (bodyHash ?? '').split(':');
  return { ...(fields && { fields }), ...(company && { company }) };
}

export function planContactSync(event: EventFacts, state: RecordSyncState | undefined, desired: DesiredContact | undefined): SyncPlan {
  const guarded = planGuards(event, state, (contactId) => ({ op: 'contact.delete', contactId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: contactBodyHash(desired.fieldsHash, desired.companyHash) };
  if (state?.ghlId === undefined) {
    const tags = desired.tags ?? [];
    if (desired.createBody !== undefined) {
      const create: GhlOperation = { op: 'contact.create', body: desired.createBody, link: { body: desired.upsertBody, tags } };
      return { kind: 'write', operations: [create], creates: true, next: { ...next, tags } };
    }
    const operations: GhlOperation[] = [{ op: 'contact.upsert', body: desired.upsertBody }];
    if (tags.length > 0) operations.push({ op: 'contact.addTags', contactId: { ref: 'created' }, tags });
    // A failed create may have left tags on the contact (a create that carried them, answered
    // by a timeout): the ones no longer wanted go.
    const wanted = new Set(tags);
    const stale = desired.tags === undefined ? [] : normaliseTags(state?.tagsInDoubt).filter((tag) => !wanted.has(tag));
    if (stale.length > 0) operations.push({ op: 'contact.removeTags', contactId: { ref: 'created' }, tags: stale });
    return { kind: 'write', operations, creates: true, next: { ...next, tags } };
  }

  const contactId = state.ghlId;
  const last = contactHashParts(state.bodyHash);
  const operations: GhlOperation[] = [];
  if (desired.fieldsHash !== last.fields) operations.push({ op: 'contact.update', contactId, body: desired.updateBody });
  // After the PUT, so upsert finds the contact by its current e-mail or phone and sets the company.
  if (desired.hasCompany && desired.companyHash !== last.company) operations.push({ op: 'contact.upsert', body: desired.upsertBody, contactId });
  if (desired.tags !== undefined) {
    const { add, remove } = diffTagsWithDoubt(state, desired.tags);
    if (add.length > 0) operations.push({ op: 'contact.addTags', contactId, tags: add });
    if (remove.length > 0) operations.push({ op: 'contact.removeTags', contactId, tags: remove });
    next.tags = desired.tags;
  }
  if (operations.length === 0) return noOp(event);
  return { kind: 'write', operations, creates: false, next };
}

/**
 * The tag changes from the last synced set to the wanted one, plus every tag in doubt (a failed
 * plan may or may not have added or removed it in GHL): added if wanted, removed if not. Both
 * are idempotent in GHL, so a tag that was in fact already right costs nothing but the call.
 */
function diffTagsWithDoubt(state: RecordSyncState, wanted: readonly string[]): { add: string[]; remove: string[] } {
  const { add, remove } = diffTags(state.tags ?? [], wanted);
  const wantedSet = new Set(normaliseTags(wanted));
  for (const tag of normaliseTags(state.tagsInDoubt)) {
    if (wantedSet.has(tag) && !add.includes(tag)) add.push(tag);
    if (!wantedSet.has(tag) && !remove.includes(tag)) remove.push(tag);
  }
  return { add, remove };
}

// ---------------------------------------------------------------- tasks, notes, appointments

/** A record that hangs on a contact: the contact's GHL id is resolved before planning. */
export interface ChildContext {
  ghlContactId: string;
}

export interface DesiredTask {
  createBody: GhlCreateTaskBody;
  /** Only the fields the event carried (Relatel has no task API to read the rest from). */
  updateBody: GhlUpdateTaskBody;
  /** Hash of the update body without `completed`, which GHL sets through its own endpoint. */
  fieldsHash: string;
}

/**
 * A task's bodyHash has two parts, the fields and the completion, so completing a task (the
 * commonest change) costs the one /completed call and not a field update as well.
 */
export function taskBodyHash(fieldsHash: string | undefined, completed: boolean | undefined): string {
  return `${fieldsHash ?? ''}:${completed === undefined ? '' : String(completed)}`;
}

/**
 * The bodyHash to keep after a write plan failed part-way, so the next event writes again only
 * what GHL may not hold: a part written by an operation that succeeded takes its new value, the
 * part of an operation that may or may not have been applied (`inDoubt`: a 5xx or a lost
 * answer) becomes unknown, and a part no sent operation touched keeps its value. Dropping the
 * whole hash instead would make the next event repeat writes GHL already has (a PUT after a
 * failed company upsert, say).
 */
export function bodyHashAfterFailure(
  before: string | undefined,
  wanted: string | undefined,
  applied: readonly GhlOperation[],
  inDoubt: GhlOperation | undefined,
): string | undefined {
  const parts = [...(before ?? '').split(':'), ''].slice(0, 2);
  const target = (wanted ?? '').split(':');
  let whole: string | undefined | null = null;
  for (const operation of applied) {
    const part = hashPartOf(operation);
    if (part === 'whole') whole = wanted;
    else if (part !== undefined) parts[part] = target[part] ?? '';
  }
  const doubtful = inDoubt === undefined ? undefined : hashPartOf(inDoubt);
  if (doubtful === 'whole') return undefined;
  if (doubtful !== undefined) parts[doubtful] = '';
  if (whole !== null) return whole;
  if (!before?.includes(':') && !(wanted ?? '').includes(':')) return before;
  return parts.every((part) => part === '') ? undefined : parts.join(':');
}

/** Which part of a bodyHash an update writes: 0 a contact's or task's fields, 1 its company or completion, or the whole single-part hash. */
function hashPartOf(operation: GhlOperation): 0 | 1 | 'whole' | undefined {
  switch (operation.op) {
    case 'contact.update':
    case 'task.update':
      return 0;
    case 'contact.upsert':
    case 'task.complete':
      return 1;
    case 'note.update':
    case 'appointment.update':
      return 'whole';
    default:
      return undefined;
  }
}

function taskHashParts(bodyHash: string | undefined): { fields?: string; completed?: string } {
  const [fields, completed] = (bodyHash ?? '').split(':');
  return { ...(fields && { fields }), ...(completed && { completed }) };
}

export function planTaskSync(event: EventFacts, state: RecordSyncState | undefined, desired: DesiredTask | undefined, parent: ChildContext): SyncPlan {
  const { ghlContactId } = parent;
  const guarded = planGuards(event, state, (taskId) => ({ op: 'task.delete', contactId: state?.ghlContactId ?? ghlContactId, taskId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const { completed, ...fields } = desired.updateBody;
  const hasFields = Object.keys(fields).length > 0;
  if (state?.ghlId === undefined) {
    const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: taskBodyHash(desired.fieldsHash, desired.createBody.completed), ghlContactId };
    return { kind: 'write', operations: [{ op: 'task.create', contactId: ghlContactId, body: desired.createBody }], creates: true, next };
  }
  const taskId = state.ghlId;
  const contactId = state.ghlContactId ?? ghlContactId;
  const last = taskHashParts(state.bodyHash);
  const operations: GhlOperation[] = [];
  if (hasFields && desired.fieldsHash !== last.fields) operations.push({ op: 'task.update', contactId, taskId, body: fields });
  // Completion has its own endpoint; GHL runs its "task completed" automations from it.
  if (completed !== undefined && String(completed) !== last.completed) operations.push({ op: 'task.complete', contactId, taskId, completed });
  if (operations.length === 0) return noOp(event);
  // A thin event (say a bare task.completed) says nothing of the fields: their hash stays.
  const fieldsHash = hasFields ? desired.fieldsHash : last.fields;
  const completedNow = completed ?? (last.completed === undefined ? undefined : last.completed === 'true');
  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: taskBodyHash(fieldsHash, completedNow), ghlContactId };
  return { kind: 'write', operations, creates: false, next };
}

export interface DesiredNote {
  createBody: GhlCreateNoteBody;
  updateBody: GhlUpdateNoteBody;
  bodyHash: string;
}

export function planNoteSync(event: EventFacts, state: RecordSyncState | undefined, desired: DesiredNote | undefined, parent: ChildContext): SyncPlan {
  const { ghlContactId } = parent;
  const guarded = planGuards(event, state, (noteId) => ({ op: 'note.delete', contactId: state?.ghlContactId ?? ghlContactId, noteId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: desired.bodyHash, ghlContactId };
  if (state?.ghlId === undefined) {
    return { kind: 'write', operations: [{ op: 'note.create', contactId: ghlContactId, body: desired.createBody }], creates: true, next };
  }
  if (desired.bodyHash === state.bodyHash || Object.keys(desired.updateBody).length === 0) return noOp(event);
  const operation: GhlOperation = { op: 'note.update', contactId: state.ghlContactId ?? ghlContactId, noteId: state.ghlId, body: desired.updateBody };
  return { kind: 'write', operations: [operation], creates: false, next };
}

export interface DesiredAppointment {
  /** Undefined when the event lacks what a create needs (a start time). */
  createBody?: GhlAppointmentCreateInput;
  updateBody: GhlUpdateAppointmentBody;
  bodyHash: string;
}

export function planAppointmentSync(
  event: EventFacts,
  state: RecordSyncState | undefined,
  desired: DesiredAppointment | undefined,
  parent: ChildContext,
): SyncPlan {
  const guarded = planGuards(event, state, (appointmentId) => ({ op: 'appointment.delete', appointmentId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: desired.bodyHash, ghlContactId: parent.ghlContactId };
  if (state?.ghlId === undefined) {
    // Nothing to show in GHL for an appointment we never saw start (e.g. a thin cancel).
    if (desired.createBody === undefined) return noOp(event);
    return { kind: 'write', operations: [{ op: 'appointment.create', body: desired.createBody }], creates: true, next };
  }
  if (desired.bodyHash === state.bodyHash || Object.keys(desired.updateBody).length === 0) return noOp(event);
  return { kind: 'write', operations: [{ op: 'appointment.update', appointmentId: state.ghlId, body: desired.updateBody }], creates: false, next };
}
