import { describe, expect, it } from 'vitest';
import { InMemorySyncStateStore, allStates, isClaimFresh, isOlderThanApplied } from '../../../lib/sync/state.js';
import { aState } from './sync-state-contract.js';

describe('isOlderThanApplied', () => {
  it('lets any event through when nothing was applied yet', () => {
    expect(isOlderThanApplied(undefined, '2020-01-01T00:00:00Z')).toBe(false);
    expect(isOlderThanApplied(aState(), '2020-01-01T00:00:00Z')).toBe(false);
  });

  it('flags an event that happened before the last applied one', () => {
    expect(isOlderThanApplied(aState({ lastOccurredAt: '2025-03-01T12:00:00Z' }), '2025-03-01T11:59:59Z')).toBe(true);
  });

  it('lets a newer event through', () => {
    expect(isOlderThanApplied(aState({ lastOccurredAt: '2025-03-01T12:00:00Z' }), '2025-03-01T12:00:01Z')).toBe(false);
  });

  it('lets an event at the same instant through', () => {
    expect(isOlderThanApplied(aState({ lastOccurredAt: '2025-03-01T12:00:00Z' }), '2025-03-01T12:00:00.000Z')).toBe(false);
  });

  it('compares instants, not strings, across UTC offsets', () => {
    // 13:30+02:00 is 11:30Z: older, although it sorts after 12:00Z as a string.
    expect(isOlderThanApplied(aState({ lastOccurredAt: '2025-03-01T12:00:00Z' }), '2025-03-01T13:30:00+02:00')).toBe(true);
  });
});

describe('isClaimFresh', () => {
  const since = '2025-03-01T12:00:00.000Z';

  it('holds no claim when none was made', () => {
    expect(isClaimFresh(aState(), new Date(since), 1000)).toBe(false);
  });

  it('holds a claim younger than the lease', () => {
    expect(isClaimFresh(aState({ pendingCreateSince: since }), new Date('2025-03-01T12:00:00.999Z'), 1000)).toBe(true);
  });

  it('releases a claim as old as the lease', () => {
    expect(isClaimFresh(aState({ pendingCreateSince: since }), new Date('2025-03-01T12:00:01.000Z'), 1000)).toBe(false);
  });
});

describe('allStates', () => {
  it('walks every page of an entity', async () => {
    const store = new InMemorySyncStateStore();
    const ids = Array.from({ length: 250 }, (_, i) => `c${i}`);
    for (const relatelId of ids) await store.save(aState({ relatelId }), 0);

    const seen: string[] = [];
    for await (const state of allStates(store, 'contacts')) seen.push(state.relatelId);

    expect(seen.sort()).toEqual([...ids].sort());
  });
});
