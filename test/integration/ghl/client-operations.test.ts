/**
 * Every GHL operation the sync uses, against a server that checks each request against the
 * official spec: method, path, the headers GHL requires, and the body shape.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GhlClient } from '../../../lib/ghl/index.js';
import { startSpecCheckingGhlServer, type SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { clientFor, LOCATION_ID, PIT_TOKEN } from './harness.js';

const CONTACTS = '2021-07-28';
const CALENDARS = '2021-04-15';

interface OperationCase {
  operation: string;
  call: (client: GhlClient) => Promise<unknown>;
  method: string;
  path: string;
  version: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  answer: (result: unknown) => void;
}

const cases: OperationCase[] = [
  {
    operation: 'get-location',
    call: (c) => c.getLocationSettings(),
    method: 'GET',
    path: `/locations/${LOCATION_ID}`,
    version: CONTACTS,
    answer: (r) => expect(r).toEqual({ allowDuplicateContact: false }),
  },
  {
    operation: 'get-contact',
    call: (c) => c.getContact('contact-1'),
    method: 'GET',
    path: '/contacts/contact-1',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject({ id: 'contact-1' }),
  },
  {
    operation: 'create-contact',
    call: (c) => c.createContact({ firstName: 'Anna', phone: '+4512345678', companyName: 'Firma ApS', tags: ['relatel'] }),
    method: 'POST',
    path: '/contacts/',
    version: CONTACTS,
    body: { firstName: 'Anna', phone: '+4512345678', companyName: 'Firma ApS', tags: ['relatel'], locationId: LOCATION_ID },
    answer: (r) => expect(r).toMatchObject({ outcome: 'created', contact: { id: expect.any(String), firstName: 'Anna' } }),
  },
  {
    operation: 'upsert-contact',
    call: (c) => c.upsertContact({ email: 'anna@example.dk', firstName: 'Anna' }),
    method: 'POST',
    path: '/contacts/upsert',
    version: CONTACTS,
    body: { email: 'anna@example.dk', firstName: 'Anna', locationId: LOCATION_ID },
    answer: (r) => expect(r).toMatchObject({ created: true, contact: { id: expect.any(String) } }),
  },
  {
    operation: 'update-contact',
    call: (c) => c.updateContact('contact-1', { lastName: 'Jensen', dnd: false }),
    method: 'PUT',
    path: '/contacts/contact-1',
    version: CONTACTS,
    body: { lastName: 'Jensen', dnd: false },
    answer: (r) => expect(r).toMatchObject({ id: 'contact-1', lastName: 'Jensen' }),
  },
  {
    operation: 'delete-contact',
    call: (c) => c.deleteContact('contact-1'),
    method: 'DELETE',
    path: '/contacts/contact-1',
    version: CONTACTS,
    answer: (r) => expect(r).toBe('deleted'),
  },
  {
    operation: 'get-contacts',
    call: (c) => c.listContacts({ query: 'jensen', limit: 20, startAfterId: 'contact-0' }),
    method: 'GET',
    path: '/contacts/',
    version: CONTACTS,
    query: { locationId: LOCATION_ID, query: 'jensen', limit: '20', startAfterId: 'contact-0' },
    answer: (r) => expect(r).toMatchObject({ contacts: [{ id: expect.any(String) }], count: 1 }),
  },
  {
    operation: 'search-contacts-advanced',
    call: (c) =>
      c.searchContacts({
        filters: [{ field: 'dateAdded', operator: 'range', value: { gte: '2026-03-02T08:00:00.000Z', lte: '2026-03-02T08:02:00.000Z' } }],
        page: 2,
        pageLimit: 100,
      }),
    method: 'POST',
    path: '/contacts/search',
    version: CONTACTS,
    body: {
      locationId: LOCATION_ID,
      filters: [{ field: 'dateAdded', operator: 'range', value: { gte: '2026-03-02T08:00:00.000Z', lte: '2026-03-02T08:02:00.000Z' } }],
      page: 2,
      pageLimit: 100,
    },
    answer: (r) => expect(r).toMatchObject([{ id: expect.any(String) }]),
  },
  {
    operation: 'get-contacts-by-businessId',
    call: (c) => c.listContactsByBusiness('business-1', { limit: 10, skip: 0 }),
    method: 'GET',
    path: '/contacts/business/business-1',
    version: CONTACTS,
    query: { locationId: LOCATION_ID, limit: '10', skip: '0' },
    answer: (r) => expect(r).toMatchObject({ contacts: [{ businessId: 'business-1' }] }),
  },
  {
    operation: 'add-tags',
    call: (c) => c.addTags('contact-1', ['vip', 'relatel']),
    method: 'POST',
    path: '/contacts/contact-1/tags',
    version: CONTACTS,
    body: { tags: ['vip', 'relatel'] },
    answer: (r) => expect(r).toEqual(['vip', 'relatel']),
  },
  {
    operation: 'remove-tags',
    call: (c) => c.removeTags('contact-1', ['vip']),
    method: 'DELETE',
    path: '/contacts/contact-1/tags',
    version: CONTACTS,
    body: { tags: ['vip'] },
    answer: (r) => expect(r).toEqual([]),
  },
  {
    operation: 'get-all-tasks',
    call: (c) => c.listTasks('contact-1'),
    method: 'GET',
    path: '/contacts/contact-1/tasks',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject([{ contactId: 'contact-1' }]),
  },
  {
    operation: 'get-task',
    call: (c) => c.getTask('contact-1', 'task-1'),
    method: 'GET',
    path: '/contacts/contact-1/tasks/task-1',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject({ id: 'task-1' }),
  },
  {
    operation: 'create-task',
    call: (c) => c.createTask('contact-1', { title: 'Call back', dueDate: '2026-05-05T10:00:00Z', completed: false, body: 'About the offer' }),
    method: 'POST',
    path: '/contacts/contact-1/tasks',
    version: CONTACTS,
    body: { title: 'Call back', dueDate: '2026-05-05T10:00:00Z', completed: false, body: 'About the offer' },
    answer: (r) => expect(r).toMatchObject({ id: expect.any(String), title: 'Call back' }),
  },
  {
    operation: 'update-task',
    call: (c) => c.updateTask('contact-1', 'task-1', { title: 'Call back today' }),
    method: 'PUT',
    path: '/contacts/contact-1/tasks/task-1',
    version: CONTACTS,
    body: { title: 'Call back today' },
    answer: (r) => expect(r).toMatchObject({ id: 'task-1', title: 'Call back today' }),
  },
  {
    operation: 'update-task-completed',
    call: (c) => c.setTaskCompleted('contact-1', 'task-1', true),
    method: 'PUT',
    path: '/contacts/contact-1/tasks/task-1/completed',
    version: CONTACTS,
    body: { completed: true },
    answer: (r) => expect(r).toMatchObject({ id: 'task-1', completed: true }),
  },
  {
    operation: 'delete-task',
    call: (c) => c.deleteTask('contact-1', 'task-1'),
    method: 'DELETE',
    path: '/contacts/contact-1/tasks/task-1',
    version: CONTACTS,
    answer: (r) => expect(r).toBe('deleted'),
  },
  {
    operation: 'get-all-notes',
    call: (c) => c.listNotes('contact-1'),
    method: 'GET',
    path: '/contacts/contact-1/notes',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject([{ contactId: 'contact-1' }]),
  },
  {
    operation: 'get-note',
    call: (c) => c.getNote('contact-1', 'note-1'),
    method: 'GET',
    path: '/contacts/contact-1/notes/note-1',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject({ id: 'note-1' }),
  },
  {
    operation: 'create-note',
    call: (c) => c.createNote('contact-1', { body: 'Inbound call, 3 min 12 s' }),
    method: 'POST',
    path: '/contacts/contact-1/notes',
    version: CONTACTS,
    body: { body: 'Inbound call, 3 min 12 s' },
    answer: (r) => expect(r).toMatchObject({ id: expect.any(String), body: 'Inbound call, 3 min 12 s' }),
  },
  {
    operation: 'update-note',
    call: (c) => c.updateNote('contact-1', 'note-1', { body: 'Edited' }),
    method: 'PUT',
    path: '/contacts/contact-1/notes/note-1',
    version: CONTACTS,
    body: { body: 'Edited' },
    answer: (r) => expect(r).toMatchObject({ id: 'note-1', body: 'Edited' }),
  },
  {
    operation: 'delete-note',
    call: (c) => c.deleteNote('contact-1', 'note-1'),
    method: 'DELETE',
    path: '/contacts/contact-1/notes/note-1',
    version: CONTACTS,
    answer: (r) => expect(r).toBe('deleted'),
  },
  {
    operation: 'get-appointments-for-contact',
    call: (c) => c.listContactAppointments('contact-1'),
    method: 'GET',
    path: '/contacts/contact-1/appointments',
    version: CONTACTS,
    answer: (r) => expect(r).toMatchObject([{ contactId: 'contact-1' }]),
  },
  {
    operation: 'create-appointment',
    call: (c) =>
      c.createAppointment({
        calendarId: 'cal-1',
        contactId: 'contact-1',
        startTime: '2026-05-06T09:00:00+02:00',
        endTime: '2026-05-06T09:30:00+02:00',
        appointmentStatus: 'confirmed',
        toNotify: false,
        ignoreFreeSlotValidation: true,
      }),
    method: 'POST',
    path: '/calendars/events/appointments',
    version: CALENDARS,
    body: {
      calendarId: 'cal-1',
      contactId: 'contact-1',
      startTime: '2026-05-06T09:00:00+02:00',
      endTime: '2026-05-06T09:30:00+02:00',
      appointmentStatus: 'confirmed',
      toNotify: false,
      ignoreFreeSlotValidation: true,
      locationId: LOCATION_ID,
    },
    answer: (r) => expect(r).toMatchObject({ id: expect.any(String), calendarId: 'cal-1' }),
  },
  {
    operation: 'edit-appointment',
    call: (c) => c.updateAppointment('event-1', { appointmentStatus: 'cancelled' }),
    method: 'PUT',
    path: '/calendars/events/appointments/event-1',
    version: CALENDARS,
    body: { appointmentStatus: 'cancelled' },
    answer: (r) => expect(r).toMatchObject({ id: 'event-1', appointmentStatus: 'cancelled' }),
  },
  {
    operation: 'get-appointment',
    call: (c) => c.getAppointment('event-1'),
    method: 'GET',
    path: '/calendars/events/appointments/event-1',
    version: CALENDARS,
    answer: (r) => expect(r).toMatchObject({ id: 'event-1' }),
  },
  {
    operation: 'delete-event',
    call: (c) => c.deleteAppointment('event-1'),
    method: 'DELETE',
    path: '/calendars/events/event-1',
    version: CALENDARS,
    body: {},
    answer: (r) => expect(r).toBe('deleted'),
  },
];

describe('GHL client operations conform to the spec', () => {
  let server: SpecCheckingGhlServer;
  beforeAll(async () => {
    server = await startSpecCheckingGhlServer([PIT_TOKEN]);
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
    server.violations.length = 0;
  });

  it.each(cases)('$operation: $method $path', async (spec) => {
    const { client } = clientFor(server);
    const result = await spec.call(client);

    expect(server.violations).toEqual([]);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request).toMatchObject({ operation: spec.operation, method: spec.method, path: spec.path, query: spec.query ?? {} });
    expect(request.headers).toMatchObject({ authorization: `Bearer ${PIT_TOKEN}`, version: spec.version, accept: 'application/json' });
    expect(request.body).toEqual(spec.body);
    spec.answer(result);
  });

  it('covers every operation the product promises', () => {
    expect(new Set(cases.map((c) => c.operation)).size).toBe(27);
  });

  it('encodes ids in paths', async () => {
    const { client } = clientFor(server);
    await client.getContact('a/b c');
    expect(server.requests[0]?.path).toBe('/contacts/a%2Fb%20c');
  });

  it('the server catches a locationId GHL forbids (the client never sends one)', async () => {
    const { client } = clientFor(server);
    // A caller slipping a locationId into an update body past the types: GHL would answer 422.
    await expect(client.updateContact('contact-1', { locationId: 'x' } as never)).rejects.toMatchObject({
      kind: 'permanent',
      reason: 'ghl-422',
      message: expect.stringContaining('locationId'),
    });
    expect(server.violations).toEqual(['update-contact: property locationId should not exist']);
  });
});
