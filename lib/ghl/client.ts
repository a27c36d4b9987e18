/**
 * The GHL operations the sync uses, typed. Consumers depend on the `GhlClient` interface only,
 * so tests and the local stack can swap in anything that behaves like GHL.
 *
 * Bodies are the spec's request types minus `locationId`: the location comes from the
 * credentials secret, and the client puts it exactly where GHL requires it (create/upsert
 * contact and create appointment bodies, the contact list queries) and nowhere else (GHL
 * answers 422 to a locationId on PUT contact, notes or tags).
 */
import { transientError } from '../errors.js';
import type * as z from 'zod/mini';
import { isRecord } from './errors.js';
import type { HttpAnswer } from './http.js';
import {
  contactAnswer,
  contactListAnswer,
  contactSearchAnswer,
  duplicateContactAnswer,
  eventAnswer,
  eventListAnswer,
  ghlAppointmentSchema,
  locationAnswer,
  noteAnswer,
  noteListAnswer,
  tagsAnswer,
  taskAnswer,
  taskListAnswer,
  upsertAnswer,
} from './responses.js';
import type {
  GhlContactCreateInput,
  GhlContactUpsertInput,
  GhlAppointmentCreateInput,
  GhlCreateContactResult,
  GhlLocationSettings,
  GhlDeleteOutcome,
  GhlContactListQuery,
  GhlBusinessContactsQuery,
  GhlContactSearch,
  GhlContactList,
  GhlClient,
} from './client-types.js';
import type { GhlRequest, GhlTransport } from './transport.js';
import type {
  GhlCreateNoteBody,
  GhlCreateTaskBody,
  GhlUpdateAppointmentBody,
  GhlUpdateContactBody,
  GhlUpdateNoteBody,
  GhlUpdateTaskBody,
} from './types.js';

export type { GhlAppointment, GhlContact, GhlNote, GhlTask } from './responses.js';
export type * from './client-types.js';

const id = encodeURIComponent;
const notFound = (answer: HttpAnswer) => answer.status === 404;
/**
 * A GET by id of a record GHL does not have: 404, or the 400 the contacts API's spec documents,
 * whose message says "not found". Status and wording together: a 400 that says something else
 * (a malformed request) is an error, not an absent record.
 */
const absent = (answer: HttpAnswer) => notFound(answer) || (answer.status === 400 && isRecord(answer.body) && NOT_FOUND_MESSAGE.test(String(answer.body.message)));
const NOT_FOUND_MESSAGE = /\bnot found\b/i;
const notAllowed = (answer: HttpAnswer) => answer.status === 401 || answer.status === 403;
const duplicateContact = (answer: HttpAnswer) => answer.status === 400 && duplicateOf(answer.body) !== undefined;
const DUPLICATE_MESSAGE = /does not allow duplicated? contacts/i;

/** GHL's duplicate-contact 400: its `meta` names the contact; its message alone still says what it is. */
function duplicateOf(body: unknown): { contactId?: string; matchingField?: string } | undefined {
  const parsed = duplicateContactAnswer.safeParse(body);
  if (!parsed.success) return undefined;
  const { meta, message } = parsed.data;
  const named = meta?.contactId ? { contactId: meta.contactId, ...(meta.matchingField ? { matchingField: meta.matchingField } : {}) } : undefined;
  if (named) return named;
  return typeof message === 'string' && DUPLICATE_MESSAGE.test(message) ? {} : undefined;
}

export class HttpGhlClient implements GhlClient {
  constructor(private readonly transport: GhlTransport) {}

  // The location (Version 2021-07-28)

  async getLocationSettings(): Promise<GhlLocationSettings | undefined> {
    const answer = await this.transport.send({ method: 'GET', family: 'locations', path: '/locations', locationIn: 'path', accept: notAllowed });
    if (answer.status === 401 || answer.status === 403) return undefined;
    const allowDuplicateContact = parse(locationAnswer, answer, 'GET /locations/{id}').location.settings?.allowDuplicateContact;
    return typeof allowDuplicateContact === 'boolean' ? { allowDuplicateContact } : {};
  }

  // Contacts (Version 2021-07-28)

  async getContact(contactId: string) {
    const answer = await this.contacts({ method: 'GET', path: `/contacts/${id(contactId)}`, accept: absent });
    return absent(answer) ? undefined : parse(contactAnswer, answer, 'GET /contacts/{id}').contact;
  }

