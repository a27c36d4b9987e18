/**
 * The GHL v2 operations the sync uses, one row each: method, path, API family (which decides
 * the Version header), body rule and what GHL answers. The server (index.ts) does auth, Version,
 * rate limiting, faults and body validation around these; handlers only hold GHL's semantics.
 */
import { badRequest, duplicateContact, forbiddenLocation, notFound, recordNotFound, unprocessable } from './errors.js';
import { BODY_RULES, type ApiFamily, type BodyRule } from './spec.js';
import type { DuplicateField, SimAppointment, SimContact, SimStore } from './store.js';

/** The sub-account being simulated. */
export interface LocationSettings {
  locationId: string;
  calendarIds: readonly string[];
  /** GHL's "Allow Duplicate Contact" setting; off by default in GHL, so off here. */
  allowDuplicates: boolean;
  /** Which fields identify a duplicate, in priority order (GHL: email, then phone). */
  duplicateMatchOrder: readonly DuplicateField[];
}

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  store: SimStore;
  location: LocationSettings;
  traceId: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Stable name for the request log and counters, e.g. `contacts.create`. */
  operation: string;
  family: ApiFamily;
  body?: BodyRule;
  /** The scope a token needs here beyond the contacts/calendars ones every token has (see `missingScopes`). */
  scope?: string;
  handle(ctx: RouteContext): Answer;
}

const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;

const answer = (status: number, body: unknown): Answer => ({ status, body });

