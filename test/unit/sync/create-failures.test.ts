/** What a failed create leaves behind: nothing in doubt when GHL refused it, a search when its answer was lost, tags still owed. */
import { describe, expect, it } from 'vitest';
import { permanentError, transientError } from '../../../lib/errors.js';
import { validateRelatelEvent, type RoutedRelatelEvent } from '../../../lib/events/validate.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { mayHaveBeenApplied } from '../../../lib/ghl/errors.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { outcomeLabel } from '../../../lib/sync/outcome.js';
import { syncEvent } from '../../../lib/sync/sync-event.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { relatelContact, relatelEvent } from '../../factories/relatel-events.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');

function routed(body: unknown): RoutedRelatelEvent {
  const event = validateRelatelEvent(body);
  if (!event.valid || event.kind !== 'routed') throw new Error('fixture is not a routed event');
  return event;
}

/** A GHL whose contact upsert always fails with `failure`; any other call fails the test. */
function ghlFailingUpsertWith(failure: Error): GhlClient {
  return new Proxy({} as GhlClient, {
    get: (_target, name) => () => Promise.reject(name === 'upsertContact' ? failure : new Error(`unexpected GHL call: ${String(name)}`)),
  });
}

async function createThenDelete(failure: Error) {
  const state = new InMemorySyncStateStore();
  const deps = { state, ghl: ghlFailingUpsertWith(failure), mapping: parseMappingConfig(undefined), now: () => NOW, createLeaseMs: 600_000 };
  const created = routed(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ id: 5 }) }));
  await expect(syncEvent(created, deps)).rejects.toBe(failure);
  const deleted = routed(relatelEvent('contact.deleted', { occurred_at: '2026-03-02T08:05:00.000Z', payload: { id: 5 } }));
  return syncEvent(deleted, deps);
}

describe('a contact whose create failed, then its delete', () => {
  it('is deleted at once (nothing to delete) when GHL refused the create with a 422', async () => {
    const outcomes = await createThenDelete(permanentError('GHL answered 422', { reason: 'ghl-422', status: 422 }));
    expect(outcomes.map((o) => outcomeLabel(o.outcome))).toEqual(['nothing-to-delete']);
  });

  it('waits for the create to be settled when its answer was lost (a 5xx may hide a write)', async () => {
    await expect(createThenDelete(transientError('GHL answered 503', { reason: 'ghl-503', status: 503 }))).rejects.toMatchObject({
      reason: 'create-in-doubt',
    });
  });
});

describe('mayHaveBeenApplied', () => {
  it.each([
    ['a 422', permanentError('x', { reason: 'ghl-422', status: 422 }), false],
    ['a 429', transientError('x', { reason: 'ghl-429', status: 429 }), false],
    ['a wait for the rate budget', transientError('x', { reason: 'ghl-rate-budget-wait' }), false],
    ['a 502', transientError('x', { reason: 'ghl-502', status: 502 }), true],
    ['a timeout', transientError('x', { reason: 'ghl-timeout' }), true],
    ['an unknown error', new TypeError('x'), true],
  ])('answers for %s', (_, error, expected) => {
    expect(mayHaveBeenApplied(error)).toBe(expected);
  });
});

describe('a contact created in GHL whose tag call failed', () => {
  it('still gets the configured fixed tag from its next event, even one that carries no tags', async () => {
    const state = new InMemorySyncStateStore();
    const added: string[][] = [];
    let tagCalls = 0;
    const ghl = new Proxy({} as GhlClient, {
      get: (_target, name) => async (...args: unknown[]) => {
        if (name === 'upsertContact') return { created: true, contact: { id: 'ghl-5' } };
        if (name === 'updateContact') return { id: 'ghl-5' };
        if (name === 'addTags') {
          tagCalls += 1;
          if (tagCalls === 1) throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
          added.push(args[1] as string[]);
          return args[1];
        }
        throw new Error(`unexpected GHL call: ${String(name)}`);
      },
    });
    const deps = { state, ghl, mapping: parseMappingConfig({ contacts: { tag: 'relatel' } }), now: () => NOW, createLeaseMs: 600_000 };
    const created = routed(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: { id: 5, name: 'Mette Hansen', email: 'mette@example.dk' } }));
    await expect(syncEvent(created, deps)).rejects.toMatchObject({ reason: 'ghl-503' });

    const updated = routed(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: { id: 5, name: 'Mette Jensen', email: 'mette@example.dk' } }));
    await syncEvent(updated, deps);

    expect(added).toEqual([['relatel']]);
    expect((await state.get('contacts', '5'))?.tags).toEqual(['relatel']);
  });
});
