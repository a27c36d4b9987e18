/**
 * Carries a plan's GHL operations out, in order, through the GhlClient. Its one rule of its
 * own: a create that may already have happened first looks for the record it would create
 * (by a hashed key, createMatchKey) and adopts it, so an ambiguous failure never leaves a
 * duplicate task, note or appointment in GHL; contacts are matched by GHL itself
 * (docs/SYNC.md#creates-in-doubt).
 */
import { permanentError, transientError } from '../errors.js';
import type { GhlAppointment, GhlClient, GhlContactUpsertInput, GhlNote, GhlTask } from '../ghl/client.js';
import { hashBody } from '../mapping/hash.js';
import type { GhlOperation, IdRef } from './plan.js';
import type { ChildCreateInDoubt } from './state.js';

export interface ExecutionResult {
  /** The id the plan's create operation produced or adopted. */
  createdId?: string;
  /** True when the create found its record already in GHL. */
  adopted: boolean;
  /** GHL calls made (reads included), for the calls-per-event metric. */
  calls: number;
}

export interface ExecuteOptions {
  /** A previous attempt may have created the record already: search before creating. */
  mayHaveCreated: boolean;
  /** Told the created (or adopted) id at once, so a failure in a later operation does not lose it. */
  onCreated?: (id: string) => void;
  /** Told each operation that succeeded, in order, so a failure later in the plan knows what GHL holds. */
  onApplied?: (operation: GhlOperation) => void;
}

export async function executeOperations(ghl: GhlClient, operations: readonly GhlOperation[], options: ExecuteOptions): Promise<ExecutionResult> {
  const result: ExecutionResult = { adopted: false, calls: 0 };
  const resolve = (ref: IdRef): string => {
    if (typeof ref === 'string') return ref;
    if (result.createdId === undefined) throw new Error('plan refers to a created id before its create operation');
    return result.createdId;
  };

  for (const operation of operations) {
    if (isCreate(operation) && options.mayHaveCreated) {
      result.calls += 1;
      const existing = await findCreated(ghl, operation);
      if (existing !== undefined) {
        result.createdId = existing;
        result.adopted = true;
        options.onCreated?.(existing);
        options.onApplied?.(operation);
        continue;
      }
    }
    result.calls += 1;
    const created = (id: string) => {
      result.createdId = id;
      options.onCreated?.(id);
    };
    const createdId = await run(ghl, operation, resolve, { countCall: () => (result.calls += 1), created });
    if (createdId !== undefined) created(createdId);
    options.onApplied?.(operation);
  }
  return result;
}

export type CreateOperation = Extract<GhlOperation, { op: 'task.create' | 'note.create' | 'appointment.create' }>;

export function isCreate(operation: GhlOperation): operation is CreateOperation {
  return operation.op === 'task.create' || operation.op === 'note.create' || operation.op === 'appointment.create';
}

/** What an operation of several GHL calls reports as it goes: each call beyond the first, and an id as soon as it has one. */
interface Progress {
  countCall: () => void;
  created: (id: string) => void;
}

/** Runs one operation; answers the id of a record it created. */
async function run(ghl: GhlClient, operation: GhlOperation, resolve: (ref: IdRef) => string, progress: Progress): Promise<string | undefined> {
  switch (operation.op) {
    case 'contact.create':
      return createContact(ghl, operation, progress);
    case 'contact.upsert':
      if (operation.contactId !== undefined) {
        await setCompanyByUpsert(ghl, operation.contactId, operation.body);
        return undefined;
      }
      return (await ghl.upsertContact(operation.body)).contact.id;
    case 'contact.update':
      await ghl.updateContact(operation.contactId, operation.body);
      return undefined;
    case 'contact.delete':
      await ghl.deleteContact(operation.contactId);
      return undefined;
    case 'contact.addTags':
      await ghl.addTags(resolve(operation.contactId), operation.tags);
      return undefined;
    case 'contact.removeTags':
      await ghl.removeTags(resolve(operation.contactId), operation.tags);
      return undefined;
    case 'task.create':
      return (await ghl.createTask(operation.contactId, operation.body)).id;
    case 'task.update':
      await ghl.updateTask(operation.contactId, operation.taskId, operation.body);
      return undefined;
    case 'task.complete':
      await ghl.setTaskCompleted(operation.contactId, operation.taskId, operation.completed);
      return undefined;
    case 'task.delete':
      await ghl.deleteTask(operation.contactId, operation.taskId);
      return undefined;
    case 'note.create':
      return (await ghl.createNote(operation.contactId, operation.body)).id;
    case 'note.update':
      await ghl.updateNote(operation.contactId, operation.noteId, operation.body);
      return undefined;
    case 'note.delete':
      await ghl.deleteNote(operation.contactId, operation.noteId);
      return undefined;
    case 'appointment.create':
      return (await ghl.createAppointment(operation.body)).id;
    case 'appointment.update':
      await ghl.updateAppointment(operation.appointmentId, operation.body);
      return undefined;
    case 'appointment.delete':
      await ghl.deleteAppointment(operation.appointmentId);
      return undefined;
  }
}

