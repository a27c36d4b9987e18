import { describe, expect, it, vi } from 'vitest';
import { cachedSigningSecrets } from '../../../lib/ingest/signing-secrets.js';
import { InMemorySecretStore, type SecretStore } from '../../../lib/secrets.js';

const SECRET_ID = 'relatel/webhook-signing-secret';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function countingStore(initial: Record<string, string> = { [SECRET_ID]: 'current' }) {
  const store = new InMemorySecretStore(initial);
  const read = vi.spyOn(store, 'getSecretString');
  return { store, read };
}

describe('cachedSigningSecrets', () => {
  it('accepts the current secret alone before any rotation', async () => {
    const { store } = countingStore();
    expect(await cachedSigningSecrets(store, SECRET_ID).get()).toEqual(['current']);
  });

  it('accepts the current and the previous secret after a rotation', async () => {
    const { store } = countingStore({ [SECRET_ID]: 'old' });
    await store.putSecretString(SECRET_ID, 'new');
    expect(await cachedSigningSecrets(store, SECRET_ID).get()).toEqual(['new', 'old']);
  });

  it('serves warm requests from memory: no store read per request', async () => {
    const { store, read } = countingStore();
    const secrets = cachedSigningSecrets(store, SECRET_ID);
    for (let i = 0; i < 10; i++) await secrets.get();
    // One read per version stage, once.
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('picks up a rotation on refresh once the minimum interval has passed', async () => {
    const time = clock();
    const { store } = countingStore({ [SECRET_ID]: 'old' });
    const secrets = cachedSigningSecrets(store, SECRET_ID, { now: time.now, minRefreshIntervalMs: 60_000 });
    await secrets.get();
    await store.putSecretString(SECRET_ID, 'new');
    time.advance(60_000);
    expect(await secrets.refresh()).toEqual(['new', 'old']);
    expect(await secrets.get()).toEqual(['new', 'old']);
  });

  it('refuses to refresh again within the minimum interval', async () => {
    const time = clock();
    const { store, read } = countingStore();
    const secrets = cachedSigningSecrets(store, SECRET_ID, { now: time.now, minRefreshIntervalMs: 60_000 });
    await secrets.get();
    time.advance(59_999);
    expect(await secrets.refresh()).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('limits failed refreshes too, so bad signatures cannot hammer a failing store', async () => {
    const time = clock();
    const { store, read } = countingStore();
    const secrets = cachedSigningSecrets(store, SECRET_ID, { now: time.now, minRefreshIntervalMs: 60_000 });
    await secrets.get();
    time.advance(60_000);
    read.mockRejectedValue(new Error('throttled'));
    await expect(secrets.refresh()).rejects.toThrow('throttled');
    const readsAfterFailure = read.mock.calls.length;
    time.advance(1_000);
    expect(await secrets.refresh()).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(readsAfterFailure);
  });

  it('keeps serving the last secrets it read when a read after the TTL fails', async () => {
    const time = clock();
    const { store, read } = countingStore();
    const secrets = cachedSigningSecrets(store, SECRET_ID, { now: time.now, ttlMs: 300_000 });
    await secrets.get();
    time.advance(300_000);
    read.mockRejectedValue(new Error('throttled'));
    expect(await secrets.get()).toEqual(['current']);
  });

  it('fails when the secrets were never read successfully', async () => {
    const store: SecretStore = { getSecretString: vi.fn().mockRejectedValue(new Error('denied')), putSecretString: vi.fn() };
    await expect(cachedSigningSecrets(store, SECRET_ID).get()).rejects.toThrow('denied');
  });

  it('fails when the secret has no current value', async () => {
    const { store } = countingStore({});
    await expect(cachedSigningSecrets(store, SECRET_ID).get()).rejects.toThrow(/no current value/);
  });
});