export const ROUTES: readonly Route[] = [
  // ---- the location (sub-account) ----
  {
    method: 'GET',
    path: '/locations/:locationId',
    operation: 'locations.get',
    family: 'locations',
    scope: 'locations.readonly',
    handle: ({ params, location }) => {
      requireLocation(params['locationId'], location);
      return answer(200, {
        location: {
          id: location.locationId,
          name: 'Simulated sub-account',
          timezone: 'Europe/Copenhagen',
          settings: {
            allowDuplicateContact: location.allowDuplicates,
            allowDuplicateOpportunity: false,
            allowFacebookNameMerge: false,
            disableContactTimezone: false,
          },
        },
      });
    },
  },
  // ---- contacts ----
  {
    method: 'POST',
    path: '/contacts/upsert',
    operation: 'contacts.upsert',
    family: 'contacts',
    body: BODY_RULES.upsertContact,
    handle: upsertContact,
  },
  {
    method: 'POST',
    path: '/contacts/search',
    operation: 'contacts.search',
    family: 'contacts',
    body: BODY_RULES.searchContacts,
    handle: searchContacts,
  },
  {
    method: 'GET',
    path: '/contacts/business/:businessId',
    operation: 'contacts.byBusiness',
    family: 'contacts',
    handle: ({ params, query, store, location }) => {
      requireLocationQuery(query, location);
      const matching = [...store.contacts.values()].filter((c) => c.businessId === params['businessId']);
      const skip = Number(query.get('skip') ?? 0) || 0;
      return answer(200, { contacts: matching.slice(skip, skip + listLimit(query)), count: matching.length });
    },
  },
  {
    method: 'POST',
    path: '/contacts/',
    operation: 'contacts.create',
    family: 'contacts',
    body: BODY_RULES.createContact,
    handle: ({ body, store, location }) => {
      requireLocation(body['locationId'], location);
      if (!location.allowDuplicates) {
        const match = store.findDuplicate(body, location.duplicateMatchOrder);
        if (match) throw duplicateContact(match);
      }
      return answer(201, { contact: store.createContact(location.locationId, body) });
    },
  },
  {
    method: 'GET',
    path: '/contacts/',
    operation: 'contacts.list',
    family: 'contacts',
    handle: listContacts,
  },
  {
    method: 'GET',
    path: '/contacts/:contactId',
    operation: 'contacts.get',
    family: 'contacts',
    handle: ({ params, store }) => answer(200, { contact: requireContact(store, params) }),
  },
  {
    method: 'PUT',
    path: '/contacts/:contactId',
    operation: 'contacts.update',
    family: 'contacts',
    body: BODY_RULES.updateContact,
    handle: ({ params, body, store, location }) => {
      const contact = requireContact(store, params);
      if (!location.allowDuplicates) {
        const match = store.findDuplicate(body, location.duplicateMatchOrder, contact.id);
        if (match) throw duplicateContact(match);
      }
      // "succeded" (sic) is GHL's spelling; clients read this exact key.
      return answer(200, { succeded: true, contact: store.updateContact(contact, body) });
    },
  },
  {
    method: 'DELETE',
    path: '/contacts/:contactId',
    operation: 'contacts.delete',
    family: 'contacts',
    handle: ({ params, store }) => {
      store.deleteContact(requireContact(store, params).id);
      return answer(200, { succeded: true });
    },
  },
  // ---- tags ----
  {
    method: 'POST',
    path: '/contacts/:contactId/tags',
    operation: 'tags.add',
    family: 'contacts',
    body: BODY_RULES.tags,
    handle: ({ params, body, store }) =>
      answer(201, { tags: store.addTags(requireContact(store, params), body['tags'] as string[]) }),
  },
  {
    method: 'DELETE',
    path: '/contacts/:contactId/tags',
    operation: 'tags.remove',
    family: 'contacts',
    body: BODY_RULES.tags,
    handle: ({ params, body, store }) =>
      answer(200, { tags: store.removeTags(requireContact(store, params), body['tags'] as string[]) }),
  },
  // ---- tasks ----
  {
    method: 'GET',
    path: '/contacts/:contactId/tasks',
    operation: 'tasks.list',
    family: 'contacts',
    handle: ({ params, store }) => {
      const contact = requireContact(store, params);
      return answer(200, { tasks: [...store.tasks.values()].filter((t) => t.contactId === contact.id) });
    },
  },
  {
    method: 'POST',
    path: '/contacts/:contactId/tasks',
    operation: 'tasks.create',
    family: 'contacts',
    body: BODY_RULES.createTask,
    handle: ({ params, body, store }) => answer(201, { task: store.createTask(requireContact(store, params).id, body) }),
  },
  {
    method: 'GET',
    path: '/contacts/:contactId/tasks/:taskId',
    operation: 'tasks.get',
    family: 'contacts',
    handle: ({ params, store }) => answer(200, { task: requireTask(store, params) }),
  },
  {
    method: 'PUT',
    path: '/contacts/:contactId/tasks/:taskId',
    operation: 'tasks.update',
    family: 'contacts',
    body: BODY_RULES.updateTask,
    handle: ({ params, body, store }) => answer(200, { task: store.updateTask(requireTask(store, params), body) }),
  },
  {
    method: 'PUT',
    path: '/contacts/:contactId/tasks/:taskId/completed',
    operation: 'tasks.complete',
    family: 'contacts',
    body: BODY_RULES.taskCompleted,
    handle: ({ params, body, store }) => answer(200, { task: store.updateTask(requireTask(store, params), body) }),
  },
  {
    method: 'DELETE',
    path: '/contacts/:contactId/tasks/:taskId',
    operation: 'tasks.delete',
    family: 'contacts',
    handle: ({ params, store }) => {
      store.tasks.delete(requireTask(store, params).id);
      return answer(200, { succeded: true });
    },
  },
  // ---- notes ----
  {
    method: 'GET',
    path: '/contacts/:contactId/notes',
    operation: 'notes.list',
    family: 'contacts',
    handle: ({ params, store }) => {
      const contact = requireContact(store, params);
      return answer(200, { notes: [...store.notes.values()].filter((n) => n.contactId === contact.id) });
    },
  },
  {
    method: 'POST',
    path: '/contacts/:contactId/notes',
    operation: 'notes.create',
    family: 'contacts',
    body: BODY_RULES.createNote,
    handle: ({ params, body, store }) => answer(201, { note: store.createNote(requireContact(store, params).id, body) }),
  },
  {
    method: 'GET',
    path: '/contacts/:contactId/notes/:noteId',
    operation: 'notes.get',
    family: 'contacts',
    handle: ({ params, store }) => answer(200, { note: requireNote(store, params) }),
  },
  {
    method: 'PUT',
    path: '/contacts/:contactId/notes/:noteId',
    operation: 'notes.update',
    family: 'contacts',
    body: BODY_RULES.updateNote,
    handle: ({ params, body, store }) => answer(200, { note: store.updateNote(requireNote(store, params), body) }),
  },
  {
    method: 'DELETE',
    path: '/contacts/:contactId/notes/:noteId',
    operation: 'notes.delete',
    family: 'contacts',
    handle: ({ params, store }) => {
      store.notes.delete(requireNote(store, params).id);
      return answer(200, { succeded: true });
    },
  },
  // ---- appointments ----
  {
    // Listed under /contacts, so it takes the contacts Version (2021-07-28).
    method: 'GET',
    path: '/contacts/:contactId/appointments',
    operation: 'appointments.listForContact',
    family: 'contacts',
    handle: ({ params, store }) => {
      const contact = requireContact(store, params);
      return answer(200, { events: [...store.appointments.values()].filter((a) => a.contactId === contact.id) });
    },
  },
  {
    method: 'POST',
    path: '/calendars/events/appointments',
    operation: 'appointments.create',
    family: 'calendars',
    body: BODY_RULES.createAppointment,
    handle: ({ body, store, location }) => {
      requireLocation(body['locationId'], location);
      requireCalendar(body['calendarId'], location);
      if (!store.contacts.has(String(body['contactId']))) throw badRequest('Contact not found');
      requireTimeOrder(body['startTime'], body['endTime']);
      // The spec answers 200 (not 201) with the flat AppointmentSchemaResponse.
      return answer(200, flatAppointment(store.createAppointment(body)));
    },
  },
  {
    method: 'GET',
    path: '/calendars/events/appointments/:eventId',
    operation: 'appointments.get',
    family: 'calendars',
    handle: ({ params, store }) => answer(200, { event: requireAppointment(store, params) }),
  },
  {
    method: 'PUT',
    path: '/calendars/events/appointments/:eventId',
    operation: 'appointments.update',
    family: 'calendars',
    body: BODY_RULES.updateAppointment,
    handle: ({ params, body, store, location }) => {
      const appointment = requireAppointment(store, params);
      if (body['calendarId'] !== undefined) requireCalendar(body['calendarId'], location);
      requireTimeOrder(body['startTime'] ?? appointment.startTime, body['endTime'] ?? appointment.endTime);
      return answer(200, flatAppointment(store.updateAppointment(appointment, body)));
    },
  },
  {
    method: 'DELETE',
    path: '/calendars/events/:eventId',
    operation: 'appointments.delete',
    family: 'calendars',
    body: BODY_RULES.deleteEvent,
    handle: ({ params, store }) => {
      store.appointments.delete(requireAppointment(store, params).id);
      // Calendars spells it correctly ("succeeded") and, per the spec, answers 201.
      return answer(201, { succeeded: true });
    },
  },
];

