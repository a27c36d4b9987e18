import { describe, expect, it, vi } from 'vitest';
import { transientError } from '../../../lib/errors.js';
import type { GhlLocationSettings } from '../../../lib/ghl/client.js';
import { duplicateContactsLookup } from '../../../lib/sync/duplicate-contacts.js';

function fakeGhl(...answers: (GhlLocationSettings | undefined | Error)[]) {
  const getLocationSettings = vi.fn(async () => {
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return next;
  });
  return { getLocationSettings };
}

function clock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('duplicate-contacts rule of the location', () => {
  it.each([
    [{ allowDuplicateContact: false }, 'forbidden'],
    [{ allowDuplicateContact: true }, 'allowed'],
    [{}, 'unknown'],
    [undefined, 'unknown'],
  ] as const)('settings %j read as %s', async (settings, rule) => {
    const lookup = duplicateContactsLookup(fakeGhl(settings));
    await expect(lookup()).resolves.toBe(rule);
  });

  it('reads GHL once per TTL, then again', async () => {
    const ghl = fakeGhl({ allowDuplicateContact: false }, { allowDuplicateContact: true });
    const time = clock();
    const lookup = duplicateContactsLookup(ghl, { ttlMs: 300_000, now: time.now });

    await lookup();
    time.advance(299_999);
    await expect(lookup()).resolves.toBe('forbidden');
    expect(ghl.getLocationSettings).toHaveBeenCalledTimes(1);

    time.advance(1);
    await expect(lookup()).resolves.toBe('allowed');
    expect(ghl.getLocationSettings).toHaveBeenCalledTimes(2);
  });

  it('concurrent lookups share one read', async () => {
    const ghl = fakeGhl({ allowDuplicateContact: false });
    const lookup = duplicateContactsLookup(ghl);

    const rules = await Promise.all([lookup(), lookup(), lookup()]);

    expect(rules).toEqual(['forbidden', 'forbidden', 'forbidden']);
    expect(ghl.getLocationSettings).toHaveBeenCalledTimes(1);
  });

  it('a failed read answers unknown (the safe path), reports it, and is retried after the failure delay', async () => {
    const failure = transientError('GHL answered 503 to GET /locations', { reason: 'ghl-503' });
    const ghl = fakeGhl(failure, { allowDuplicateContact: false });
    const time = clock();
    const onReadFailed = vi.fn();
    const lookup = duplicateContactsLookup(ghl, { retryAfterFailureMs: 60_000, now: time.now, onReadFailed });

    await expect(lookup()).resolves.toBe('unknown');
    expect(onReadFailed).toHaveBeenCalledWith(failure);
    time.advance(59_999);
    await expect(lookup()).resolves.toBe('unknown');
    time.advance(1);
    await expect(lookup()).resolves.toBe('forbidden');
  });

  it('a token that may not read the location is reported once, however often it is read', async () => {
    const ghl = fakeGhl(undefined);
    const time = clock();
    const onUnreadable = vi.fn();
    const lookup = duplicateContactsLookup(ghl, { ttlMs: 1_000, now: time.now, onUnreadable });

    await lookup();
    time.advance(1_000);
    await lookup();

    expect(ghl.getLocationSettings).toHaveBeenCalledTimes(2);
    expect(onUnreadable).toHaveBeenCalledTimes(1);
  });
});
