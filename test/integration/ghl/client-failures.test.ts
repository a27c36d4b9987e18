/**
 * How the client turns GHL's failures into the error taxonomy, and the special answers it
 * turns into results: duplicates to link, deletes of records already gone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryRateBudgetStore, withinTimeLimit } from '../../../lib/ghl/index.js';
import { rateBudgetKey } from '../../../lib/ghl/rate-limiter.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { ghlErrors, startSpecCheckingGhlServer, type SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { clientFor, LOCATION_ID, ONE_ATTEMPT, pitSecret, PIT_TOKEN, SECRET_ID } from './harness.js';

describe('GHL client failures', () => {
  let server: SpecCheckingGhlServer;
  beforeAll(async () => {
    server = await startSpecCheckingGhlServer([PIT_TOKEN]);
  });
  afterAll(() => server.close());
  afterEach(() => {
    expect(server.violations).toEqual([]);
    expect(server.unusedScripts).toBe(0);
    server.requests.length = 0;
  });

  describe('errors by status', () => {
    it.each([
      [400, ghlErrors.badRequest('Bad Request')],
      [403, ghlErrors.forbidden()],
      [404, ghlErrors.notFound()],
      [422, ghlErrors.unprocessable(['title should not be empty'])],
    ])('%i is permanent: not retried, with status, reason and traceId', async (status, body) => {
      server.script('update-task', { status, body });
      const { client } = clientFor(server);
      const error = await client.updateTask('contact-1', 'task-1', { title: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'permanent', reason: `ghl-${status}`, status, traceId: body.traceId });
      expect(server.requests).toHaveLength(1);
    });

    it.each([500, 502, 503])('%i is transient and retried with backoff', async (status) => {
      server.script('get-contact', { status, body: ghlErrors.serverError() });
      const { client, clock } = clientFor(server);
      await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
      expect(server.requests).toHaveLength(2);
      expect(clock.sleeps).toHaveLength(1);
    });

    it('a transient failure that persists surfaces after the bounded attempts', async () => {
      server.script('get-contact', { status: 503, body: ghlErrors.serverError() }, 3);
      const { client } = clientFor(server);
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-503', status: 503 });
      expect(server.requests).toHaveLength(3);
    });

    it('a create that failed with a 5xx is not retried in process: GHL may have written it', async () => {
      server.script('create-task', { status: 503, body: ghlErrors.serverError() });
      const { client } = clientFor(server);
      const body = { title: 'Call back', dueDate: '2026-11-28T10:00:00Z', completed: false };
      await expect(client.createTask('contact-1', body)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-503' });
      expect(server.requests).toHaveLength(1);
    });

    it('a create answered 429 is retried in process: GHL rejected it before writing', async () => {
      server.script('create-note', {
        status: 429,
        body: ghlErrors.tooManyRequests(),
        headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Interval-Milliseconds': '1000' },
      });
      const { client } = clientFor(server);
      await expect(client.createNote('contact-1', { body: 'Called' })).resolves.toMatchObject({ id: expect.any(String) });
      expect(server.requests).toHaveLength(2);
    });

    it('a 422 that echoes personal data keeps only property names in the error', async () => {
      server.script('create-note', { status: 422, body: ghlErrors.unprocessable(['body must be shorter than 5000 (Anna Jensen, +4512345678)']) });
      const { client } = clientFor(server);
      const error = (await client.createNote('contact-1', { body: 'Anna Jensen +4512345678' }).catch((e: unknown) => e)) as Error;
      expect(error.message).toBe('GHL answered 422 to POST /contacts/contact-1/notes: invalid properties: body');
    });

    it('a success answer without the fields the sync needs is transient (GHL may have written), not retried', async () => {
      server.script('create-contact', { status: 201, body: { contact: { firstName: 'no id' } } });
      const { client } = clientFor(server);
      await expect(client.createContact({ firstName: 'Anna' })).rejects.toMatchObject({
        kind: 'transient',
        reason: 'ghl-answer-unexpected',
        message: expect.stringContaining('contact.id'),
      });
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('rate limiting', () => {
    it('a 429 waits the interval GHL reports, then succeeds', async () => {
      server.script('get-contact', {
        status: 429,
        body: ghlErrors.tooManyRequests(),
        headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Interval-Milliseconds': '7000' },
      });
      const { client, clock } = clientFor(server);
      await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
      expect(server.requests).toHaveLength(2);
      expect(clock.sleeps).toEqual([7000]);
    });

    it('a 429 asking a longer wait than a Lambda should spend goes back to the queue', async () => {
      server.script('get-contact', { status: 429, body: ghlErrors.tooManyRequests(), headers: { 'X-RateLimit-Interval-Milliseconds': '60000' } });
      const { client } = clientFor(server);
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-429', retryAfterMs: 60_000 });
      expect(server.requests).toHaveLength(1);
    });

    it('a 429 with the daily quota spent raises ghl-daily-quota-exhausted without retrying', async () => {
      server.script('get-contact', { status: 429, body: ghlErrors.tooManyRequests(), headers: { 'X-RateLimit-Daily-Remaining': '0' } });
      const { client } = clientFor(server);
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-daily-quota-exhausted' });
      expect(server.requests).toHaveLength(1);
    });

    it('after an answer reporting no daily requests left, the next call stops before calling GHL', async () => {
      server.script('get-contact', { status: 200, body: { contact: { id: 'contact-1' } }, headers: { 'X-RateLimit-Daily-Remaining': '0' } });
      const { client } = clientFor(server);
      await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
      await expect(client.getContact('contact-2')).rejects.toMatchObject({ reason: 'ghl-daily-quota-exhausted' });
      expect(server.requests).toHaveLength(1);
    });
  });

  describe("waits within the invocation's time left", () => {
    it('a rate wait longer than the time left sends nothing and fails with the wait, not as a GHL failure', async () => {
      const rateBudgetStore = new InMemoryRateBudgetStore();
      const { client, clock } = clientFor(server, { rateBudgetStore });
      await rateBudgetStore.pushTo(rateBudgetKey(LOCATION_ID), (clock.now() + 8_000) * 1000);
      const deadline = clock.now() + 5_000;

      const error = await withinTimeLimit(() => deadline - clock.now(), () => client.getContact('contact-1')).catch((e: unknown) => e);

      expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-rate-wait-beyond-deadline', retryAfterMs: 8_000 });
      expect((error as { status?: number }).status).toBeUndefined();
      expect(server.requests).toHaveLength(0);
      expect(clock.sleeps).toEqual([]);
    });

    it('a rate wait within the time left is waited out and the request sent', async () => {
      const rateBudgetStore = new InMemoryRateBudgetStore();
      const { client, clock } = clientFor(server, { rateBudgetStore });
      await rateBudgetStore.pushTo(rateBudgetKey(LOCATION_ID), (clock.now() + 3_000) * 1000);
      const deadline = clock.now() + 5_000;

      await expect(withinTimeLimit(() => deadline - clock.now(), () => client.getContact('contact-1'))).resolves.toMatchObject({ id: 'contact-1' });
      expect(clock.sleeps).toEqual([3_000]);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('requests without an answer', () => {
    it('a request GHL does not answer in time is a transient ghl-timeout', async () => {
      server.script('get-contact', { hang: true });
      const { client } = clientFor(server, { timeoutMs: 100, retryPolicy: ONE_ATTEMPT });
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-timeout' });
    });

    it('a timed-out request is retried', async () => {
      server.script('get-contact', { hang: true });
      const { client } = clientFor(server, { timeoutMs: 100 });
      await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
      expect(server.requests).toHaveLength(2);
    });

    it('an unreachable GHL is a transient ghl-network error', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const { client } = clientFor({ url: `http://127.0.0.1:${port}` } as SpecCheckingGhlServer, { retryPolicy: ONE_ATTEMPT });
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-network' });
    });
  });

  describe('expired or rotated credentials', () => {
    class CountingSecretStore extends InMemorySecretStore {
      reads = 0;
      override async getSecretString(...args: Parameters<InMemorySecretStore['getSecretString']>) {
        this.reads += 1;
        return super.getSecretString(...args);
      }
    }

    it('a 401 re-reads the secret once and retries with a token rotated meanwhile', async () => {
      const secretStore = new CountingSecretStore({ [SECRET_ID]: JSON.stringify(pitSecret({ token: 'old-token' })) });
      const { client } = clientFor(server, { secretStore });
      await client.getContact('warm-up').catch(() => undefined);
      await secretStore.putSecretString(SECRET_ID, JSON.stringify(pitSecret({ token: PIT_TOKEN })));
      server.requests.length = 0;

      await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
      expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old-token', `Bearer ${PIT_TOKEN}`]);
    });

    it('a 401 with a secret that did not change is an auth error after one re-read', async () => {
      const secretStore = new CountingSecretStore({ [SECRET_ID]: JSON.stringify(pitSecret({ token: 'revoked-token' })) });
      const { client } = clientFor(server, { secretStore });
      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'auth', reason: 'ghl-401', status: 401 });
      expect(secretStore.reads).toBe(2);
      expect(server.requests).toHaveLength(1);
    });

    it('a 401 that persists with the re-read token is an auth error, not retried again', async () => {
      // The old token is refused by the server itself; the re-read one by this script.
      server.script('get-contact', { status: 401, body: ghlErrors.unauthorized() });
      const secretStore = new InMemorySecretStore({ [SECRET_ID]: JSON.stringify(pitSecret({ token: 'old-token' })) });
      const { client } = clientFor(server, { secretStore });
      await client.listContacts().catch(() => undefined);
      await secretStore.putSecretString(SECRET_ID, JSON.stringify(pitSecret()));
      server.requests.length = 0;

      await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'auth', reason: 'ghl-401' });
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('answers that are results, not errors', () => {
    it('creating a contact a no-duplicates location already has answers the contact to link', async () => {
      server.script('create-contact', { status: 400, body: ghlErrors.duplicateContact('existing-1', 'phone') });
      const { client } = clientFor(server);
      await expect(client.createContact({ phone: '+4512345678' })).resolves.toEqual({
        outcome: 'duplicate',
        contactId: 'existing-1',
        matchingField: 'phone',
      });
    });

    it('a duplicate answer that does not name the contact is still a duplicate, for the caller to link by upsert', async () => {
      server.script('create-contact', { status: 400, body: { statusCode: 400, message: 'This location does not allow duplicated contacts.' } });
      const { client } = clientFor(server);
      await expect(client.createContact({ phone: '+4512345678' })).resolves.toEqual({ outcome: 'duplicate' });
    });

    it('any other 400 on create stays a permanent error', async () => {
      server.script('create-contact', { status: 400, body: ghlErrors.badRequest('Invalid phone') });
      const { client } = clientFor(server);
      await expect(client.createContact({ phone: 'x' })).rejects.toMatchObject({ kind: 'permanent', reason: 'ghl-400' });
    });

    it('a token without the locations.readonly scope reads no location settings: undefined, not an error', async () => {
      server.script('get-location', { status: 401, body: ghlErrors.unauthorized('The token is not authorized for this scope.') });
      const { client } = clientFor(server);
      await expect(client.getLocationSettings()).resolves.toBeUndefined();
      expect(server.requests).toHaveLength(1);
    });

    it('a location whose answer does not name the duplicate setting reads as no setting', async () => {
      server.script('get-location', { status: 200, body: { location: { id: LOCATION_ID, name: 'Shop' } } });
      const { client } = clientFor(server);
      await expect(client.getLocationSettings()).resolves.toEqual({});
    });

    it('upsert reports whether GHL matched an existing contact', async () => {
      server.script('upsert-contact', { status: 200, body: { new: false, contact: { id: 'existing-1' }, traceId: 't-1' } });
      const { client } = clientFor(server);
      await expect(client.upsertContact({ email: 'anna@example.dk' })).resolves.toMatchObject({ created: false, contact: { id: 'existing-1' } });
    });

    it.each([
      ['delete-contact', (c: ReturnType<typeof clientFor>['client']) => c.deleteContact('gone-1')],
      ['delete-task', (c: ReturnType<typeof clientFor>['client']) => c.deleteTask('contact-1', 'gone-1')],
      ['delete-note', (c: ReturnType<typeof clientFor>['client']) => c.deleteNote('contact-1', 'gone-1')],
      ['delete-event', (c: ReturnType<typeof clientFor>['client']) => c.deleteAppointment('gone-1')],
    ])('%s of a record already gone (404) succeeds as already-deleted', async (operation, call) => {
      server.script(operation, { status: 404, body: ghlErrors.notFound() });
      const { client } = clientFor(server);
      await expect(call(client)).resolves.toBe('already-deleted');
    });

    it('getting a record GHL does not have answers undefined', async () => {
      server.script('get-contact', { status: 404, body: ghlErrors.notFound('Contact not found') });
      const { client } = clientFor(server);
      await expect(client.getContact('missing-1')).resolves.toBeUndefined();
    });

    it('getting a record GHL does not have answers undefined on the contacts API\'s 400 "not found" too', async () => {
      server.script('get-contact', { status: 400, body: ghlErrors.badRequest('Contact not found') });
      const { client } = clientFor(server);
      await expect(client.getContact('missing-1')).resolves.toBeUndefined();
    });

    it('a 400 on a GET that does not say "not found" is an error, not an absent record', async () => {
      server.script('get-contact', { status: 400, body: ghlErrors.badRequest('Bad Request') });
      const { client } = clientFor(server);
      await expect(client.getContact('missing-1')).rejects.toMatchObject({ kind: 'permanent', reason: 'ghl-400' });
    });

    it('updating a record GHL does not have is a permanent ghl-404', async () => {
      server.script('update-contact', { status: 404, body: ghlErrors.notFound() });
      const { client } = clientFor(server);
      await expect(client.updateContact('missing-1', { firstName: 'A' })).rejects.toMatchObject({ kind: 'permanent', reason: 'ghl-404' });
    });
  });

  it('acts for the location named in the secret', async () => {
    const { client } = clientFor(server, { secret: pitSecret({ locationId: 'loc-other' }) });
    await client.listContacts();
    expect(server.requests[0]?.query.locationId).toBe('loc-other');
    expect(LOCATION_ID).not.toBe('loc-other');
  });
});
