/** The contacts consumer against the GHL simulator: linking, deletes and thin payloads. */
import { describe, expect, it } from 'vitest';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import { relatelContact, relatelEvent } from '../../factories/relatel-events.js';
import { ghlRequests, harnessPerTest } from './harness.js';

const harness = harnessPerTest();

const operations = (h: { ghl: Parameters<typeof ghlRequests>[0] }) => ghlRequests(h.ghl).map((request) => `${request.operation} ${request.status}`);

describe('contacts consumer', () => {
  describe('a new contact', () => {
    it('is created with its tags in one GHL call where the location forbids duplicate contacts', async () => {
      const h = await harness();

      await h.sync(relatelEvent('contact.created', { payload: relatelContact({ tags: ['kunde', 'vip'] }) }));

      // The location's rule is read once per Lambda environment, not per contact.
      expect(operations(h)).toEqual(['locations.get 200', 'contacts.create 201']);
      expect(h.ghl.state.contacts()[0]?.tags.sort()).toEqual(['kunde', 'vip']);
      await h.sync(relatelEvent('contact.created', { payload: relatelContact({ id: 2, email: 'anden@example.dk', number: '4522334455' }) }));
      expect(operations(h).slice(2)).toEqual(['contacts.create 201']);
    });

    it('is written by upsert and the tag call where the location allows duplicates, linking the contact GHL has instead of adding a second', async () => {
      const h = await harness({ simulator: { allowDuplicates: true } });
      const existing = h.ghl.seedContact({ email: 'mette.hansen@example.dk', firstName: 'Mette', tags: ['webinar-lead'] });

      await h.sync(relatelEvent('contact.created', { payload: relatelContact({ email: 'mette.hansen@example.dk', tags: ['kunde'] }) }));

      expect(operations(h)).toEqual(['locations.get 200', 'contacts.upsert 200', 'tags.add 201']);
      expect(h.ghl.state.contacts()).toHaveLength(1);
      expect(h.ghl.state.contacts()[0]).toMatchObject({ id: existing.id });
      expect(h.ghl.state.contacts()[0]?.tags.sort()).toEqual(['kunde', 'webinar-lead']);
    });

    it('is written by upsert and the tag call when the token may not read the location (no locations.readonly), with one warning saying so', async () => {
      const h = await harness({ simulator: { missingScopes: ['locations.readonly'] } });

      await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
      await h.sync(relatelEvent('contact.created', { payload: relatelContact({ id: 2, email: 'anden@example.dk', number: '4522334455' }) }));

      expect(operations(h)).toEqual(['locations.get 401', 'contacts.upsert 200', 'tags.add 201', 'contacts.upsert 200', 'tags.add 201']);
      expect(h.logs.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([expect.stringContaining('locations.readonly')]);
      expect(h.ghl.state.contacts()).toHaveLength(2);
    });

    it.each([
      ['forbids', false],
      ['allows', true],
    ])('without an e-mail or phone for GHL to match by, is created by one POST /contacts/ with its tags where the location %s duplicates (an upsert would be a create no retry could find)', async (_, allowDuplicates) => {
      const h = await harness({ simulator: { allowDuplicates } });

      await h.sync(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null, tags: ['kunde'] }) }));

      expect(operations(h)).toEqual(['contacts.create 201']);
      expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Mette Kirstine', lastName: 'Hansen', tags: ['kunde'] }]);
    });

    it.each([
      ['answered 5xx', { afterWriteServerErrorRate: 1 }],
      ['never answered', { afterWriteTimeoutRate: 1 }],
    ])('whose create GHL applied but %s is not duplicated, and a newer version drops the tags it no longer has', async (_, faults) => {
      const h = await harness();
      h.ghl.setFaults(faults);
      const created = relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ tags: ['kunde', 'vip'] }) });
      await h.receive([h.recordFor(created, { receiveCount: h.maxReceiveCount })]);
      h.ghl.setFaults({ afterWriteServerErrorRate: 0, afterWriteTimeoutRate: 0 });
      expect(h.ghl.state.contacts()[0]?.tags.sort()).toEqual(['kunde', 'vip']);

      await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelContact({ tags: ['kunde'] }) }));

      expect(h.parked).toHaveLength(1);
      expect(h.ghl.state.contacts()).toHaveLength(1);
      expect(h.ghl.state.contacts()[0]?.tags.sort()).toEqual(['kunde']);
    });
  });

  it('leaves the company of a contact without e-mail and phone alone when it changes, sends no upsert GHL cannot match, and records a mapping issue', async () => {
    const h = await harness();
    const unmatchable = { email: null, number: null, company: 'Hansen Tømrer ApS' };
    await h.sync(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact(unmatchable) }));
    const before = ghlRequests(h.ghl).length;
    h.logs.length = 0;

    const renamed = { ...unmatchable, name: 'Mette Jensen', company: 'Jensen Snedker ApS' };
    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelContact(renamed) }));
    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:10:00.000Z', payload: relatelContact(renamed) }));

    expect(operations(h).slice(before)).toEqual(['contacts.update 200']);
    expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Mette', lastName: 'Jensen', companyName: 'Hansen Tømrer ApS' }]);
    const issues = h.logs.filter((line) => line.message === 'Fields left out of the GHL body').map((line) => line.fields['issues']);
    expect(issues).toEqual([
      [{ field: 'company', reason: 'company-needs-email-or-phone' }],
      [{ field: 'company', reason: 'company-needs-email-or-phone' }],
    ]);
    expect(h.parked).toEqual([]);
  });

  it('links a contact that is already in GHL with the same e-mail instead of duplicating it, keeping its GHL tags', async () => {
    const h = await harness();
    const existing = h.ghl.seedContact({ email: 'Mette.Hansen@example.dk', firstName: 'Mette', tags: ['webinar-lead'] });

    await h.sync(relatelEvent('contact.created', { payload: relatelContact({ email: 'mette.hansen@example.dk', tags: ['kunde'] }) }));

    const contacts = h.ghl.state.contacts();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.id).toBe(existing.id);
    expect(contacts[0]?.tags.sort()).toEqual(['kunde', 'webinar-lead']);
    expect((await h.state.get('contacts', '481516'))?.ghlId).toBe(existing.id);
  });

  it('deletes a deleted contact in GHL, and a later update does not bring it back', async () => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact() }));
    await h.sync(relatelEvent('contact.deleted', { occurred_at: '2026-03-02T08:05:00.000Z', payload: { id: 481516 } }));
    expect(h.ghl.state.contacts()).toEqual([]);
    const requestsAfterDelete = ghlRequests(h.ghl).length;

    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:10:00.000Z', payload: relatelContact({ name: 'Mette Jensen' }) }));

    expect(h.ghl.state.contacts()).toEqual([]);
    expect(ghlRequests(h.ghl)).toHaveLength(requestsAfterDelete);
  });

  it('hydrates a contact event that carries only an id from the Relatel API and writes it', async () => {
    const asked: string[] = [];
    const relatel: RelatelClient = {
      getContact: async (id) => {
        asked.push(id);
        return { id: Number(id), name: 'Jonas Birk', number: '4522334455', email: 'jonas@birk.dk' };
      },
      listContacts: async () => [],
    };
    const h = await harness({ relatel });

    await h.sync(relatelEvent('contact.updated', { payload: { id: 777 } }));

    expect(asked).toEqual(['777']);
    expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Jonas', lastName: 'Birk', email: 'jonas@birk.dk', phone: '+4522334455' }]);
  });

  it('parks a contact event that carries only an id when no Relatel API token is configured, with reason hydration-unavailable', async () => {
    const h = await harness();

    await h.sync(relatelEvent('contact.updated', { payload: { id: 777 } }));

    expect(h.parked.map((p) => p.failure)).toMatchObject([{ reason: 'hydration-unavailable', kind: 'permanent', receiveCount: 1 }]);
    expect(ghlRequests(h.ghl)).toEqual([]);
  });
});
