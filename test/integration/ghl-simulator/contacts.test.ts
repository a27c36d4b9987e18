import { describe, expect, it } from 'vitest';
import { call, contactBody, createContact, simulator } from './support.js';

const GHL_ID = /^[A-Za-z0-9]{20}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GHL simulator: contacts', () => {
  it('creates a contact: 201 {contact} with a GHL id, timestamps and the fields sent', async () => {
    const sim = await simulator();
    const body = contactBody(sim, { firstName: 'Mette', companyName: 'Hansen ApS', dnd: false });

    const answer = await call(sim, 'POST', '/contacts/', { body });

    expect(answer.status).toBe(201);
    expect(answer.body.contact).toMatchObject({
      locationId: sim.locationId,
      firstName: 'Mette',
      email: body['email'],
      companyName: 'Hansen ApS',
      dnd: false,
    });
    expect(answer.body.contact.id).toMatch(GHL_ID);
    expect(answer.body.contact.dateAdded).toMatch(ISO_TIMESTAMP);
    expect(answer.body.contact.dateUpdated).toBe(answer.body.contact.dateAdded);
    expect(sim.state.contacts()).toEqual([answer.body.contact]);
  });

  it('stores phone numbers as E.164 without separators', async () => {
    const sim = await simulator();
    const contact = await createContact(sim, { phone: '+45 20 12-34 56' });
    expect(contact['phone']).toBe('+4520123456');
  });

  it('answers GET /contacts/{id} with {contact}', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const answer = await call(sim, 'GET', `/contacts/${contact.id}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ contact });
  });

  it('updates a contact: 200 {succeded: true, contact} (GHL spelling) with the changes merged', async () => {
    const sim = await simulator();
    const contact = await createContact(sim, { firstName: 'Mette', city: 'Aarhus' });

    const answer = await call(sim, 'PUT', `/contacts/${contact.id}`, { body: { city: 'Odense' } });

    expect(answer.status).toBe(200);
    expect(answer.body.succeded).toBe(true);
    expect(answer.body.contact).toMatchObject({ id: contact.id, firstName: 'Mette', city: 'Odense' });
    expect(sim.state.contact(contact.id)?.['city']).toBe('Odense');
  });

  it('clears a field updated to null', async () => {
    const sim = await simulator();
    const contact = await createContact(sim, { city: 'Aarhus' });
    await call(sim, 'PUT', `/contacts/${contact.id}`, { body: { city: null } });
    expect(sim.state.contact(contact.id)).not.toHaveProperty('city');
  });

  it('merges custom fields by id and reads them back as {id, value}', async () => {
    const sim = await simulator();
    const contact = await createContact(sim, {
      customFields: [
        { id: 'cfRelatelId000000001', field_value: 'rel-1' },
        { id: 'cfSegment00000000001', key: 'segment', field_value: 'b2b' },
      ],
    });

    await call(sim, 'PUT', `/contacts/${contact.id}`, {
      body: { customFields: [{ id: 'cfSegment00000000001', field_value: 'b2c' }] },
    });

    expect(sim.state.contact(contact.id)?.customFields).toEqual([
      { id: 'cfRelatelId000000001', value: 'rel-1' },
      { id: 'cfSegment00000000001', value: 'b2c' },
    ]);
  });

  it('deletes a contact with its tasks and notes: 200 {succeded: true}, then 400 not found', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    await call(sim, 'POST', `/contacts/${contact.id}/tasks`, {
      body: { title: 'Call', dueDate: '2026-03-02T09:00:00Z', completed: false },
    });
    await call(sim, 'POST', `/contacts/${contact.id}/notes`, { body: { body: 'Hello' } });

    const answer = await call(sim, 'DELETE', `/contacts/${contact.id}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ succeded: true });
    expect((await call(sim, 'GET', `/contacts/${contact.id}`)).status).toBe(400);
    expect(sim.state.tasks()).toEqual([]);
    expect(sim.state.notes()).toEqual([]);
  });

  it('answers an unknown contact id with 400 "Contact not found" (BadRequestDTO, as the spec documents), with a traceId', async () => {
    const sim = await simulator();

    const answer = await call(sim, 'GET', '/contacts/NoSuchContact0000001');

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, message: 'Contact not found' });
    expect(answer.body.traceId).toBe(answer.headers.get('x-trace-id'));
  });

  describe('the no-duplicate rule', () => {
    it('refuses a second contact with the same e-mail: 400 with meta.contactId and matchingField', async () => {
      const sim = await simulator();
      const first = await createContact(sim, { email: 'Lars@Example.dk' });

      const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { email: 'lars@example.dk' }) });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        statusCode: 400,
        message: 'This location does not allow duplicated contacts.',
        meta: { contactId: first.id, matchingField: 'email' },
      });
      expect(sim.state.contacts()).toHaveLength(1);
    });

    it('matches phone numbers however they are written', async () => {
      const sim = await simulator();
      const first = await createContact(sim, { phone: '+4520998877' });

      const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { phone: '+45 20 99 88 77' }) });

      expect(answer.status).toBe(400);
      expect(answer.body.meta).toEqual({ contactId: first.id, matchingField: 'phone' });
    });

    it('refuses an update that would make a duplicate', async () => {
      const sim = await simulator();
      const first = await createContact(sim);
      const second = await createContact(sim);

      const answer = await call(sim, 'PUT', `/contacts/${second.id}`, { body: { email: first['email'] } });

      expect(answer.status).toBe(400);
      expect(answer.body.meta.contactId).toBe(first.id);
    });

    it('allows duplicates when the location does', async () => {
      const sim = await simulator({ allowDuplicates: true });
      await createContact(sim, { email: 'same@example.dk' });

      const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { email: 'same@example.dk' }) });

      expect(answer.status).toBe(201);
    });
  });

  describe('upsert', () => {
    it('creates when nothing matches: 200 {new: true, contact, traceId}', async () => {
      const sim = await simulator();

      const answer = await call(sim, 'POST', '/contacts/upsert', { body: contactBody(sim) });

      expect(answer.status).toBe(200);
      expect(answer.body.new).toBe(true);
      expect(answer.body.contact.id).toMatch(GHL_ID);
      expect(answer.body.traceId).toEqual(expect.any(String));
    });

    it('updates the contact with the same e-mail: {new: false} and the same id', async () => {
      const sim = await simulator();
      const existing = await createContact(sim, { email: 'ida@example.dk', city: 'Aarhus' });

      const answer = await call(sim, 'POST', '/contacts/upsert', {
        body: contactBody(sim, { email: 'IDA@example.dk', city: 'Vejle' }),
      });

      expect(answer.body.new).toBe(false);
      expect(answer.body.contact.id).toBe(existing.id);
      expect(sim.state.contacts()).toHaveLength(1);
      expect(sim.state.contact(existing.id)?.['city']).toBe('Vejle');
    });

    it('falls back to the phone number when the e-mail matches nobody', async () => {
      const sim = await simulator();
      const existing = await createContact(sim, { phone: '+4522334455' });

      const answer = await call(sim, 'POST', '/contacts/upsert', {
        body: contactBody(sim, { email: 'new.address@example.dk', phone: '+4522334455' }),
      });

      expect(answer.body).toMatchObject({ new: false, contact: { id: existing.id, email: 'new.address@example.dk' } });
    });

    it('follows the configured match order', async () => {
      const sim = await simulator({ duplicateMatchOrder: ['phone', 'email'] });
      const byEmail = await createContact(sim, { email: 'a@example.dk', phone: '+4511111111' });
      const byPhone = await createContact(sim, { email: 'b@example.dk', phone: '+4522222222' });

      const answer = await call(sim, 'POST', '/contacts/upsert', {
        body: contactBody(sim, { email: 'a@example.dk', phone: '+4522222222' }),
      });

      expect(answer.body.contact.id).toBe(byPhone.id);
      // The e-mail belongs to another contact: GHL drops it rather than make a duplicate.
      expect(sim.state.contact(byPhone.id)?.email).toBe('b@example.dk');
      expect(sim.state.contact(byEmail.id)?.email).toBe('a@example.dk');
    });

    it('creates a new contact when asked and the location allows duplicates', async () => {
      const sim = await simulator({ allowDuplicates: true });
      await createContact(sim, { email: 'twin@example.dk' });

      const answer = await call(sim, 'POST', '/contacts/upsert', {
        body: contactBody(sim, { email: 'twin@example.dk', createNewIfDuplicateAllowed: true }),
      });

      expect(answer.body.new).toBe(true);
      expect(sim.state.contacts()).toHaveLength(2);
    });
  });

  describe('tags', () => {
    it('lower-cases tags on create and keeps each once', async () => {
      const sim = await simulator();
      const contact = await createContact(sim, { tags: ['VIP', ' Relatel ', 'vip'] });
      expect(contact['tags']).toEqual(['vip', 'relatel']);
    });

    it('adds tags: 201 {tags} with all of the contact tags, lower-cased', async () => {
      const sim = await simulator();
      const contact = await createContact(sim, { tags: ['customer'] });

      const answer = await call(sim, 'POST', `/contacts/${contact.id}/tags`, { body: { tags: ['Hot Lead', 'CUSTOMER'] } });

      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({ tags: ['customer', 'hot lead'] });
      expect(sim.state.contact(contact.id)?.tags).toEqual(['customer', 'hot lead']);
    });

    it('removes tags whatever their case: 200 {tags} with what is left', async () => {
      const sim = await simulator();
      const contact = await createContact(sim, { tags: ['customer', 'hot lead'] });

      const answer = await call(sim, 'DELETE', `/contacts/${contact.id}/tags`, { body: { tags: ['Hot Lead'] } });

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ tags: ['customer'] });
    });

    it('replaces every tag when an update body carries tags', async () => {
      const sim = await simulator();
      const contact = await createContact(sim, { tags: ['customer', 'hot lead'] });
      await call(sim, 'PUT', `/contacts/${contact.id}`, { body: { tags: ['Partner'] } });
      expect(sim.state.contact(contact.id)?.tags).toEqual(['partner']);
    });
  });

  describe('listing', () => {
    it('lists the location contacts: {contacts, count}, filtered by query', async () => {
      const sim = await simulator();
      const wanted = await createContact(sim, { firstName: 'Soren', lastName: 'Kirkegaard' });
      await createContact(sim, { firstName: 'Karen', lastName: 'Blixen' });

      const answer = await call(sim, 'GET', `/contacts/?locationId=${sim.locationId}&query=kirkegaard`);

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ contacts: [wanted], count: 1 });
    });

    it('pages with limit and startAfterId', async () => {
      const sim = await simulator();
      const [, second, third] = [await createContact(sim), await createContact(sim), await createContact(sim)];

      const firstPage = await call(sim, 'GET', `/contacts/?locationId=${sim.locationId}&limit=1`);
      const nextPage = await call(sim, 'GET', `/contacts/?locationId=${sim.locationId}&limit=2&startAfterId=${firstPage.body.contacts[0].id}`);

      expect(firstPage.body.count).toBe(3);
      expect(nextPage.body.contacts.map((c: { id: string }) => c.id)).toEqual([second?.id, third?.id]);
    });

    it('refuses another location with 403', async () => {
      const sim = await simulator();
      const answer = await call(sim, 'GET', '/contacts/?locationId=OtherLocation0000001');
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('lists the contacts of a business', async () => {
      const sim = await simulator();
      const member = sim.seedContact({ firstName: 'Ole', businessId: 'Business000000000001' });
      await createContact(sim);

      const answer = await call(sim, 'GET', `/contacts/business/Business000000000001?locationId=${sim.locationId}`);

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ contacts: [member], count: 1 });
    });
  });
});
