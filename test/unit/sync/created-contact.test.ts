/** Finding a contact without e-mail and phone that an unanswered POST /contacts/ may have made. */
import { describe, expect, it } from 'vitest';
import type { GhlClient, GhlContact, GhlContactSearch } from '../../../lib/ghl/client.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { contactCreateInDoubt, findCreatedContact } from '../../../lib/sync/created-contact.js';
import type { ContactCreateInDoubt } from '../../../lib/sync/state.js';

const mapping = parseMappingConfig({});
const SENT_FROM = '2026-03-02T08:00:00.000Z';
const SENT_UNTIL = '2026-03-02T08:00:05.000Z';
const LATER = new Date('2026-03-02T08:10:00.000Z');

function doubtFor(firstName: string, lastName: string): ContactCreateInDoubt {
  const doubt = contactCreateInDoubt({ firstName, lastName }, SENT_FROM, SENT_UNTIL, mapping);
  if (doubt === undefined) throw new Error('expected a doubt');
  return doubt;
}

/** A GHL whose search answers `contacts` in pages, recording each search. */
function searchingGhl(contacts: GhlContact[]): { ghl: GhlClient; searches: GhlContactSearch[] } {
  const searches: GhlContactSearch[] = [];
  const ghl = {
    searchContacts: async (search: GhlContactSearch) => {
      searches.push(search);
      const start = (search.page - 1) * search.pageLimit;
      return contacts.slice(start, start + search.pageLimit);
    },
  } as unknown as GhlClient;
  return { ghl, searches };
}

const others = (count: number): GhlContact[] => Array.from({ length: count }, (_, i) => ({ id: `other-${i}`, firstName: 'Someone', lastName: `Else ${i}` }));

describe('contactCreateInDoubt', () => {
  it('leaves nothing to search for when GHL can match the contact by e-mail or phone', () => {
    expect(contactCreateInDoubt({ firstName: 'Mette', email: 'mette@example.dk' }, SENT_FROM, SENT_UNTIL, mapping)).toBeUndefined();
    expect(contactCreateInDoubt({ firstName: 'Mette', phone: '+4571999999' }, SENT_FROM, SENT_UNTIL, mapping)).toBeUndefined();
  });

  it('keeps the name hashed, never in clear', () => {
    const doubt = doubtFor('Mette', 'Hansen');
    expect(JSON.stringify(doubt)).not.toMatch(/mette|hansen/i);
    expect(doubt).toMatchObject({ kind: 'contact.create', sentFrom: SENT_FROM, sentUntil: SENT_UNTIL });
  });
});

describe('findCreatedContact', () => {
  it('waits until 30 s after the failed create before searching, as GHL may not show it yet', async () => {
    const { ghl, searches } = searchingGhl([]);
    const now = new Date('2026-03-02T08:00:15.000Z');

    await expect(findCreatedContact(ghl, doubtFor('Mette', 'Hansen'), mapping, now)).rejects.toMatchObject({
      kind: 'transient',
      reason: 'create-in-doubt',
      retryAfterMs: 20_000,
    });
    expect(searches).toEqual([]);
  });

  it('searches the window the create was sent in, a minute wider each side, and reads every page', async () => {
    const { ghl, searches } = searchingGhl([...others(100), { id: 'ours', firstName: 'mette ', lastName: 'HANSEN' }]);

    expect(await findCreatedContact(ghl, doubtFor('Mette', 'Hansen'), mapping, LATER)).toBe('ours');
    const window = { gte: '2026-03-02T07:59:00.000Z', lte: '2026-03-02T08:01:05.000Z' };
    expect(searches).toEqual([
      { filters: [{ field: 'dateAdded', operator: 'range', value: window }], page: 1, pageLimit: 100 },
      { filters: [{ field: 'dateAdded', operator: 'range', value: window }], page: 2, pageLimit: 100 },
    ]);
  });

  it('does not take a namesake with an e-mail or phone (ours had neither)', async () => {
    const { ghl } = searchingGhl([{ id: 'person', firstName: 'Mette', lastName: 'Hansen', phone: '+4571999999' }]);
    expect(await findCreatedContact(ghl, doubtFor('Mette', 'Hansen'), mapping, LATER)).toBeUndefined();
  });

  it('adopts neither of two namesakes', async () => {
    const { ghl } = searchingGhl([
      { id: 'a', firstName: 'Mette', lastName: 'Hansen' },
      { id: 'b', firstName: 'Mette', lastName: 'Hansen' },
    ]);
    expect(await findCreatedContact(ghl, doubtFor('Mette', 'Hansen'), mapping, LATER)).toBeUndefined();
  });

  it('with the Relatel id in a custom field, takes only the contact carrying it', async () => {
    const withId = parseMappingConfig({ contacts: { customFields: { id: 'relatelIdField000001' } } });
    const doubt = contactCreateInDoubt(
      { firstName: 'Mette', lastName: 'Hansen', customFields: [{ id: 'relatelIdField000001', field_value: '481516' }] },
      SENT_FROM,
      SENT_UNTIL,
      withId,
    )!;
    const { ghl } = searchingGhl([
      { id: 'namesake', firstName: 'Mette', lastName: 'Hansen' },
      { id: 'ours', firstName: 'Mette', lastName: 'Hansen', customFields: [{ id: 'relatelIdField000001', value: 481516 }] },
    ]);
    expect(await findCreatedContact(ghl, doubt, withId, LATER)).toBe('ours');
  });

  it('does not read "not found" into a search it could not finish (more than 20 full pages)', async () => {
    const { ghl, searches } = searchingGhl(others(2_100));
    await expect(findCreatedContact(ghl, doubtFor('Mette', 'Hansen'), mapping, LATER)).rejects.toMatchObject({ kind: 'transient', reason: 'create-in-doubt' });
    expect(searches).toHaveLength(20);
  });
});
