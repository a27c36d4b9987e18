/** The contacts consumer against the GHL simulator: linking, deletes and thin payloads. */
import { describe, expect, it } from 'vitest';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import { relatelContact, relatelEvent } from '../../factories/relatel-events.js';
import { ghlRequests, harnessPerTest } from './harness.js';

const harness = harnessPerTest();

describe('contacts consumer', () => {
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
