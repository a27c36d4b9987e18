/** The Relatel simulator's contacts API: shapes, paging, lookup by number, validation, auth. */
import { describe, expect, it } from 'vitest';
import { call, relatelSimulator, seedContacts } from './support.js';

describe('Relatel simulator: contacts', () => {
  it('creates a contact wrapped by resource name, with the number as Relatel keeps it, and reads it back', async () => {
    const sim = await relatelSimulator({ firstId: 500 });

    const created = await call(sim, 'POST', '/contacts', { body: { contact: { name: ' Mette Hansen ', number: '+45 71 99-99 99', email: 'mette@example.dk' } } });
    const read = await call(sim, 'GET', '/contacts/500');

    expect(created.status).toBe(201);
    expect(created.body).toEqual({ contact: { id: 500, name: 'Mette Hansen', number: '4571999999', number_formatted: '+45 71 99 99 99', email: 'mette@example.dk' } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect((await call(sim, 'POST', '/contacts', { body: { contact: { name: 'Jonas' } } })).body.contact.id).toBe(501);
  });

  it('updates only the fields sent; null or an empty string clears one; id and number_formatted are ignored', async () => {
    const sim = await relatelSimulator();
    sim.seedContact({ id: 7, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' });

    const updated = await call(sim, 'PUT', '/contacts/7', { body: { contact: { email: null, number: '0046701234567', id: 99, number_formatted: 'x', colour: 'red' } } });

    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ contact: { id: 7, name: 'Mette Hansen', number: '46701234567', number_formatted: '+46701234567', email: null } });
    expect(sim.state.contact(7)).toEqual(updated.body.contact);
    expect((await call(sim, 'PUT', '/contacts/7', { body: { contact: { number: '' } } })).body.contact).toMatchObject({ number: null, number_formatted: null });
  });

  it('deletes a contact (204, no body); it is then not found, and a second delete is a 404', async () => {
    const sim = await relatelSimulator();
    sim.seedContact({ id: 7, name: 'Mette Hansen' });

    const deleted = await call(sim, 'DELETE', '/contacts/7');

    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expect(await call(sim, 'GET', '/contacts/7')).toMatchObject({ status: 404, body: { error: 'Not found' } });
    expect((await call(sim, 'DELETE', '/contacts/7')).status).toBe(404);
    expect(sim.state.contacts()).toEqual([]);
  });

  it('answers 404 for an unknown id, an id that is not a number, and an update of a missing contact', async () => {
    const sim = await relatelSimulator();

    expect((await call(sim, 'GET', '/contacts/12345')).status).toBe(404);
    expect((await call(sim, 'GET', '/contacts/abc')).status).toBe(404);
    expect((await call(sim, 'PUT', '/contacts/12345', { body: { contact: { name: 'X' } } })).status).toBe(404);
  });

  describe('the list', () => {
    it('pages in id order with id_gt_or_eq and limit: every contact once', async () => {
      const sim = await relatelSimulator();
      seedContacts(sim, 250, 1);

      const pages: number[][] = [];
      let fromId = 1;
      for (;;) {
        const page = await call(sim, 'GET', `/contacts?limit=100&id_gt_or_eq=${fromId}`);
        const ids = (page.body.contacts as { id: number }[]).map((contact) => contact.id);
        pages.push(ids);
        if (ids.length < 100) break;
        fromId = (ids.at(-1) as number) + 1;
      }

      expect(pages.map((ids) => ids.length)).toEqual([100, 100, 50]);
      expect(pages.flat()).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    });

    it('includes the contact whose id equals id_gt_or_eq', async () => {
      const sim = await relatelSimulator();
      seedContacts(sim, 5, 10);

      const page = await call(sim, 'GET', '/contacts?id_gt_or_eq=12&limit=2');

      expect(page.body.contacts.map((c: { id: number }) => c.id)).toEqual([12, 13]);
    });

    it('serves at most 100 per page, whatever the limit asked', async () => {
      const sim = await relatelSimulator();
      seedContacts(sim, 120);

      expect((await call(sim, 'GET', '/contacts?limit=500')).body.contacts).toHaveLength(100);
      expect((await call(sim, 'GET', '/contacts')).body.contacts).toHaveLength(100);
    });

    it('answers 400 to a limit or id_gt_or_eq that is not a positive integer', async () => {
      const sim = await relatelSimulator();

      expect((await call(sim, 'GET', '/contacts?limit=0')).status).toBe(400);
      expect((await call(sim, 'GET', '/contacts?limit=ten')).status).toBe(400);
      expect((await call(sim, 'GET', '/contacts?id_gt_or_eq=-1')).status).toBe(400);
    });
  });

  describe('lookup by number', () => {
    it('finds every contact with the number, however the number is written', async () => {
      const sim = await relatelSimulator();
      sim.seedContact({ id: 1, name: 'Mette', number: '4571999999' });
      sim.seedContact({ id: 2, name: 'Jonas', number: '4522334455' });
      sim.seedContact({ id: 3, name: 'Mette (mobil)', number: '+45 71 99 99 99' });

      const plain = await call(sim, 'GET', '/contacts?number=4571999999');
      const typed = await call(sim, 'GET', `/contacts?number=${encodeURIComponent('+45 71 99 99 99')}`);

      expect(plain.body.contacts.map((c: { id: number }) => c.id)).toEqual([1, 3]);
      expect(typed.body).toEqual(plain.body);
      expect(sim.state.requests().map((r) => r.operation)).toEqual(['contacts.lookup', 'contacts.lookup']);
    });

    it('finds nothing for a number no contact has, or one that is not a number', async () => {
      const sim = await relatelSimulator();
      sim.seedContact({ id: 1, name: 'Mette', number: '4571999999' });

      expect((await call(sim, 'GET', '/contacts?number=4500000000')).body).toEqual({ contacts: [] });
      expect((await call(sim, 'GET', '/contacts?number=hello')).body).toEqual({ contacts: [] });
    });
  });

  describe('refusals', () => {
    it('answers 422 naming every invalid field, and writes nothing', async () => {
      const sim = await relatelSimulator();

      const answer = await call(sim, 'POST', '/contacts', { body: { contact: { name: '  ', number: '12 34', email: 'not-an-email' } } });

      expect(answer.status).toBe(422);
      expect(answer.body).toEqual({ errors: { name: ["can't be blank"], number: ['is invalid'], email: ['is invalid'] } });
      expect(sim.state.contacts()).toEqual([]);
    });

    it('answers 422 to a blank name in an update', async () => {
      const sim = await relatelSimulator();
      sim.seedContact({ id: 7, name: 'Mette' });

      const answer = await call(sim, 'PUT', '/contacts/7', { body: { contact: { name: '' } } });

      expect(answer).toMatchObject({ status: 422, body: { errors: { name: ["can't be blank"] } } });
      expect(sim.state.contact(7)?.name).toBe('Mette');
    });

    it('answers 400 to a body without the contact wrapper, an empty one, or one that is not JSON', async () => {
      const sim = await relatelSimulator();

      expect(await call(sim, 'POST', '/contacts', { body: { name: 'Mette' } })).toMatchObject({ status: 400, body: { error: 'param is missing or the value is empty: contact' } });
      expect((await call(sim, 'POST', '/contacts', { body: { contact: {} } })).status).toBe(400);
      expect((await call(sim, 'POST', '/contacts', { rawBody: '{"contact":' })).status).toBe(400);
    });

    it('answers 401 with WWW-Authenticate to a missing or wrong token, and serves nothing', async () => {
      const sim = await relatelSimulator();
      sim.seedContact({ id: 7, name: 'Mette' });

      const missing = await call(sim, 'GET', '/contacts/7', { token: null });
      const wrong = await call(sim, 'GET', '/contacts/7', { token: 'revoked-token' });

      for (const answer of [missing, wrong]) {
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
        expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
    });

    it('accepts every configured token (a rotation in progress)', async () => {
      const sim = await relatelSimulator({ tokens: ['old-token', 'new-token'] });

      expect((await call(sim, 'GET', '/contacts', { token: 'old-token' })).status).toBe(200);
      expect((await call(sim, 'GET', '/contacts', { token: 'new-token' })).status).toBe(200);
    });

    it('answers 404 to a path Relatel does not have, before asking for a token', async () => {
      const sim = await relatelSimulator();

      expect((await call(sim, 'GET', '/tasks', { token: null })).status).toBe(404);
      expect((await call(sim, 'PATCH', '/contacts/1')).status).toBe(404);
      expect(sim.state.requests().map((r) => r.operation)).toEqual(['unknown', 'unknown']);
    });
  });
});