function upsertContact({ body, store, location, traceId }: RouteContext): Answer {
  requireLocation(body['locationId'], location);
  const createAnyway = location.allowDuplicates && body['createNewIfDuplicateAllowed'] === true;
  const match = createAnyway ? undefined : store.findDuplicate(body, location.duplicateMatchOrder);
  if (!match) return answer(200, { new: true, contact: store.createContact(location.locationId, body), traceId });
  // A second field that belongs to yet another contact is dropped rather than duplicated.
  const fields = { ...body };
  if (!location.allowDuplicates) {
    for (const field of location.duplicateMatchOrder) {
      const other = store.findDuplicate({ [field]: body[field] }, [field], match.contact.id);
      if (other) delete fields[field];
    }
  }
  return answer(200, { new: false, contact: store.updateContact(match.contact, fields), traceId });
}

function listContacts({ query, store, location }: RouteContext): Answer {
  requireLocationQuery(query, location);
  const limit = listLimit(query);
  const needle = query.get('query')?.trim().toLowerCase() ?? '';
  const matching = [...store.contacts.values()].filter((contact) => needle === '' || contactMatches(contact, needle));
  const startAfterId = query.get('startAfterId');
  const start = startAfterId ? matching.findIndex((c) => c.id === startAfterId) + 1 : 0;
  return answer(200, { contacts: matching.slice(start, start + limit), count: matching.length });
}

/**
 * Search Contacts with the filters the sync sends: `eq` on a contact field (compared without
 * regard to case, as GHL's search does) or on `customFields.<id>`, and `range` on `dateAdded` or
 * `dateUpdated`; `sort` by either date (GHL's order among equal dates is unspecified: here the
 * store's). Any other filter or sort is refused (422), so a client sending one finds out here,
 * not in production.
 */
function searchContacts({ body, store, location }: RouteContext): Answer {
  requireLocation(body['locationId'], location);
  const filters = (body['filters'] ?? []) as { field: string; operator: 'eq' | 'range'; value: unknown }[];
  const tests = filters.map(searchFilterTest);
  const matching = sortedContacts([...store.contacts.values()].filter((contact) => tests.every((test) => test(contact))), body['sort']);
  const pageLimit = Number(body['pageLimit'] ?? 20);
  if (pageLimit > MAX_SEARCH_PAGE_LIMIT) throw unprocessable([`pageLimit must not be greater than ${MAX_SEARCH_PAGE_LIMIT}`]);
  const start = (Number(body['page'] ?? 1) - 1) * pageLimit;
  return answer(200, { contacts: matching.slice(start, start + pageLimit), total: matching.length });
}

const MAX_SEARCH_PAGE_LIMIT = 500;
const SEARCH_DATE_FIELDS = ['dateAdded', 'dateUpdated'] as const;
type SearchDateField = (typeof SEARCH_DATE_FIELDS)[number];
const isSearchDateField = (field: string): field is SearchDateField => (SEARCH_DATE_FIELDS as readonly string[]).includes(field);

function sortedContacts(contacts: SimContact[], sort: unknown): SimContact[] {
  if (sort === undefined) return contacts;
  const keys = sort as { field: string; direction: 'asc' | 'desc' }[];
  for (const key of keys) {
    if (!isSearchDateField(key.field)) throw unprocessable([`sort: ${key.field} is not supported by the simulator`]);
  }
  return contacts.sort((a, b) => {
    for (const key of keys) {
      const field = key.field as SearchDateField;
      const order = Date.parse(a[field]) - Date.parse(b[field]);
      if (order !== 0) return key.direction === 'desc' ? -order : order;
    }
    return 0;
  });
}

