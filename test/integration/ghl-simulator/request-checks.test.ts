import { describe, expect, it } from 'vitest';
import { GHL_API_VERSIONS } from '../../../local/ghl-simulator/index.js';
import { appointmentBody, call, contactBody, createContact, simulator, taskBody } from './support.js';

describe('GHL simulator: authentication', () => {
  it('answers 401 {statusCode, message, error} without a bearer token', async () => {
    const sim = await simulator();

    const answer = await call(sim, 'GET', '/contacts/AnyContact0000000001', { token: null });

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
  });

  it('answers 401 to a token it was not configured with', async () => {
    const sim = await simulator({ tokens: ['pit-good'] });
    const answer = await call(sim, 'POST', '/contacts/', { token: 'pit-revoked', body: contactBody(sim) });
    expect(answer.status).toBe(401);
    expect(sim.state.contacts()).toEqual([]);
  });

  it('accepts any of several configured tokens (a rotation in progress)', async () => {
    const sim = await simulator({ tokens: ['pit-old', 'pit-new'] });
    const contact = await createContact(sim);

    const answer = await call(sim, 'GET', `/contacts/${contact.id}`, { token: 'pit-new' });

    expect(answer.status).toBe(200);
  });
});

describe('GHL simulator: Version header', () => {
  it('answers 401 when the Version header is missing', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/', { version: null, body: contactBody(sim) });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('Unauthorized');
  });

  it("answers 401 to /contacts with the calendars family's Version", async () => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/', { version: GHL_API_VERSIONS.calendars, body: contactBody(sim) });
    expect(answer.status).toBe(401);
  });

  it("answers 401 to /calendars with the contacts family's Version", async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', '/calendars/events/appointments', {
      version: GHL_API_VERSIONS.contacts,
      body: appointmentBody(sim, contact.id),
    });

    expect(answer.status).toBe(401);
  });
});

describe('GHL simulator: body validation', () => {
  it('answers 422 naming an unknown property', async () => {
    const sim = await simulator();

    const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { relatelId: 'r-1' }) });

    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      statusCode: 422,
      message: ['property relatelId should not exist'],
      error: 'Unprocessable Entity',
    });
  });

  it('answers 422 to locationId in a contact update, which GHL does not accept there', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'PUT', `/contacts/${contact.id}`, { body: { locationId: sim.locationId } });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual(['property locationId should not exist']);
  });

  it('answers 422 naming a missing required property', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const { dueDate: _omitted, ...withoutDueDate } = taskBody();

    const answer = await call(sim, 'POST', `/contacts/${contact.id}/tasks`, { body: withoutDueDate });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toContain('dueDate should not be empty');
    expect(sim.state.tasks()).toEqual([]);
  });

  it('answers 422 to an unknown property inside a custom field', async () => {
    const sim = await simulator();

    const answer = await call(sim, 'POST', '/contacts/', {
      body: contactBody(sim, { customFields: [{ id: 'cf1', value: 'x' }] }),
    });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual(['customFields.0.property value should not exist']);
  });

  it.each([
    ['an e-mail without a domain', { email: 'mette@' }, 'email must be an email'],
    ['a phone number that is not E.164', { phone: '20 12 34 56' }, 'phone must be a valid phone number'],
    ['a boolean sent as a string', { dnd: 'true' }, 'dnd must be a boolean value'],
    ['tags that are not a list', { tags: 'vip' }, 'tags must be an array'],
  ])('answers 422 to %s', async (_case, fields, message) => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, fields) });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual([message]);
  });

  it('answers 422 to a due date that is not ISO 8601', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', `/contacts/${contact.id}/tasks`, { body: taskBody({ dueDate: '02/03/2026' }) });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual(['dueDate must be a valid ISO 8601 date string']);
  });

  it.each([
    ['a start time without an offset', { startTime: '2026-03-02T10:00:00' }, 'startTime must be a valid ISO 8601 date string with a time zone offset'],
    ['an unknown status', { appointmentStatus: 'booked' }, 'appointmentStatus must be one of the following values: new, confirmed, cancelled, showed, noshow, invalid'],
    ['an end before the start', { startTime: '2026-03-02T11:00:00+01:00', endTime: '2026-03-02T10:00:00+01:00' }, 'endTime must be after startTime'],
  ])('answers 422 to an appointment with %s', async (_case, fields, message) => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id, fields) });

    expect(answer.status).toBe(422);
    expect(answer.body.message).toEqual([message]);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const sim = await simulator();
    const response = await fetch(`${sim.url}/contacts/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.tokens[0]}`, Version: GHL_API_VERSIONS.contacts, 'Content-Type': 'application/json' },
      body: '{"locationId":',
    });
    expect(response.status).toBe(400);
  });

  it('answers 403 to a contact for another location', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { locationId: 'OtherLocation0000001' }) });
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe('The token does not have access to this location.');
  });
});

describe('GHL simulator: every answer', () => {
  it('carries a trace id header, also on success', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim) });
    expect(answer.headers.get('x-trace-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with 404 in NestJS shape', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'PATCH', '/contacts/AnyContact0000000001');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ statusCode: 404, message: 'Cannot PATCH /contacts/AnyContact0000000001' });
  });

  it('logs each request with method, path without query, operation, status and duration', async () => {
    const sim = await simulator();
    await call(sim, 'GET', `/contacts/?locationId=${sim.locationId}&query=mette@example.dk`);

    expect(sim.state.requests()).toEqual([
      expect.objectContaining({
        seq: 1,
        method: 'GET',
        path: '/contacts/',
        operation: 'contacts.list',
        status: 200,
        durationMs: expect.any(Number),
        faults: [],
      }),
    ]);
    expect(sim.state.counters()).toMatchObject({ total: 1, byStatus: { '200': 1 }, byOperation: { 'contacts.list': 1 } });
  });
});
