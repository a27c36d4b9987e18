import { describe, expect, it } from 'vitest';
import { appointmentBody, call, createContact, noteBody, simulator, taskBody } from './support.js';

const GHL_ID = /^[A-Za-z0-9]{20}$/;

describe('GHL simulator: tasks', () => {
  it('creates a task under a contact: 201 {task} with the due date as UTC ISO', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', `/contacts/${contact.id}/tasks`, {
      body: taskBody({ title: 'Send quote', dueDate: '2026-03-02T10:00:00+01:00' }),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.task).toMatchObject({
      contactId: contact.id,
      title: 'Send quote',
      dueDate: '2026-03-02T09:00:00.000Z',
      completed: false,
    });
    expect(answer.body.task.id).toMatch(GHL_ID);
  });

  it('gets, lists, updates and completes a task', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const created = (await call(sim, 'POST', `/contacts/${contact.id}/tasks`, { body: taskBody() })).body.task;
    const path = `/contacts/${contact.id}/tasks/${created.id}`;

    const updated = await call(sim, 'PUT', path, { body: { title: 'Call back today' } });
    const completed = await call(sim, 'PUT', `${path}/completed`, { body: { completed: true } });
    const fetched = await call(sim, 'GET', path);
    const listed = await call(sim, 'GET', `/contacts/${contact.id}/tasks`);

    expect(updated.body.task.title).toBe('Call back today');
    expect(completed.status).toBe(200);
    expect(completed.body.task.completed).toBe(true);
    expect(fetched.body).toEqual({ task: completed.body.task });
    expect(listed.body).toEqual({ tasks: [completed.body.task] });
  });

  it('deletes a task: 200 {succeded: true}', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const task = (await call(sim, 'POST', `/contacts/${contact.id}/tasks`, { body: taskBody() })).body.task;

    const answer = await call(sim, 'DELETE', `/contacts/${contact.id}/tasks/${task.id}`);

    expect(answer.body).toEqual({ succeded: true });
    expect(sim.state.tasks()).toEqual([]);
  });

  it('answers 400 "Task not found" for a task of another contact (the contacts API documents 400)', async () => {
    const sim = await simulator();
    const owner = await createContact(sim);
    const stranger = await createContact(sim);
    const task = (await call(sim, 'POST', `/contacts/${owner.id}/tasks`, { body: taskBody() })).body.task;

    const answer = await call(sim, 'GET', `/contacts/${stranger.id}/tasks/${task.id}`);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, message: 'Task not found' });
  });

  it('answers 400 "Contact not found" for a task under an unknown contact', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/NoSuchContact0000001/tasks', { body: taskBody() });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, message: 'Contact not found' });
  });
});

describe('GHL simulator: notes', () => {
  it('creates a note: 201 {note}', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', `/contacts/${contact.id}/notes`, { body: noteBody({ body: 'Wants a demo' }) });

    expect(answer.status).toBe(201);
    expect(answer.body.note).toMatchObject({ contactId: contact.id, body: 'Wants a demo' });
    expect(answer.body.note.id).toMatch(GHL_ID);
    expect(answer.body.note.dateAdded).toEqual(expect.any(String));
  });

  it('gets, lists, updates and deletes a note', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const created = (await call(sim, 'POST', `/contacts/${contact.id}/notes`, { body: noteBody() })).body.note;
    const path = `/contacts/${contact.id}/notes/${created.id}`;

    const updated = await call(sim, 'PUT', path, { body: { body: 'Demo booked' } });
    const fetched = await call(sim, 'GET', path);
    const listed = await call(sim, 'GET', `/contacts/${contact.id}/notes`);
    const deleted = await call(sim, 'DELETE', path);

    expect(updated.body.note.body).toBe('Demo booked');
    expect(fetched.body).toEqual({ note: updated.body.note });
    expect(listed.body).toEqual({ notes: [updated.body.note] });
    expect(deleted.body).toEqual({ succeded: true });
    expect((await call(sim, 'GET', path)).status).toBe(400);
  });

  it('refuses locationId in a note body, as GHL does', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', `/contacts/${contact.id}/notes`, {
      body: noteBody({ locationId: sim.locationId }),
    });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual(['property locationId should not exist']);
  });
});

describe('GHL simulator: appointments', () => {
  it('books an appointment: 200 with the flat appointment', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      calendarId: sim.calendarIds[0],
      locationId: sim.locationId,
      contactId: contact.id,
      startTime: '2026-03-02T10:00:00+01:00',
      endTime: '2026-03-02T10:30:00+01:00',
      title: 'Intro meeting',
      appointmentStatus: 'confirmed',
    });
    expect(answer.body.id).toMatch(GHL_ID);
    expect(answer.body).not.toHaveProperty('toNotify');
  });

  it('answers GET with {event} in the calendar event shape', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const booked = (await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) })).body;

    const answer = await call(sim, 'GET', `/calendars/events/appointments/${booked.id}`);

    expect(answer.status).toBe(200);
    expect(answer.body.event).toMatchObject({
      id: booked.id,
      contactId: contact.id,
      appointmentStatus: 'confirmed',
      dateAdded: expect.any(String),
      dateUpdated: expect.any(String),
      users: [],
    });
  });

  it('edits an appointment, e.g. cancels it', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const booked = (await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) })).body;

    const answer = await call(sim, 'PUT', `/calendars/events/appointments/${booked.id}`, {
      body: { appointmentStatus: 'cancelled', toNotify: false },
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: booked.id, appointmentStatus: 'cancelled' });
    expect(sim.state.appointments()[0]?.appointmentStatus).toBe('cancelled');
  });

  it('deletes an event: 201 {succeeded: true} (calendars spelling, per the spec)', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const booked = (await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) })).body;

    const answer = await call(sim, 'DELETE', `/calendars/events/${booked.id}`);

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ succeeded: true });
    expect((await call(sim, 'GET', `/calendars/events/appointments/${booked.id}`)).status).toBe(404);
  });

  it("lists a contact's appointments under /contacts with the contacts Version: {events}", async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const booked = (await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) })).body;

    const answer = await call(sim, 'GET', `/contacts/${contact.id}/appointments`);

    expect(answer.status).toBe(200);
    expect(answer.body.events.map((event: { id: string }) => event.id)).toEqual([booked.id]);
  });

  it('refuses an appointment for an unknown calendar or contact with 400', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const unknownCalendar = await call(sim, 'POST', '/calendars/events/appointments', {
      body: appointmentBody(sim, contact.id, { calendarId: 'NoSuchCalendar000001' }),
    });
    const unknownContact = await call(sim, 'POST', '/calendars/events/appointments', {
      body: appointmentBody(sim, 'NoSuchContact0000001'),
    });

    expect(unknownCalendar.status).toBe(400);
    expect(unknownContact.status).toBe(400);
    expect(sim.state.appointments()).toEqual([]);
  });

  it('refuses an appointment for another location with 403', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', '/calendars/events/appointments', {
      body: appointmentBody(sim, contact.id, { locationId: 'OtherLocation0000001' }),
    });

    expect(answer.status).toBe(403);
  });
});