/**
 * A new contact in one call, tags included. GHL answering that it has the contact already (a
 * person GHL knew before, or this create's own earlier attempt whose answer was lost) links
 * it as the upsert path would: upsert sets our fields and company without touching its tags,
 * then ours are added to whatever tags people gave it in GHL.
 */
async function createContact(ghl: GhlClient, operation: Extract<GhlOperation, { op: 'contact.create' }>, progress: Progress): Promise<string> {
  const created = await ghl.createContact(operation.body);
  if (created.outcome === 'created') return created.contact.id;
  progress.countCall();
  const { contact } = await ghl.upsertContact(operation.link.body);
  // Known before the tag call, so a failure there does not lose the link (failure-rules.ts).
  progress.created(contact.id);
  if (operation.link.tags.length > 0) {
    progress.countCall();
    await ghl.addTags(contact.id, operation.link.tags);
  }
  return contact.id;
}

/**
 * The upsert that sets a known contact's company (PUT cannot) must match that contact. A
 * contact it created instead is deleted and the event retried; one it matched belongs to
 * someone else and needs a human, so the event is parked. Why this is a backstop only:
 * docs/SYNC.md#setting-a-contacts-company.
 */
async function setCompanyByUpsert(ghl: GhlClient, contactId: string, body: GhlContactUpsertInput): Promise<void> {
  const { created, contact } = await ghl.upsertContact(body);
  if (contact.id === contactId) return;
  if (created) {
    await ghl.deleteContact(contact.id);
    throw transientError(`Setting the company of contact ${contactId} created contact ${contact.id}, which was deleted again`, {
      reason: 'company-upsert-created-contact',
    });
  }
  throw permanentError(`Setting the company of contact ${contactId} matched another GHL contact, ${contact.id}`, {
    reason: 'company-upsert-matched-other-contact',
  });
}

/** The record an earlier attempt of this create left in GHL, matched by what it was created with. */
function findCreated(ghl: GhlClient, operation: CreateOperation): Promise<string | undefined> {
  return findCreatedByKey(ghl, createInDoubtOf(operation));
}

export function createInDoubtOf(operation: CreateOperation): ChildCreateInDoubt {
  return { kind: operation.op, contactId: contactIdOf(operation), key: createMatchKey(operation) };
}

function contactIdOf(operation: CreateOperation): string {
  return operation.op === 'appointment.create' ? operation.body.contactId : operation.contactId;
}

/**
 * What identifies a created record in GHL's answers, hashed (the state keeps it and must hold
 * no personal data): a task by title and due instant, a note by its body, an appointment by
 * calendar and start instant. Instants, not strings: GHL may answer another offset or precision.
 */
export function createMatchKey(operation: CreateOperation): string {
  switch (operation.op) {
    case 'task.create':
      return taskKey(operation.body.title, operation.body.dueDate);
    case 'note.create':
      return noteKey(operation.body.body);
    case 'appointment.create':
      return appointmentKey(operation.body.calendarId, operation.body.startTime);
  }
}

const taskKey = (title: string | null | undefined, dueDate: string | null | undefined) => hashBody({ task: title ?? null, due: instant(dueDate) });
const noteKey = (body: string | null | undefined) => hashBody({ note: body ?? null });
const appointmentKey = (calendarId: string | null | undefined, startTime: string | null | undefined) =>
  hashBody({ calendarId: calendarId ?? null, start: instant(startTime) });

export async function findCreatedByKey(ghl: GhlClient, doubt: ChildCreateInDoubt): Promise<string | undefined> {
  switch (doubt.kind) {
    case 'task.create': {
      const tasks = await ghl.listTasks(doubt.contactId);
      return tasks.find((task: GhlTask) => taskKey(task.title, task.dueDate) === doubt.key)?.id;
    }
    case 'note.create': {
      const notes = await ghl.listNotes(doubt.contactId);
      return notes.find((note: GhlNote) => noteKey(note.body) === doubt.key)?.id;
    }
    case 'appointment.create': {
      const appointments = await ghl.listContactAppointments(doubt.contactId);
      return appointments.find(
        (appointment: GhlAppointment) => appointmentKey(appointment.calendarId, asText(appointment['startTime'])) === doubt.key,
      )?.id;
    }
  }
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function instant(value: string | null | undefined): number | string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : time;
}
