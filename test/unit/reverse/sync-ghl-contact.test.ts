import { describe, expect, it } from 'vitest';
import type { GhlContactEvent } from '../../../lib/events/ghl-schemas.js';
import { transientError } from '../../../lib/errors.js';
import { mapGhlContactToRelatel } from '../../../lib/mapping/relatel-contact.js';
import type { RelatelContactWriter, RelatelWrittenContact } from '../../../lib/relatel/writer.js';
import { InMemoryGhlContactLinkStore, type GhlContactLink } from '../../../lib/reverse/links.js';
import { noteRelatelContactInGhl, relatelSideVerdict } from '../../../lib/reverse/relatel-side.js';
import { planRelatelWrite, syncGhlContactEvent, type GhlContactSyncDeps } from '../../../lib/reverse/sync-ghl-contact.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';

/** Relatel's phonebook in memory, counting every request as the writer would send it. */
function fakeRelatel(initial: RelatelWrittenContact[] = []) {
  const contacts = new Map(initial.map((contact) => [String(contact.id), { ...contact }]));
  const calls: string[] = [];
  let nextId = 1000;
  let failNextCreateAfterWriting = false;
  const writer: RelatelContactWriter = {
    async createContact(values) {
      calls.push('POST');
      const contact = { id: nextId++, ...values };
      contacts.set(String(contact.id), contact);
      if (failNextCreateAfterWriting) {
        failNextCreateAfterWriting = false;
        throw transientError('Relatel did not answer POST /contacts in time', { reason: 'relatel-timeout' });
      }
      return contact;
    },
    async updateContact(id, values) {
      calls.push('PUT');
      if (!contacts.has(id)) return { outcome: 'not-found' };
      const contact = { id, name: values.name ?? null, number: values.number, email: values.email ?? null };
      contacts.set(id, contact);
      return { outcome: 'updated', contact };
    },
    async deleteContact(id) {
      calls.push('DELETE');
      return contacts.delete(id) ? 'deleted' : 'already-deleted';
    },
    async findContactsByNumber(number) {
      calls.push('GET');
      return [...contacts.values()].filter((contact) => contact.number === number);
    },
  };
  return { writer, contacts, calls, loseNextCreateAnswer: () => (failNextCreateAfterWriting = true) };
}

let webhookCounter = 0;
function ghlEvent(type: GhlContactEvent['type'], contact: Partial<GhlContactEvent['contact']> = {}, occurredAt = '2026-12-02T17:00:00.000Z'): GhlContactEvent {
  webhookCounter += 1;
  return {
    source: 'app',
    dedupId: `wh-${webhookCounter}`,
    type,
    occurredAt,
    locationId: 'loc',
    contact: { ghlId: 'ghl-1', firstName: 'Mette', lastName: 'Hansen', phone: '+4571999999', email: 'mette@example.dk', tags: [], ...contact },
  };
}

function setup(initial: RelatelWrittenContact[] = [], onlyWithTag?: string) {
  const relatel = fakeRelatel(initial);
  const links = new InMemoryGhlContactLinkStore();
  const state = new InMemorySyncStateStore();
  const deps: GhlContactSyncDeps = {
    links,
    state,
    relatel: relatel.writer,
    mapping: { defaultCountry: 'DK', ...(onlyWithTag && { onlyWithTag }) },
    now: () => new Date('2026-12-02T17:00:10.000Z'),
  };
  return { relatel, links, state, deps };
}

