/** The executor: the backstop of the upsert that sets a known contact's company, and the one-call contact create. */
import { describe, expect, it, vi } from 'vitest';
import type { GhlClient, GhlContact } from '../../../lib/ghl/client.js';
import { executeOperations } from '../../../lib/sync/executor.js';
import type { GhlOperation } from '../../../lib/sync/plan.js';

const contact = (id: string) => ({ id }) as GhlContact;

function ghlAnsweringUpsert(answer: { created: boolean; contact: GhlContact }) {
  return {
    upsertContact: vi.fn(async () => answer),
    deleteContact: vi.fn(async () => 'deleted' as const),
  };
}

const setCompany = { op: 'contact.upsert', contactId: 'ghl-1', body: { email: 'a@example.dk', companyName: 'Firma' } } as const;

describe('setting a known contact’s company by upsert', () => {
  it('is done when GHL matches the contact', async () => {
    const ghl = ghlAnsweringUpsert({ created: false, contact: contact('ghl-1') });
    const result = await executeOperations(ghl as unknown as GhlClient, [setCompany], { mayHaveCreated: false });
    expect(ghl.upsertContact).toHaveBeenCalledWith({ email: 'a@example.dk', companyName: 'Firma' });
    expect(result).toMatchObject({ calls: 1 });
    expect(result.createdId).toBeUndefined();
    expect(ghl.deleteContact).not.toHaveBeenCalled();
  });

  it('deletes a contact the upsert created instead, and fails the event so it is retried', async () => {
    const ghl = ghlAnsweringUpsert({ created: true, contact: contact('stray') });
    await expect(executeOperations(ghl as unknown as GhlClient, [setCompany], { mayHaveCreated: false })).rejects.toMatchObject({
      kind: 'transient',
      reason: 'company-upsert-created-contact',
    });
    expect(ghl.deleteContact).toHaveBeenCalledWith('stray');
  });

  it('parks the event when the upsert matched another existing contact', async () => {
    const ghl = ghlAnsweringUpsert({ created: false, contact: contact('someone-else') });
    await expect(executeOperations(ghl as unknown as GhlClient, [setCompany], { mayHaveCreated: false })).rejects.toMatchObject({
      kind: 'permanent',
      reason: 'company-upsert-matched-other-contact',
    });
    expect(ghl.deleteContact).not.toHaveBeenCalled();
  });
});

describe('creating a new contact in one call (location forbids duplicates)', () => {
  const create: GhlOperation = {
    op: 'contact.create',
    body: { email: 'a@example.dk', tags: ['kunde'] },
    link: { body: { email: 'a@example.dk' }, tags: ['kunde'] },
  };

  function ghlAnsweringCreate(outcome: 'created' | 'duplicate', options: { tagsFail?: boolean } = {}) {
    return {
      createContact: vi.fn(async () =>
        outcome === 'created' ? { outcome, contact: contact('new-1') } : { outcome, contactId: 'known-1', matchingField: 'email' },
      ),
      upsertContact: vi.fn(async () => ({ created: false, contact: contact('known-1') })),
      addTags: vi.fn(async () => {
        if (options.tagsFail) throw new Error('GHL answered 503');
        return ['kunde'];
      }),
    };
  }

  it('is one call when GHL creates it', async () => {
    const ghl = ghlAnsweringCreate('created');
    const result = await executeOperations(ghl as unknown as GhlClient, [create], { mayHaveCreated: false });
    expect(result).toEqual({ createdId: 'new-1', adopted: false, calls: 1 });
    expect(ghl.upsertContact).not.toHaveBeenCalled();
  });

  it('links the contact GHL has by upsert without tags, then adds ours, so its GHL tags stay: three calls', async () => {
    const ghl = ghlAnsweringCreate('duplicate');
    const result = await executeOperations(ghl as unknown as GhlClient, [create], { mayHaveCreated: false });
    expect(result).toEqual({ createdId: 'known-1', adopted: false, calls: 3 });
    expect(ghl.upsertContact).toHaveBeenCalledWith({ email: 'a@example.dk' });
    expect(ghl.addTags).toHaveBeenCalledWith('known-1', ['kunde']);
  });

  it('reports the linked contact before its tag call, so a failure there does not lose the link', async () => {
    const ghl = ghlAnsweringCreate('duplicate', { tagsFail: true });
    const onCreated = vi.fn();
    await expect(executeOperations(ghl as unknown as GhlClient, [create], { mayHaveCreated: false, onCreated })).rejects.toThrow('503');
    expect(onCreated).toHaveBeenCalledWith('known-1');
  });
});
