/** A create claim left behind by a worker that died between GHL's write and the state's. */
import { describe, expect, it } from 'vitest';
import { validateRelatelEvent } from '../../../lib/events/validate.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { syncEvent } from '../../../lib/sync/sync-event.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { relatelAppointment, relatelEvent, relatelNote, relatelTask } from '../../factories/relatel-events.js';

const LEASE_MS = 600_000;
const NOW = new Date('2026-03-02T09:00:00.000Z');

/** Any GHL call fails the test: a fresh claim must be waited out, not raced. */
const untouchedGhl = new Proxy({} as GhlClient, {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected GHL call: ${String(name)}`)),
});

async function stateWithClaimTakenAt(claimedAt: Date, entity: 'tasks' | 'notes' | 'appointments' = 'tasks') {
  const state = new InMemorySyncStateStore();
  await state.save({ entity: 'contacts', relatelId: '7', ghlId: 'ghl-contact-7', version: 0 }, 0);
  await state.claimCreate(entity, '70', claimedAt, LEASE_MS);
  return state;
}

function routed(body: unknown) {
  const event = validateRelatelEvent(body);
  if (!event.valid || event.kind !== 'routed') throw new Error('fixture is not a routed event');
  return event;
}

describe('an event for a record whose create claim is still fresh', () => {
  it('is retried once the claim has expired, so that attempt can look for what the dead holder left in GHL', async () => {
    const state = await stateWithClaimTakenAt(new Date(NOW.getTime() - 60_000));
    const event = validateRelatelEvent(relatelEvent('task.created', { payload: relatelTask({ id: 70, contact_id: 7 }) }));
    if (!event.valid || event.kind !== 'routed') throw new Error('fixture is not a routed event');

    const attempt = syncEvent(event, { state, ghl: untouchedGhl, mapping: parseMappingConfig(undefined), now: () => NOW, createLeaseMs: LEASE_MS });

    await expect(attempt).rejects.toMatchObject({ kind: 'transient', reason: 'create-in-progress', retryAfterMs: LEASE_MS - 60_000 });
  });

  it.each([
    ['tasks', relatelEvent('task.deleted', { payload: relatelTask({ id: 70, contact_id: 7 }) })],
    ['notes', relatelEvent('note.deleted', { payload: relatelNote({ id: 70, contact_id: 7 }) })],
    ['appointments', relatelEvent('appointment.deleted', { payload: relatelAppointment({ id: 70, contact_id: 7 }) })],
  ] as const)('a delete of %s waits for the running create instead of leaving a tombstone it cannot see', async (entity, body) => {
    const state = await stateWithClaimTakenAt(new Date(NOW.getTime() - 60_000), entity);

    const attempt = syncEvent(routed(body), { state, ghl: untouchedGhl, mapping: parseMappingConfig(undefined), now: () => NOW, createLeaseMs: LEASE_MS });

    await expect(attempt).rejects.toMatchObject({ kind: 'transient', reason: 'create-in-progress' });
    expect((await state.get(entity, '70'))?.deleted).toBeUndefined();
  });
});
