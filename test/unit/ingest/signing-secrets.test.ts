import { describe, expect, it, vi } from 'vitest';
import { cachedSigningSecrets } from '../../../lib/ingest/signing-secrets.js';
import { InMemorySecretStore, type SecretVersionReader } from '../../../lib/secrets.js';

const SECRET_ID = 'relatel/webhook-signing-secret';
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function clock(start = Date.parse('2026-03-02T08:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** An in-memory store whose versions are dated by `time`, as Secrets Manager dates them (CreatedDate). */
function countingStore(time = clock(), initial: Record<string, string> = { [SECRET_ID]: 'current' }) {
  const store = new InMemorySecretStore(initial, () => new Date(time.now()));
  const read = vi.spyOn(store, 'getSecretVersion');
  return { store, read };
}

/** A store rotated at the clock's current time: 'new' is AWSCURRENT, 'old' AWSPREVIOUS. */
async function rotatedStore(time: ReturnType<typeof clock>) {
  const { store, read } = countingStore(time, { [SECRET_ID]: 'old' });
  await store.putSecretString(SECRET_ID, 'new');
  return { store, read };
}

describe('cachedSigningSecrets', () => {
  it('accepts the current secret alone before any rotation', async () => {
    const { store } = countingStore();
    expect(await cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS }).get()).toEqual(['current']);
  });

  it('accepts the current and the previous secret just after a rotation', async () => {
    const time = clock();
    const { store } = await rotatedStore(time);
    expect(await cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now }).get()).toEqual(['new', 'old']);
  });

  it('serves warm requests from memory: no store read per request', async () => {
    const { store, read } = countingStore();
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS });
    for (let i = 0; i < 10; i++) await secrets.get();
    // One read per version stage, once.
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('picks up a rotation on refresh once the minimum interval has passed', async () => {
    const time = clock();
    const { store } = countingStore(time, { [SECRET_ID]: 'old' });
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now, minRefreshIntervalMs: 60_000 });
    await secrets.get();
    await store.putSecretString(SECRET_ID, 'new');
    time.advance(60_000);
    expect(await secrets.refresh()).toEqual(['new', 'old']);
    expect(await secrets.get()).toEqual(['new', 'old']);
  });

  it('refuses to refresh again within the minimum interval', async () => {
    const time = clock();
    const { store, read } = countingStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now, minRefreshIntervalMs: 60_000 });
    await secrets.get();
    time.advance(59_999);
    expect(await secrets.refresh()).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('limits failed refreshes too, so bad signatures cannot hammer a failing store', async () => {
    const time = clock();
    const { store, read } = countingStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now, minRefreshIntervalMs: 60_000 });
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
    const { store, read } = countingStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now, ttlMs: 300_000 });
    await secrets.get();
    time.advance(300_000);
    read.mockRejectedValue(new Error('throttled'));
    expect(await secrets.get()).toEqual(['current']);
  });

  it('fails when the secrets were never read successfully', async () => {
    const store: SecretVersionReader = { getSecretVersion: vi.fn().mockRejectedValue(new Error('denied')) };
    await expect(cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS }).get()).rejects.toThrow('denied');
  });

  it('fails when the secret has no current value', async () => {
    const { store } = countingStore(clock(), {});
    await expect(cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS }).get()).rejects.toThrow(/no current value/);
  });
});

describe('cachedSigningSecrets: the previous secret only within the grace window', () => {
  it('accepts the previous secret until the last millisecond of the window after the current version was created', async () => {
    const time = clock();
    const { store } = await rotatedStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now });
    time.advance(DAY_MS - 1);
    expect(await secrets.get()).toEqual(['new', 'old']);
  });

  it('refuses the previous secret once the window has passed', async () => {
    const time = clock();
    const { store } = await rotatedStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now });
    time.advance(DAY_MS);
    expect(await secrets.get()).toEqual(['new']);
  });

  it('refuses the previous secret at once with a window of 0', async () => {
    const time = clock();
    const { store } = await rotatedStore(time);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: 0, now: time.now });
    expect(await secrets.get()).toEqual(['new']);
  });

  it('closes the window on time even while the secrets are served from memory', async () => {
    const time = clock();
    const { store, read } = await rotatedStore(time);
    time.advance(DAY_MS - 60_000);
    const secrets = cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now, ttlMs: 300_000 });
    expect(await secrets.get()).toEqual(['new', 'old']);
    time.advance(60_000);
    expect(await secrets.get()).toEqual(['new']);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('counts the window from the current version, not from when the Lambda read it', async () => {
    const time = clock();
    const { store } = await rotatedStore(time);
    time.advance(DAY_MS + HOUR_MS);
    // A cold start a day after the rotation: the old secret is already refused.
    expect(await cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS, now: time.now }).get()).toEqual(['new']);
  });

  it('refuses the previous secret when the current version has no creation date', async () => {
    const versions = { AWSCURRENT: { value: 'new', createdAt: undefined }, AWSPREVIOUS: { value: 'old', createdAt: undefined } };
    const store: SecretVersionReader = { getSecretVersion: async (_id, stage) => versions[stage] };
    expect(await cachedSigningSecrets(store, SECRET_ID, { previousGraceMs: DAY_MS }).get()).toEqual(['new']);
  });
});
