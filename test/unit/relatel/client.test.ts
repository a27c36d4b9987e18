import { describe, expect, it } from 'vitest';
import { createRelatelClient } from '../../../lib/relatel/client.js';
import { SyncError } from '../../../lib/errors.js';

function fakeFetch(status: number, body: unknown, seen: Request[] = []) {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

const token = async () => 'relatel-token';

describe('Relatel client', () => {
  it('reads a contact unwrapped from its resource name, with bearer auth', async () => {
    const seen: Request[] = [];
    const client = createRelatelClient({ token, baseUrl: 'https://relatel.test/api/v2/', fetch: fakeFetch(200, { contact: { id: 7, name: 'A B' } }, seen) });
    expect(await client.getContact('7')).toEqual({ id: 7, name: 'A B' });
    expect(seen[0]!.url).toBe('https://relatel.test/api/v2/contacts/7');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer relatel-token');
  });

  it('answers undefined for a contact Relatel no longer has', async () => {
    const client = createRelatelClient({ token, fetch: fakeFetch(404, { error: 'not found' }) });
    expect(await client.getContact('9')).toBeUndefined();
  });

  it('pages contacts with id_gt_or_eq and caps the page size at 100', async () => {
    const seen: Request[] = [];
    const client = createRelatelClient({ token, baseUrl: 'https://relatel.test', fetch: fakeFetch(200, { contacts: [{ id: 5 }] }, seen) });
    expect(await client.listContacts({ fromId: 5, limit: 500 })).toEqual([{ id: 5 }]);
    const url = new URL(seen[0]!.url);
    expect(url.searchParams.get('id_gt_or_eq')).toBe('5');
    expect(url.searchParams.get('limit')).toBe('100');
  });

  it.each([
    [401, 'auth'],
    [429, 'transient'],
    [503, 'transient'],
    [400, 'permanent'],
  ] as const)('classifies a %i answer as %s', async (status, kind) => {
    const client = createRelatelClient({ token, fetch: fakeFetch(status, {}) });
    const failure = await client.getContact('1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).kind).toBe(kind);
  });

  it('treats a network failure as transient', async () => {
    const client = createRelatelClient({ token, fetch: (async () => { throw new TypeError('fetch failed'); }) as typeof fetch });
    await expect(client.getContact('1')).rejects.toMatchObject({ kind: 'transient', reason: 'relatel-unreachable' });
  });

  it('rejects an unexpected answer shape without echoing its values', async () => {
    const client = createRelatelClient({ token, fetch: fakeFetch(200, { contact: { name: 'secret@example.com' } }) });
    const failure = (await client.getContact('1').catch((e: unknown) => e)) as SyncError;
    expect(failure.kind).toBe('permanent');
    expect(failure.message).toContain('contact.id');
    expect(failure.message).not.toContain('example.com');
  });
});
