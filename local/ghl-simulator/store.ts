/**
 * The simulator's in-memory sub-account: contacts, their tasks and notes, and appointments, kept
 * in the shapes GHL returns. Writes arrive already validated (validate.ts); this module applies
 * GHL's own normalisations: tags lower-cased, phones stored as E.164, custom fields merged by id,
 * due dates stored as UTC ISO strings, `null` clearing a field.
 */
import { normalizePhone } from './validate.js';

export interface SimCustomField {
  id: string;
  value: unknown;
}

export interface SimContact {
  id: string;
  locationId: string;
  type: string;
  tags: string[];
  customFields: SimCustomField[];
  dateAdded: string;
  dateUpdated: string;
  firstName?: string;
  lastName?: string;
  name?: string;
  email?: string;
  phone?: string;
  companyName?: string;
  businessId?: string;
  firstNameLowerCase?: string;
  lastNameLowerCase?: string;
  fullNameLowerCase?: string;
  emailLowerCase?: string;
  [field: string]: unknown;
}

export interface SimTask {
  id: string;
  contactId: string;
  title: string;
  body?: string;
  assignedTo?: string;
  dueDate: string;
  completed: boolean;
  dateAdded: string;
  dateUpdated: string;
}

export interface SimNote {
  id: string;
  contactId: string;
  body: string;
  userId?: string;
  title?: string;
  color?: string;
  pinned?: boolean;
  dateAdded: string;
  dateUpdated: string;
}

/** CalendarEventDTO, the shape GET /calendars/events/appointments/{id} answers. */
export interface SimAppointment {
  id: string;
  calendarId: string;
  locationId: string;
  contactId: string;
  groupId?: string;
  title: string;
  appointmentStatus: string;
  assignedUserId?: string;
  users: string[];
  description?: string;
  address?: string;
  meetingLocationType?: string;
  meetingLocationId?: string;
  rrule?: string;
  isRecurring: boolean;
  startTime: string;
  endTime: string;
  dateAdded: string;
  dateUpdated: string;
}

export type DuplicateField = 'email' | 'phone';

/** The kinds of record a person can delete in GHL's UI (the admin API's `POST /__sim/delete`). */
export const SIM_RECORD_KINDS = ['contact', 'task', 'note', 'appointment'] as const;
export type SimRecordKind = (typeof SIM_RECORD_KINDS)[number];

export function isRecordKind(kind: string): kind is SimRecordKind {
  return (SIM_RECORD_KINDS as readonly string[]).includes(kind);
}

export interface DuplicateMatch {
  contact: SimContact;
  field: DuplicateField;
}

/** Fields the write bodies carry that GHL does not keep on the record. */
const REQUEST_ONLY_FIELDS = new Set([
  'locationId',
  'customFields',
  'tags',
  'createNewIfDuplicateAllowed',
  'toNotify',
  'ignoreDateRange',
  'ignoreFreeSlotValidation',
  'overrideLocationConfig',
  'contactId',
]);

/** GHL books appointments without an end for the calendar's slot length; 30 min is its default. */
const DEFAULT_APPOINTMENT_MS = 30 * 60_000;

export class SimStore {
  readonly contacts = new Map<string, SimContact>();
  readonly tasks = new Map<string, SimTask>();
  readonly notes = new Map<string, SimNote>();
  readonly appointments = new Map<string, SimAppointment>();

  constructor(
    private readonly newId: () => string,
    private readonly now: () => number,
  ) {}

