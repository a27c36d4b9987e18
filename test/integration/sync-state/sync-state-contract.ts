/**
 * The behaviour every SyncStateStore must have, written once and run against each
 * implementation (in memory and DynamoDB on dynalite), so they cannot disagree.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isSyncError } from '../../../lib/errors.js';
import {
  DEFAULT_DELIVERY_TTL_SECONDS,
  StaleStateError,
  type RecordSyncState,
  type SyncStateStore,
} from '../../../lib/sync/state.js';

export function aState(overrides: Partial<RecordSyncState> = {}): RecordSyncState {
  return { entity: 'contacts', relatelId: 'rel-1', version: 0, ...overrides };
}

const NOW = new Date('2025-03-01T12:00:00.500Z');
const LEASE_MS = 60_000;
const SECOND = 1000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

export function describeSyncStateContract(makeStore: () => Promise<SyncStateStore>): void {
  let store: SyncStateStore;
  beforeEach(async () => {
    store = await makeStore();
  });

  describe('get and save', () => {
    it('knows nothing of a record never saved', async () => {
      expect(await store.get('contacts', 'rel-1')).toBeUndefined();
    });

    it('stores a new record at version 1 when saved with expected version 0', async () => {
      const saved = await store.save(aState({ ghlId: 'ghl-1' }), 0);

      expect(saved.version).toBe(1);
      expect(await store.get('contacts', 'rel-1')).toEqual(saved);
    });

    it('keeps every field of the state', async () => {
      const state = aState({
        entity: 'tasks',
        ghlId: 'ghl-task',
        ghlContactId: 'ghl-contact',
        lastOccurredAt: '2025-03-01T11:00:00.000Z',
        bodyHash: 'abc123',
        tags: ['vip', 'lead'],
        deleted: true,
        pendingCreateSince: '2025-03-01T10:00:00.000Z',
      });

      await store.save(state, 0);

      expect(await store.get('tasks', 'rel-1')).toEqual({ ...state, version: 1 });
    });

    it.each([
      { kind: 'task.create', contactId: 'ghl-contact', key: 'k1', bodyHash: 'abc', occurredAt: '2025-03-01T11:00:00.000Z' },
      { kind: 'contact.create', key: 'k2', sentFrom: '2025-03-01T10:00:00.000Z', sentUntil: '2025-03-01T10:00:05.000Z', bodyHash: 'f:c' },
    ] as const)('keeps a create in doubt of kind $kind whole', async (doubt) => {
      const state = aState({ pendingCreateSince: '1970-01-01T00:00:00.000Z', createInDoubt: doubt });

      await store.save(state, 0);

      expect(await store.get('contacts', 'rel-1')).toEqual({ ...state, version: 1 });
    });

    it('keeps what a contact’s children read: when it was parked and when a child asked for it to be fetched', async () => {
      const state = aState({ parkedAt: '2025-03-01T12:00:00.000Z', fetchRequestedAt: '2025-03-01T11:00:00.000Z' });

      await store.save(state, 0);

      expect(await store.get('contacts', 'rel-1')).toEqual({ ...state, version: 1 });
    });

    it('keeps an empty tag set apart from no tag set', async () => {
      await store.save(aState({ tags: [] }), 0);

      expect((await store.get('contacts', 'rel-1'))?.tags).toEqual([]);
    });

    it('replaces the state and increments the version when saved with the stored version', async () => {
      const first = await store.save(aState({ bodyHash: 'v1' }), 0);

      const second = await store.save({ ...first, bodyHash: 'v2' }, first.version);

      expect(second.version).toBe(2);
      expect(await store.get('contacts', 'rel-1')).toMatchObject({ bodyHash: 'v2', version: 2 });
    });

    it('removes a field the new state leaves out', async () => {
      const claimed = await store.save(aState({ pendingCreateSince: NOW.toISOString() }), 0);
      const { pendingCreateSince: _cleared, ...created } = { ...claimed, ghlId: 'ghl-1' };

      await store.save(created, claimed.version);

      expect(await store.get('contacts', 'rel-1')).not.toHaveProperty('pendingCreateSince');
    });

    it('refuses to create a record that already exists', async () => {
      await store.save(aState(), 0);

      await expect(store.save(aState({ ghlId: 'other' }), 0)).rejects.toBeInstanceOf(StaleStateError);
    });

    it('refuses a save based on an outdated version with a transient state-conflict error', async () => {
      const v1 = await store.save(aState(), 0);
      await store.save({ ...v1, bodyHash: 'newer' }, v1.version);

      const error = await store.save({ ...v1, bodyHash: 'older' }, v1.version).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StaleStateError);
      expect(isSyncError(error) && [error.kind, error.reason]).toEqual(['transient', 'state-conflict']);
      expect(await store.get('contacts', 'rel-1')).toMatchObject({ bodyHash: 'newer' });
    });

    it('lets exactly one of two writers that read the same version win', async () => {
      const v1 = await store.save(aState(), 0);

      const results = await Promise.allSettled([
        store.save({ ...v1, bodyHash: 'a' }, v1.version),
        store.save({ ...v1, bodyHash: 'b' }, v1.version),
      ]);

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason)).toEqual([expect.any(StaleStateError)]);
    });

    it('keeps records of different entities with the same Relatel id apart', async () => {
      await store.save(aState({ entity: 'contacts', ghlId: 'ghl-contact' }), 0);
      await store.save(aState({ entity: 'notes', ghlId: 'ghl-note' }), 0);

      expect((await store.get('contacts', 'rel-1'))?.ghlId).toBe('ghl-contact');
      expect((await store.get('notes', 'rel-1'))?.ghlId).toBe('ghl-note');
    });

    it('is not changed by a caller mutating a state it was given', async () => {
      const saved = await store.save(aState({ tags: ['vip'] }), 0);
      saved.tags?.push('mutated');
      (await store.get('contacts', 'rel-1'))?.tags?.push('mutated');

      expect((await store.get('contacts', 'rel-1'))?.tags).toEqual(['vip']);
    });
  });

  describe('claimCreate', () => {
    it('claims an unknown record and records when', async () => {
      const result = await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);

      expect(result).toEqual({
        claimed: true,
        state: { entity: 'contacts', relatelId: 'rel-1', pendingCreateSince: NOW.toISOString(), version: 1 },
      });
      expect(await store.get('contacts', 'rel-1')).toEqual(result.state);
    });

    it('lets exactly one of 10 concurrent claimers claim', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS)),
      );

      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      expect(results.filter((r) => !r.claimed && r.reason === 'in-progress')).toHaveLength(9);
    });

    it('refuses a claim while another is younger than the lease', async () => {
      await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);

      const result = await store.claimCreate('contacts', 'rel-1', at(LEASE_MS - 1), LEASE_MS);

      expect(result).toMatchObject({ claimed: false, reason: 'in-progress' });
    });

    it('lets a claim older than the lease be taken over', async () => {
      await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);

      const result = await store.claimCreate('contacts', 'rel-1', at(LEASE_MS), LEASE_MS);

      expect(result).toMatchObject({ claimed: true, state: { pendingCreateSince: at(LEASE_MS).toISOString(), version: 2 } });
    });

    it('stops the holder of a taken-over claim from saving', async () => {
      const abandoned = await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);
      await store.claimCreate('contacts', 'rel-1', at(LEASE_MS), LEASE_MS);

      await expect(store.save({ ...abandoned.state, ghlId: 'late' }, abandoned.state.version)).rejects.toBeInstanceOf(
        StaleStateError,
      );
    });

    it('refuses a claim on a record whose GHL twin exists', async () => {
      await store.save(aState({ ghlId: 'ghl-1' }), 0);

      const result = await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);

      expect(result).toMatchObject({ claimed: false, reason: 'exists', state: { ghlId: 'ghl-1', version: 1 } });
    });

    it('keeps what the state already held when claiming', async () => {
      await store.save(aState({ lastOccurredAt: '2025-03-01T11:00:00.000Z', tags: ['vip'] }), 0);

      const result = await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);

      expect(result.state).toMatchObject({ lastOccurredAt: '2025-03-01T11:00:00.000Z', tags: ['vip'], version: 2 });
    });

    it('ends when the claimer saves the GHL id with the claimed version', async () => {
      const claim = await store.claimCreate('contacts', 'rel-1', NOW, LEASE_MS);
      const { pendingCreateSince: _done, ...claimedState } = claim.state;
      await store.save({ ...claimedState, ghlId: 'ghl-1' }, claim.state.version);

      const again = await store.claimCreate('contacts', 'rel-1', at(1), LEASE_MS);

      expect(again).toMatchObject({ claimed: false, reason: 'exists' });
    });
  });

  describe('processed deliveries', () => {
    it('reports a delivery never marked as not processed', async () => {
      expect(await store.wasDeliveryProcessed('d-1', NOW)).toBe(false);
    });

    it('marks a delivery once: the first mark wins, a second is refused', async () => {
      expect(await store.markDeliveryProcessed('d-1', NOW)).toBe(true);
      expect(await store.markDeliveryProcessed('d-1', at(SECOND))).toBe(false);
      expect(await store.wasDeliveryProcessed('d-1', at(SECOND))).toBe(true);
    });

    it('remembers a delivery until its TTL has passed', async () => {
      await store.markDeliveryProcessed('d-1', NOW, 600);

      expect(await store.wasDeliveryProcessed('d-1', at(599 * SECOND))).toBe(true);
      expect(await store.wasDeliveryProcessed('d-1', at(600 * SECOND))).toBe(false);
    });

    it('remembers a delivery for seven days by default, far past the 5-minute SQS dedup window', async () => {
      await store.markDeliveryProcessed('d-1', NOW);

      expect(DEFAULT_DELIVERY_TTL_SECONDS).toBe(7 * 24 * 3600);
      expect(await store.wasDeliveryProcessed('d-1', at((DEFAULT_DELIVERY_TTL_SECONDS - 1) * SECOND))).toBe(true);
      expect(await store.wasDeliveryProcessed('d-1', at(DEFAULT_DELIVERY_TTL_SECONDS * SECOND))).toBe(false);
    });

    it('lets an expired delivery be marked again', async () => {
      await store.markDeliveryProcessed('d-1', NOW, 60);

      expect(await store.markDeliveryProcessed('d-1', at(60 * SECOND), 60)).toBe(true);
      expect(await store.wasDeliveryProcessed('d-1', at(60 * SECOND))).toBe(true);
    });

    it('lets exactly one of 10 concurrent markers of a delivery win', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => store.markDeliveryProcessed('d-1', NOW)));

      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps deliveries apart from record states', async () => {
      await store.markDeliveryProcessed('rel-1', NOW);

      expect(await store.get('contacts', 'rel-1')).toBeUndefined();
      expect((await store.listStates('contacts')).states).toEqual([]);
    });
  });

  describe('listStates', () => {
    it('lists every state of the asked entity and no other, page by page', async () => {
      for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) await store.save(aState({ relatelId: id }), 0);
      await store.save(aState({ entity: 'tasks', relatelId: 't1' }), 0);
      await store.markDeliveryProcessed('d-1', NOW);

      const listed: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listStates('contacts', cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
        listed.push(...page.states.map((s) => s.relatelId));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined);

      expect(listed.sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
      expect(pages).toBeGreaterThan(1);
    });
  });
}