describe('syncGhlContactEvent: creating and linking', () => {
  it('creates a new GHL contact in Relatel after looking its number up, and links both ids', async () => {
    const { relatel, links, state, deps } = setup();
    const result = await syncGhlContactEvent(ghlEvent('created'), deps);
    expect(result).toEqual({ outcome: { status: 'synced', action: 'created' }, relatelId: '1000', relatelCalls: 2 });
    expect(relatel.calls).toEqual(['GET', 'POST']);
    expect([...relatel.contacts.values()]).toEqual([{ id: 1000, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }]);
    expect(await links.get('ghl-1')).toMatchObject({ relatelId: '1000', origin: 'created', lastOccurredAt: '2026-12-02T17:00:00.000Z' });
    // The other direction learns the twin, so Relatel's webhook for this create finds it.
    expect(await state.get('contacts', '1000')).toMatchObject({ ghlId: 'ghl-1' });
  });

  it('links a Relatel contact that already has the number, never duplicating it, and does not write when it holds the same values', async () => {
    const { relatel, links, deps } = setup([{ id: 77, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }]);
    const result = await syncGhlContactEvent(ghlEvent('created'), deps);
    expect(result).toEqual({ outcome: { status: 'synced', action: 'linked' }, relatelId: '77', relatelCalls: 1 });
    expect(relatel.calls).toEqual(['GET']);
    expect(relatel.contacts.size).toBe(1);
    expect(await links.get('ghl-1')).toMatchObject({ relatelId: '77', origin: 'linked' });
  });

  it('a create whose answer was lost is found by number on the retry and counted as created by the sync', async () => {
    const { relatel, links, deps } = setup();
    relatel.loseNextCreateAnswer();
    const event = ghlEvent('created');
    await expect(syncGhlContactEvent(event, deps)).rejects.toMatchObject({ kind: 'transient' });
    const retry = await syncGhlContactEvent(event, deps);
    expect(retry.outcome).toEqual({ status: 'synced', action: 'created' });
    expect(relatel.contacts.size).toBe(1);
    expect(await links.get('ghl-1')).toMatchObject({ origin: 'created', relatelId: '1000' });
  });

  it('skips a contact without a phone, and one without the configured tag', async () => {
    const noPhone = setup();
    expect((await syncGhlContactEvent(ghlEvent('created', { phone: undefined }), noPhone.deps)).outcome).toEqual({ status: 'skipped', reason: 'not-qualified' });
    const untagged = setup([], 'caller-id');
    expect((await syncGhlContactEvent(ghlEvent('created', { tags: ['lead'] }), untagged.deps)).outcome).toEqual({ status: 'skipped', reason: 'not-qualified' });
    expect([...noPhone.relatel.calls, ...untagged.relatel.calls]).toEqual([]);
  });

  it('drops a redelivered webhook (same webhookId) without a Relatel call', async () => {
    const { relatel, deps } = setup();
    const event = ghlEvent('created');
    await syncGhlContactEvent(event, deps);
    relatel.calls.length = 0;
    expect((await syncGhlContactEvent(event, deps)).outcome).toEqual({ status: 'skipped', reason: 'duplicate' });
    expect(relatel.calls).toEqual([]);
  });
});