  async createContact(body: GhlContactCreateInput): Promise<GhlCreateContactResult> {
    const answer = await this.contacts({ method: 'POST', path: '/contacts/', body, locationIn: 'body', accept: duplicateContact, createsRecord: true });
    if (answer.status === 400) return { outcome: 'duplicate', ...duplicateOf(answer.body) };
    return { outcome: 'created', contact: parse(contactAnswer, answer, 'POST /contacts/').contact };
  }

  async upsertContact(body: GhlContactUpsertInput) {
    // A create when GHL matches no contact: never resent blindly (see GhlRequest.createsRecord).
    const answer = await this.contacts({ method: 'POST', path: '/contacts/upsert', body, locationIn: 'body', createsRecord: true });
    const parsed = parse(upsertAnswer, answer, 'POST /contacts/upsert');
    return { created: parsed.new, contact: parsed.contact };
  }

  async updateContact(contactId: string, body: GhlUpdateContactBody) {
    const answer = await this.contacts({ method: 'PUT', path: `/contacts/${id(contactId)}`, body });
    return parse(contactAnswer, answer, 'PUT /contacts/{id}').contact;
  }

  async deleteContact(contactId: string) {
    return this.delete({ method: 'DELETE', family: 'contacts', path: `/contacts/${id(contactId)}` });
  }

  async listContacts(query: GhlContactListQuery = {}) {
    const answer = await this.contacts({ method: 'GET', path: '/contacts/', query: { ...query }, locationIn: 'query' });
    return contactList(parse(contactListAnswer, answer, 'GET /contacts/'));
  }

  async listContactsByBusiness(businessId: string, query: GhlBusinessContactsQuery = {}) {
    const path = `/contacts/business/${id(businessId)}`;
    const answer = await this.contacts({ method: 'GET', path, query: { ...query }, locationIn: 'query' });
    return contactList(parse(contactListAnswer, answer, 'GET /contacts/business/{id}'));
  }

  async searchContacts(search: GhlContactSearch) {
    const answer = await this.contacts({ method: 'POST', path: '/contacts/search', body: { ...search }, locationIn: 'body' });
    return parse(contactSearchAnswer, answer, 'POST /contacts/search').contacts;
  }

  async addTags(contactId: string, tags: string[]) {
    const answer = await this.contacts({ method: 'POST', path: `/contacts/${id(contactId)}/tags`, body: { tags } });
    return parse(tagsAnswer, answer, 'POST /contacts/{id}/tags').tags;
  }

  async removeTags(contactId: string, tags: string[]) {
    const answer = await this.contacts({ method: 'DELETE', path: `/contacts/${id(contactId)}/tags`, body: { tags } });
    return parse(tagsAnswer, answer, 'DELETE /contacts/{id}/tags').tags;
  }

  // Tasks (under a contact)

  async listTasks(contactId: string) {
    const answer = await this.contacts({ method: 'GET', path: `/contacts/${id(contactId)}/tasks` });
    return parse(taskListAnswer, answer, 'GET /contacts/{id}/tasks').tasks;
  }

  async getTask(contactId: string, taskId: string) {
    const answer = await this.contacts({ method: 'GET', path: taskPath(contactId, taskId), accept: absent });
    return absent(answer) ? undefined : parse(taskAnswer, answer, 'GET task').task;
  }

  async createTask(contactId: string, body: GhlCreateTaskBody) {
    const answer = await this.contacts({ method: 'POST', path: `/contacts/${id(contactId)}/tasks`, body, createsRecord: true });
    return parse(taskAnswer, answer, 'POST task').task;
  }

  async updateTask(contactId: string, taskId: string, body: GhlUpdateTaskBody) {
    const answer = await this.contacts({ method: 'PUT', path: taskPath(contactId, taskId), body });
    return parse(taskAnswer, answer, 'PUT task').task;
  }

  async setTaskCompleted(contactId: string, taskId: string, completed: boolean) {
    const answer = await this.contacts({ method: 'PUT', path: `${taskPath(contactId, taskId)}/completed`, body: { completed } });
    return parse(taskAnswer, answer, 'PUT task completed').task;
  }

  async deleteTask(contactId: string, taskId: string) {
    return this.delete({ method: 'DELETE', family: 'contacts', path: taskPath(contactId, taskId) });
  }

  // Notes (under a contact)

