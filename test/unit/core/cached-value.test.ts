import { describe, expect, it, vi } from 'vitest';
import { CachedValue } from '../../../lib/cached-value.js';

describe('CachedValue', () => {
  it('serves a warm value without reading the store again', async () => {
    let now = 0;
    const load = vi.fn().mockResolvedValue('v1');
    const cache = new CachedValue(load, { ttlMs: 300_000, now: () => now });
    await cache.get();
    now = 299_999;
    await cache.get();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads the store again once the TTL has passed', async () => {
    let now = 0;
    const load = vi.fn().mockResolvedValueOnce('v1').mockResolvedValueOnce('v2');
    const cache = new CachedValue(load, { ttlMs: 1_000, now: () => now });
    await cache.get();
    now = 1_000;
    expect(await cache.get()).toBe('v2');
  });

  it('shares one in-flight read between concurrent callers', async () => {
    const load = vi.fn().mockResolvedValue('v1');
    const cache = new CachedValue(load, { ttlMs: 1_000 });
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('refreshes on demand at most once per minimum interval', async () => {
    let now = 0;
    const load = vi.fn().mockResolvedValue('v');
    const cache = new CachedValue(load, { ttlMs: 300_000, minRefreshIntervalMs: 60_000, now: () => now });
    await cache.get();
    now = 59_999;
    expect(await cache.refresh()).toBe(false);
    now = 60_000;
    expect(await cache.refresh()).toBe(true);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps a value for the TTL ttlMsOf gives it (e.g. a fallback for a shorter time)', async () => {
    let now = 0;
    const load = vi.fn().mockResolvedValueOnce('fallback').mockResolvedValueOnce('real');
    const cache = new CachedValue(load, { ttlMs: 300_000, ttlMsOf: (value) => (value === 'fallback' ? 60_000 : 300_000), now: () => now });
    await cache.get();
    now = 59_999;
    expect(await cache.get()).toBe('fallback');
    now = 60_000;
    expect(await cache.get()).toBe('real');
    now = 359_999;
    expect(await cache.get()).toBe('real');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