function searchFilterTest(filter: { field: string; operator: 'eq' | 'range'; value: unknown }): (contact: SimContact) => boolean {
  if (filter.operator === 'range' && isSearchDateField(filter.field)) {
    const field = filter.field;
    const { gte, lte } = filter.value as { gte?: string; lte?: string };
    const from = gte === undefined ? -Infinity : Date.parse(gte);
    const to = lte === undefined ? Infinity : Date.parse(lte);
    return (contact) => Date.parse(contact[field]) >= from && Date.parse(contact[field]) <= to;
  }
  if (filter.operator === 'eq') {
    const wanted = String(filter.value).toLowerCase();
    const customField = /^customFields\.(.+)$/.exec(filter.field)?.[1];
    if (customField !== undefined) return (contact) => contact.customFields.some((field) => field.id === customField && String(field.value).toLowerCase() === wanted);
    return (contact) => typeof contact[filter.field] === 'string' && (contact[filter.field] as string).toLowerCase() === wanted;
  }
  throw unprocessable([`filters: ${filter.operator} on ${filter.field} is not supported by the simulator`]);
}

function contactMatches(contact: SimContact, needle: string): boolean {
  return [contact.fullNameLowerCase, contact.emailLowerCase, contact.phone, contact.companyName]
    .some((value) => typeof value === 'string' && value.toLowerCase().includes(needle));
}

function listLimit(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null) return DEFAULT_LIST_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw unprocessable(['limit must be a positive integer']);
  if (limit > MAX_LIST_LIMIT) throw unprocessable([`limit must not be greater than ${MAX_LIST_LIMIT}`]);
  return limit;
}

function requireLocation(locationId: unknown, location: LocationSettings): void {
  if (locationId !== location.locationId) throw forbiddenLocation();
}

function requireLocationQuery(query: URLSearchParams, location: LocationSettings): void {
  const locationId = query.get('locationId');
  if (!locationId) throw unprocessable(['locationId should not be empty']);
  requireLocation(locationId, location);
}

function requireCalendar(calendarId: unknown, location: LocationSettings): void {
  if (!location.calendarIds.includes(String(calendarId))) throw badRequest('Calendar not found');
}

function requireTimeOrder(startTime: unknown, endTime: unknown): void {
  if (typeof startTime !== 'string' || typeof endTime !== 'string') return;
  if (Date.parse(endTime) < Date.parse(startTime)) throw unprocessable(['endTime must be after startTime']);
}

function requireContact(store: SimStore, params: Record<string, string>): SimContact {
  const contact = store.contacts.get(params['contactId'] ?? '');
  if (!contact) throw recordNotFound('Contact');
  return contact;
}

function requireTask(store: SimStore, params: Record<string, string>) {
  const contact = requireContact(store, params);
  const task = store.tasks.get(params['taskId'] ?? '');
  if (!task || task.contactId !== contact.id) throw recordNotFound('Task');
  return task;
}

function requireNote(store: SimStore, params: Record<string, string>) {
  const contact = requireContact(store, params);
  const note = store.notes.get(params['noteId'] ?? '');
  if (!note || note.contactId !== contact.id) throw recordNotFound('Note');
  return note;
}

function requireAppointment(store: SimStore, params: Record<string, string>): SimAppointment {
  const appointment = store.appointments.get(params['eventId'] ?? '');
  if (!appointment) throw notFound('Appointment');
  return appointment;
}

/** AppointmentSchemaResponse: what create and edit answer (GET answers the full event). */
function flatAppointment(appointment: SimAppointment): Record<string, unknown> {
  const { id, calendarId, locationId, contactId, startTime, endTime, title, appointmentStatus, isRecurring } = appointment;
  const flat: Record<string, unknown> = {
    id,
    calendarId,
    locationId,
    contactId,
    startTime,
    endTime,
    title,
    appointmentStatus,
    isRecurring,
  };
  for (const optional of ['meetingLocationType', 'assignedUserId', 'address', 'rrule'] as const) {
    if (appointment[optional] !== undefined) flat[optional] = appointment[optional];
  }
  return flat;
}

/** Matches a request to its route; `/contacts` and `/contacts/` are the same path, as in GHL. */
export function matchRoute(method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const segments = splitPath(pathname);
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const params = matchSegments(splitPath(route.path), segments);
    if (params) return { route, params };
  }
  return undefined;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i += 1) {
    const expected = template[i] as string;
    const segment = actual[i] as string;
    if (expected.startsWith(':')) params[expected.slice(1)] = safeDecode(segment);
    else if (expected !== segment) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
