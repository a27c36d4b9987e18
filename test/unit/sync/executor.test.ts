/** The executor's backstop for the upsert that sets a known contact's company: it never leaves a second contact. */
import { describe, expect, it, vi } from 'vitest';
import type { GhlClient, GhlContact } from '../../../lib/ghl/client.js';
import { executeOperations } from '../../../lib/sync/executor.js';

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