describe('syncGhlContactEvent: updates and echoes', () => {
  it('updates the linked contact once when its values change, and costs nothing when they do not', async () => {
    const { relatel, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    relatel.calls.length = 0;
    expect((await syncGhlContactEvent(ghlEvent('updated', { lastName: 'Hansen-Berg' }, '2026-12-02T17:01:00.000Z'), deps)).outcome).toEqual({ status: 'synced', action: 'updated' });
    expect(relatel.calls).toEqual(['PUT']);
    expect(relatel.contacts.get('1000')).toMatchObject({ name: 'Mette Hansen-Berg' });
    relatel.calls.length = 0;
    // A ContactUpdate for a field Relatel does not keep (or GHL's echo of our own write): no call.
    expect((await syncGhlContactEvent(ghlEvent('updated', { lastName: 'Hansen-Berg', tags: ['vip'] }, '2026-12-02T17:02:00.000Z'), deps)).outcome).toEqual({
      status: 'skipped',
      reason: 'no-op',
    });
    expect(relatel.calls).toEqual([]);
  });

  it('drops the GHL echo of a write the Relatel -> GHL direction made, without a Relatel call', async () => {
    const { relatel, links, deps } = setup([{ id: 55, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }]);
    // The contacts consumer wrote GHL contact ghl-1 from Relatel contact 55.
    await noteRelatelContactInGhl('ghl-1', '55', { id: 55, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }, '2026-12-02T16:59:00.000Z', links);
    const result = await syncGhlContactEvent(ghlEvent('updated'), deps);
    expect(result.outcome).toEqual({ status: 'skipped', reason: 'no-op' });
    expect(relatel.calls).toEqual([]);
  });

  it('skips a GHL event older than the newest change applied to the pair (newest wins)', async () => {
    const { relatel, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created', {}, '2026-12-02T17:05:00.000Z'), deps);
    relatel.calls.length = 0;
    expect((await syncGhlContactEvent(ghlEvent('updated', { lastName: 'Old' }, '2026-12-02T17:04:00.000Z'), deps)).outcome).toEqual({ status: 'skipped', reason: 'stale' });
    expect(relatel.calls).toEqual([]);
  });

  it('re-creates a contact the sync created when Relatel lost it', async () => {
    const { relatel, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    relatel.contacts.clear();
    relatel.calls.length = 0;
    const result = await syncGhlContactEvent(ghlEvent('updated', { lastName: 'Berg' }, '2026-12-02T17:01:00.000Z'), deps);
    expect(result.outcome).toEqual({ status: 'synced', action: 'created' });
    expect(relatel.calls).toEqual(['PUT', 'GET', 'POST']);
  });
});

describe('syncGhlContactEvent: deletes', () => {
  it('deletes the Relatel contact the sync created when the GHL contact is deleted, and stays deleted', async () => {
    const { relatel, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    expect((await syncGhlContactEvent(ghlEvent('deleted', {}, '2026-12-02T17:01:00.000Z'), deps)).outcome).toEqual({ status: 'synced', action: 'deleted' });
    expect(relatel.contacts.size).toBe(0);
    expect((await syncGhlContactEvent(ghlEvent('updated', {}, '2026-12-02T17:02:00.000Z'), deps)).outcome).toEqual({ status: 'skipped', reason: 'deleted' });
  });

  it('deletes the created contact when the GHL contact loses its phone, and creates it again when it gets one back', async () => {
    const { relatel, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    expect((await syncGhlContactEvent(ghlEvent('updated', { phone: undefined }, '2026-12-02T17:01:00.000Z'), deps)).outcome).toEqual({ status: 'synced', action: 'deleted' });
    expect(relatel.contacts.size).toBe(0);
    expect((await syncGhlContactEvent(ghlEvent('updated', {}, '2026-12-02T17:02:00.000Z'), deps)).outcome).toEqual({ status: 'synced', action: 'created' });
  });

  it('leaves a contact it only linked alone when the GHL contact is deleted', async () => {
    const { relatel, deps } = setup([{ id: 77, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }]);
    await syncGhlContactEvent(ghlEvent('created'), deps);
    relatel.calls.length = 0;
    expect((await syncGhlContactEvent(ghlEvent('deleted', {}, '2026-12-02T17:01:00.000Z'), deps)).outcome).toEqual({ status: 'skipped', reason: 'nothing-to-delete' });
    expect(relatel.calls).toEqual([]);
    expect(relatel.contacts.has('77')).toBe(true);
  });
});

describe('syncGhlContactEvent: only contacts with the configured tag', () => {
  const TAG = 'caller-id';

  it('deletes the contact it created when the GHL contact loses the tag, and creates it again when the tag comes back (any case)', async () => {
    const { relatel, links, deps } = setup([], TAG);
    expect((await syncGhlContactEvent(ghlEvent('created', { tags: [TAG] }), deps)).outcome).toEqual({ status: 'synced', action: 'created' });
    relatel.calls.length = 0;
    const untagged = await syncGhlContactEvent(ghlEvent('updated', { tags: ['lead'] }, '2026-12-02T17:01:00.000Z'), deps);
    expect(untagged).toEqual({ outcome: { status: 'synced', action: 'deleted' }, relatelId: '1000', relatelCalls: 1 });
    expect(relatel.calls).toEqual(['DELETE']);
    expect(relatel.contacts.size).toBe(0);
    expect(await links.get('ghl-1')).not.toHaveProperty('relatelId');
    // Not a tombstone: the GHL contact lives on, and qualifies again with the tag.
    const retagged = await syncGhlContactEvent(ghlEvent('updated', { tags: ['Caller-ID'] }, '2026-12-02T17:02:00.000Z'), deps);
    expect(retagged.outcome).toEqual({ status: 'synced', action: 'created' });
    expect(relatel.contacts.size).toBe(1);
  });

  it('leaves a contact it only linked alone when the GHL contact loses the tag, and keeps the link', async () => {
    const { relatel, links, state, deps } = setup([{ id: 77, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' }], TAG);
    expect((await syncGhlContactEvent(ghlEvent('created', { tags: [TAG] }), deps)).outcome).toEqual({ status: 'synced', action: 'linked' });
    relatel.calls.length = 0;
    const untagged = await syncGhlContactEvent(ghlEvent('updated', { tags: [] }, '2026-12-02T17:01:00.000Z'), deps);
    expect(untagged.outcome).toEqual({ status: 'skipped', reason: 'not-qualified' });
    expect(relatel.calls).toEqual([]);
    expect(relatel.contacts.get('77')).toMatchObject({ name: 'Mette Hansen' });
    expect(await links.get('ghl-1')).toMatchObject({ relatelId: '77', origin: 'linked' });
    expect((await state.get('contacts', '77'))?.deleted).toBeUndefined();
  });

  it('leaves an untagged contact out of Relatel, and creates it when a ContactTagUpdate adds the tag', async () => {
    const { relatel, deps } = setup([], TAG);
    expect((await syncGhlContactEvent(ghlEvent('created', { tags: [] }), deps)).outcome).toEqual({ status: 'skipped', reason: 'not-qualified' });
    expect(relatel.calls).toEqual([]);
    expect((await syncGhlContactEvent(ghlEvent('updated', { tags: ['vip', TAG] }, '2026-12-02T17:01:00.000Z'), deps)).outcome).toEqual({ status: 'synced', action: 'created' });
  });
});

describe('syncGhlContactEvent: its deletes do not come back as GHL deletes', () => {
  it('makes the contacts state of the Relatel contact it deleted a tombstone, whether the GHL contact was deleted or lost its phone', async () => {
    for (const change of [{ type: 'deleted' as const }, { type: 'updated' as const, contact: { phone: undefined } }]) {
      const { state, deps } = setup();
      await syncGhlContactEvent(ghlEvent('created'), deps);
      expect(await state.get('contacts', '1000')).toMatchObject({ ghlId: 'ghl-1' });
      await syncGhlContactEvent(ghlEvent(change.type, change.contact ?? {}, '2026-12-02T17:01:00.000Z'), deps);
      // The contacts consumer skips a tombstone's delete webhook (planGuards: 'deleted'), so the GHL contact stays.
      expect(await state.get('contacts', '1000')).toMatchObject({ ghlId: 'ghl-1', deleted: true });
    }
  });

  it('accepts a tombstone the contacts consumer wrote meanwhile, and retries on any other concurrent write', async () => {
    const { state, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    const racing = (concurrent: { deleted?: true; lastOccurredAt?: string }) => ({
      ...state,
      get: state.get.bind(state),
      wasDeliveryProcessed: state.wasDeliveryProcessed.bind(state),
      markDeliveryProcessed: state.markDeliveryProcessed.bind(state),
      save: async (...args: Parameters<typeof state.save>) => {
        const current = (await state.get('contacts', '1000'))!;
        await state.save({ ...current, ...concurrent }, current.version);
        return state.save(...args);
      },
    });
    const other = await syncGhlContactEvent(ghlEvent('deleted', {}, '2026-12-02T17:01:00.000Z'), { ...deps, state: racing({ lastOccurredAt: '2026-12-02T17:00:30.000Z' }) }).catch((error: unknown) => error);
    expect(other).toMatchObject({ kind: 'transient', reason: 'state-conflict' });
    const retried = await syncGhlContactEvent(ghlEvent('deleted', {}, '2026-12-02T17:01:00.000Z'), { ...deps, state: racing({ deleted: true }) });
    expect(retried.outcome).toEqual({ status: 'synced', action: 'deleted' });
  });
});

describe('planRelatelWrite (pure)', () => {
  const mapped = (phone?: string) => mapGhlContactToRelatel({ firstName: 'A', phone: phone ?? null }, { defaultCountry: 'DK' });
  const link = (overrides: Partial<GhlContactLink>): GhlContactLink => ({ ghlId: 'g', version: 1, ...overrides });

  it('an event at the same instant as the last applied one is not stale', () => {
    const plan = planRelatelWrite({ type: 'updated', occurredAt: '2026-12-02T17:00:00Z' }, link({ lastOccurredAt: '2026-12-02T17:00:00.000Z' }), mapped('+4571999999'));
    expect(plan.kind).toBe('create-or-link');
  });

  it('a linked contact that stops qualifying is left alone', () => {
    expect(planRelatelWrite({ type: 'updated', occurredAt: '2026-12-02T17:00:00Z' }, link({ relatelId: '5', origin: 'linked' }), mapped())).toEqual({ kind: 'skip', reason: 'not-qualified' });
  });
});

describe('relatelSideVerdict: the Relatel -> GHL direction asks the link', () => {
  const facts = (occurredAt = '2026-12-02T17:10:00.000Z', isDelete = false) => ({ occurredAt, isDelete });
  const state = { entity: 'contacts' as const, relatelId: '1000', ghlId: 'ghl-1', bodyHash: 'fields:company', version: 1 };

  it("recognises Relatel's webhook for the writer's own write: GHL holds its name, number and e-mail", async () => {
    const { links, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    const verdict = await relatelSideVerdict(facts(), state, { id: 1000, name: 'Mette Hansen', number: '+45 71 99 99 99', email: 'Mette@Example.dk' }, links);
    expect(verdict).toBe('fields-in-ghl');
  });

  it("does not take GHL's values as known after the contacts consumer's own write to GHL failed in doubt", async () => {
    const { links, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    const inDoubt = { ...state, bodyHash: ':company' };
    expect(await relatelSideVerdict(facts(), inDoubt, { id: 1000, name: 'Mette Hansen', number: '+45 71 99 99 99', email: 'Mette@Example.dk' }, links)).toBeUndefined();
  });

  it('lets a real Relatel change through, and refuses one older than the GHL change applied', async () => {
    const { links, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    expect(await relatelSideVerdict(facts(), state, { id: 1000, name: 'Mette Jensen', number: '4571999999' }, links)).toBeUndefined();
    expect(await relatelSideVerdict(facts('2026-12-02T16:59:00.000Z'), state, { id: 1000, name: 'Mette Jensen', number: '4571999999' }, links)).toEqual({ kind: 'skip', reason: 'stale' });
  });

  it('does not delete the GHL contact when a contact GHL made is deleted in Relatel', async () => {
    const { links, deps } = setup();
    await syncGhlContactEvent(ghlEvent('created'), deps);
    expect(await relatelSideVerdict(facts(undefined, true), state, undefined, links)).toMatchObject({ kind: 'skip', reason: 'nothing-to-delete' });
  });
});