  async listNotes(contactId: string) {
    const answer = await this.contacts({ method: 'GET', path: `/contacts/${id(contactId)}/notes` });
    return parse(noteListAnswer, answer, 'GET /contacts/{id}/notes').notes;
  }

  async getNote(contactId: string, noteId: string) {
    const answer = await this.contacts({ method: 'GET', path: notePath(contactId, noteId), accept: absent });
    return absent(answer) ? undefined : parse(noteAnswer, answer, 'GET note').note;
  }

  async createNote(contactId: string, body: GhlCreateNoteBody) {
    const answer = await this.contacts({ method: 'POST', path: `/contacts/${id(contactId)}/notes`, body, createsRecord: true });
    return parse(noteAnswer, answer, 'POST note').note;
  }

  async updateNote(contactId: string, noteId: string, body: GhlUpdateNoteBody) {
    const answer = await this.contacts({ method: 'PUT', path: notePath(contactId, noteId), body });
    return parse(noteAnswer, answer, 'PUT note').note;
  }

  async deleteNote(contactId: string, noteId: string) {
    return this.delete({ method: 'DELETE', family: 'contacts', path: notePath(contactId, noteId) });
  }

  // Appointments (Version 2021-04-15, except the contact's list under /contacts)

  async listContactAppointments(contactId: string) {
    const answer = await this.contacts({ method: 'GET', path: `/contacts/${id(contactId)}/appointments` });
    return parse(eventListAnswer, answer, 'GET /contacts/{id}/appointments').events;
  }

  async getAppointment(eventId: string) {
    const answer = await this.transport.send({
      method: 'GET',
      family: 'calendars',
      path: `/calendars/events/appointments/${id(eventId)}`,
      accept: absent,
    });
    return absent(answer) ? undefined : parse(eventAnswer, answer, 'GET appointment').event;
  }

  async createAppointment(body: GhlAppointmentCreateInput) {
    const answer = await this.transport.send({
      method: 'POST',
      family: 'calendars',
      path: '/calendars/events/appointments',
      body,
      locationIn: 'body',
      createsRecord: true,
    });
    return parse(ghlAppointmentSchema, answer, 'POST appointment');
  }

  async updateAppointment(eventId: string, body: GhlUpdateAppointmentBody) {
    const path = `/calendars/events/appointments/${id(eventId)}`;
    const answer = await this.transport.send({ method: 'PUT', family: 'calendars', path, body });
    return parse(ghlAppointmentSchema, answer, 'PUT appointment');
  }

  async deleteAppointment(eventId: string) {
    // The spec requires a (empty) body on this DELETE.
    return this.delete({ method: 'DELETE', family: 'calendars', path: `/calendars/events/${id(eventId)}`, body: {} });
  }

  private contacts(request: Omit<GhlRequest, 'family'>) {
    return this.transport.send({ ...request, family: 'contacts' });
  }

  private async delete(request: GhlRequest): Promise<GhlDeleteOutcome> {
    const answer = await this.transport.send({ ...request, accept: notFound });
    return answer.status === 404 ? 'already-deleted' : 'deleted';
  }
}

const taskPath = (contactId: string, taskId: string) => `/contacts/${id(contactId)}/tasks/${id(taskId)}`;
const notePath = (contactId: string, noteId: string) => `/contacts/${id(contactId)}/notes/${id(noteId)}`;

function contactList(parsed: z.infer<typeof contactListAnswer>): GhlContactList {
  return { contacts: parsed.contacts, ...(typeof parsed.count === 'number' ? { count: parsed.count } : {}) };
}

/**
 * A 2xx answer we cannot read (a truncated body, a created record without its id) says GHL
 * did the work but not what came of it: the same as an answer lost on the way. So it is settled
 * the same way, transient and "may have been applied" (errors.ts mayHaveBeenApplied, by its
 * 2xx status): a create's next attempt searches for the record before creating it again. Calling
 * it permanent, or "not applied", would park the event or create a second record.
 */
function parse<S extends z.ZodMiniType>(schema: S, answer: HttpAnswer, operation: string): z.infer<S> {
  const result = schema.safeParse(answer.body);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
  const traceId = isRecord(answer.body) && typeof answer.body.traceId === 'string' ? answer.body.traceId : undefined;
  throw transientError(`GHL answered ${operation} without the expected fields: ${fields}`, {
    reason: 'ghl-answer-unexpected',
    status: answer.status,
    ...(traceId === undefined ? {} : { traceId }),
  });
}