  clear(): void {
    this.contacts.clear();
    this.tasks.clear();
    this.notes.clear();
    this.appointments.clear();
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  // ---- contacts ----

  createContact(locationId: string, fields: Record<string, unknown>): SimContact {
    const at = this.timestamp();
    const contact: SimContact = {
      id: this.newId(),
      locationId,
      type: 'lead',
      tags: [],
      customFields: [],
      dateAdded: at,
      dateUpdated: at,
    };
    applyContactFields(contact, fields);
    this.contacts.set(contact.id, contact);
    return contact;
  }

  updateContact(contact: SimContact, fields: Record<string, unknown>): SimContact {
    applyContactFields(contact, fields);
    contact.dateUpdated = this.timestamp();
    return contact;
  }

  /** GHL removes a contact's tasks and notes with it. */
  /** Deletes a record of any kind (admin API); answers whether it existed. */
  deleteRecord(kind: SimRecordKind, id: string): boolean {
    const existed = this.recordsOf(kind).has(id);
    if (kind === 'contact') this.deleteContact(id);
    else this.recordsOf(kind).delete(id);
    return existed;
  }

  private recordsOf(kind: SimRecordKind): Map<string, unknown> {
    return { contact: this.contacts, task: this.tasks, note: this.notes, appointment: this.appointments }[kind];
  }

  deleteContact(id: string): void {
    this.contacts.delete(id);
    for (const [taskId, task] of this.tasks) if (task.contactId === id) this.tasks.delete(taskId);
    for (const [noteId, note] of this.notes) if (note.contactId === id) this.notes.delete(noteId);
  }

  /** The first contact (other than `exceptId`) sharing a field, trying fields in `order`. */
  findDuplicate(
    fields: Record<string, unknown>,
    order: readonly DuplicateField[],
    exceptId?: string,
  ): DuplicateMatch | undefined {
    for (const field of order) {
      const wanted = comparable(field, fields[field]);
      if (wanted === undefined) continue;
      for (const contact of this.contacts.values()) {
        if (contact.id !== exceptId && comparable(field, contact[field]) === wanted) return { contact, field };
      }
    }
    return undefined;
  }

  addTags(contact: SimContact, tags: readonly string[]): string[] {
    contact.tags = uniqueTags([...contact.tags, ...tags]);
    contact.dateUpdated = this.timestamp();
    return [...contact.tags];
  }

  removeTags(contact: SimContact, tags: readonly string[]): string[] {
    const removed = new Set(uniqueTags(tags));
    contact.tags = contact.tags.filter((tag) => !removed.has(tag));
    contact.dateUpdated = this.timestamp();
    return [...contact.tags];
  }

  // ---- tasks ----

  createTask(contactId: string, fields: Record<string, unknown>): SimTask {
    const at = this.timestamp();
    const task: SimTask = {
      id: this.newId(),
      contactId,
      title: '',
      dueDate: at,
      completed: false,
      dateAdded: at,
      dateUpdated: at,
    };
    return this.updateTask(task, fields, true);
  }

  updateTask(task: SimTask, fields: Record<string, unknown>, isNew = false): SimTask {
    for (const [name, value] of Object.entries(fields)) {
      if (name === 'dueDate' && typeof value === 'string') task.dueDate = new Date(value).toISOString();
      else (task as unknown as Record<string, unknown>)[name] = value;
    }
    if (!isNew) task.dateUpdated = this.timestamp();
    this.tasks.set(task.id, task);
    return task;
  }

  // ---- notes ----

  createNote(contactId: string, fields: Record<string, unknown>): SimNote {
    const at = this.timestamp();
    const note: SimNote = { id: this.newId(), contactId, body: '', dateAdded: at, dateUpdated: at };
    Object.assign(note, fields);
    this.notes.set(note.id, note);
    return note;
  }

  updateNote(note: SimNote, fields: Record<string, unknown>): SimNote {
    Object.assign(note, fields);
    note.dateUpdated = this.timestamp();
    return note;
  }

  // ---- appointments ----

  createAppointment(fields: Record<string, unknown>): SimAppointment {
    const at = this.timestamp();
    const startTime = String(fields['startTime']);
    const appointment: SimAppointment = {
      id: this.newId(),
      calendarId: String(fields['calendarId']),
      locationId: String(fields['locationId']),
      contactId: String(fields['contactId']),
      title: '',
      appointmentStatus: 'new',
      users: [],
      isRecurring: false,
      startTime,
      endTime: new Date(Date.parse(startTime) + DEFAULT_APPOINTMENT_MS).toISOString(),
      dateAdded: at,
      dateUpdated: at,
    };
    applyAppointmentFields(appointment, fields);
    this.appointments.set(appointment.id, appointment);
    return appointment;
  }

  updateAppointment(appointment: SimAppointment, fields: Record<string, unknown>): SimAppointment {
    applyAppointmentFields(appointment, fields);
    appointment.dateUpdated = this.timestamp();
    return appointment;
  }
}

function applyContactFields(contact: SimContact, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (REQUEST_ONLY_FIELDS.has(name) || value === undefined) continue;
    if (value === null) delete contact[name];
    else if (name === 'phone' && typeof value === 'string') contact.phone = normalizePhone(value) ?? value;
    else contact[name] = value;
  }
  // `tags` in a create/update body replaces every tag; the tag endpoints change them one by one.
  if (Array.isArray(fields['tags'])) contact.tags = uniqueTags(fields['tags'] as string[]);
  if (Array.isArray(fields['customFields'])) contact.customFields = mergeCustomFields(contact.customFields, fields['customFields']);
  deriveLowerCaseFields(contact);
}

function deriveLowerCaseFields(contact: SimContact): void {
  const lower = (value: unknown) => (typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined);
  const derived: Record<string, string | undefined> = {
    firstNameLowerCase: lower(contact.firstName),
    lastNameLowerCase: lower(contact.lastName),
    fullNameLowerCase: lower([contact.firstName, contact.lastName].filter(Boolean).join(' ')),
    emailLowerCase: lower(contact.email),
  };
  for (const [name, value] of Object.entries(derived)) {
    if (value === undefined) delete contact[name];
    else contact[name] = value;
  }
}

/** Writes send `{id, key?, field_value}`; GHL keeps the others and answers `{id, value}`. */
function mergeCustomFields(current: SimCustomField[], input: unknown[]): SimCustomField[] {
  const merged = new Map(current.map((field) => [field.id, field]));
  for (const item of input as Array<{ id: string; field_value?: unknown }>) {
    merged.set(item.id, { id: item.id, value: item.field_value });
  }
  return [...merged.values()];
}

function applyAppointmentFields(appointment: SimAppointment, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (REQUEST_ONLY_FIELDS.has(name) || value === undefined) continue;
    (appointment as unknown as Record<string, unknown>)[name] = value;
  }
  if (appointment.assignedUserId !== undefined) appointment.users = [appointment.assignedUserId];
}

/** GHL stores tags trimmed and lower-cased, each once. */
export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== ''))];
}

function comparable(field: DuplicateField, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return field === 'email' ? value.toLowerCase() : (normalizePhone(value) ?? value);
}
