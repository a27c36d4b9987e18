/** What an update that failed part-way leaves behind: its retry writes only what GHL may not hold. */
import { describe, expect, it } from 'vitest';
import { transientError } from '../../../lib/errors.js';
import { validateRelatelEvent, type RoutedRelatelEvent } from '../../../lib/events/validate.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { contactBodyHash } from '../../../lib/sync/entities/contacts.js';
import { bodyHashAfterFailure } from '../../../lib/sync/failure-rules.js';
import type { GhlOperation } from '../../../lib/sync/plan.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { syncEvent } from '../../../lib/sync/sync-event.js';
import { relatelContact, relatelEvent } from '../../factories/relatel-events.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');

function routed(body: unknown): RoutedRelatelEvent {
  const event = validateRelatelEvent(body);
  if (!event.valid || event.kind !== 'routed') throw new Error('fixture is not a routed event');
  return event;
}

/** A GHL that records each call's name and fails the ones scripted to fail, once each. */
function scriptedGhl() {
  const calls: string[] = [];
  const failures = new Map<string, Error>();
  const answers: Record<string, (...args: unknown[]) => unknown> = {
    getLocationSettings: () => ({ allowDuplicateContact: false }),
    createContact: () => ({ outcome: 'created', contact: { id: 'ghl-5' } }),
    upsertContact: () => ({ created: false, contact: { id: 'ghl-5' } }),
    updateContact: () => ({ id: 'ghl-5' }),
    addTags: (_id, tags) => tags,
    removeTags: () => [],
  };
  const ghl = new Proxy({} as GhlClient, {
    get: (_target, name: string) => async (...args: unknown[]) => {
      calls.push(name);
      const failure = failures.get(name);
      if (failure) {
        failures.delete(name);
        throw failure;
      }
      const answer = answers[name];
      if (answer === undefined) throw new Error(`unexpected GHL call: ${name}`);
      return answer(...args);
    },
  });
  return { ghl, calls, failOnce: (name: string, error: Error) => failures.set(name, error) };
}

const neverSent = () => transientError('Waiting for the rate budget would take too long', { reason: 'ghl-rate-budget-wait' });
const answerLost = () => transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });

async function contactInGhl() {
  const state = new InMemorySyncStateStore();
  const script = scriptedGhl();
  const deps = { state, ghl: script.ghl, mapping: parseMappingConfig(undefined), now: () => NOW, createLeaseMs: 600_000 };
  await syncEvent(routed(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ id: 5, tags: ['kunde'] }) })), deps);
  script.calls.length = 0;
  return { ...script, deps, state };
}

const updated = (payload: Parameters<typeof relatelContact>[0]) =>
  routed(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelContact({ id: 5, ...payload }) }));

describe('a contact update that failed part-way, retried', () => {
  it.each([
    ['was never sent', neverSent],
    ['was answered 5xx', answerLost],
  ])('rewrites the company, not the unchanged fields, when the company upsert %s', async (_, failure) => {
    const h = await contactInGhl();
    const event = updated({ company: 'Nyt Firma ApS', tags: ['kunde'] });
    h.failOnce('upsertContact', failure());
    await expect(syncEvent(event, h.deps)).rejects.toMatchObject({ kind: 'transient' });
    h.calls.length = 0;

    await syncEvent(event, h.deps);

    expect(h.calls).toEqual(['upsertContact']);
  });

  it('does not repeat a PUT that succeeded before the company upsert failed', async () => {
    const h = await contactInGhl();
    const event = updated({ name: 'Mette Jensen', company: 'Nyt Firma ApS', tags: ['kunde'] });
    h.failOnce('upsertContact', answerLost());
    await expect(syncEvent(event, h.deps)).rejects.toMatchObject({ reason: 'ghl-503' });
    expect(h.calls).toEqual(['updateContact', 'upsertContact']);
    h.calls.length = 0;

    await syncEvent(event, h.deps);

    expect(h.calls).toEqual(['upsertContact']);
  });

  it('repeats a PUT whose answer was lost, and the company upsert that was never sent after it', async () => {
    const h = await contactInGhl();
    const event = updated({ name: 'Mette Jensen', company: 'Nyt Firma ApS', tags: ['kunde'] });
    h.failOnce('updateContact', answerLost());
    await expect(syncEvent(event, h.deps)).rejects.toMatchObject({ reason: 'ghl-503' });
    h.calls.length = 0;

    await syncEvent(event, h.deps);

    expect(h.calls).toEqual(['updateContact', 'upsertContact']);
  });

  it('records tags added before a later tag call failed unsent, so only the failed call is made again', async () => {
    const h = await contactInGhl();
    const event = updated({ tags: ['vip'] });
    h.failOnce('removeTags', neverSent());
    await expect(syncEvent(event, h.deps)).rejects.toMatchObject({ reason: 'ghl-rate-budget-wait' });
    expect(h.calls).toEqual(['addTags', 'removeTags']);
    h.calls.length = 0;

    await syncEvent(event, h.deps);

    expect(h.calls).toEqual(['removeTags']);
    expect(await h.state.get('contacts', '5')).toMatchObject({ tags: ['vip'] });
    expect((await h.state.get('contacts', '5'))?.tagsInDoubt).toBeUndefined();
  });
});

describe('bodyHashAfterFailure', () => {
  const put: GhlOperation = { op: 'contact.update', contactId: 'g', body: {} };
  const company: GhlOperation = { op: 'contact.upsert', contactId: 'g', body: {} };
  const note: GhlOperation = { op: 'note.update', contactId: 'g', noteId: 'n', body: {} };
  const before = contactBodyHash('f1', 'c1');
  const wanted = contactBodyHash('f2', 'c2');

  it.each([
    ['nothing was sent', [], undefined, before],
    ['the PUT succeeded and the company upsert was never sent', [put], undefined, contactBodyHash('f2', 'c1')],
    ['the PUT succeeded and the company upsert may have been applied', [put], company, 'f2:'],
    ['the PUT may have been applied', [], put, ':c1'],
  ] as const)('for a contact when %s', (_, applied, inDoubt, expected) => {
    expect(bodyHashAfterFailure(before, wanted, applied, inDoubt)).toBe(expected);
  });

  it('drops a single-part hash whose update may have been applied, and keeps one never sent', () => {
    expect(bodyHashAfterFailure('n1', 'n2', [], note)).toBeUndefined();
    expect(bodyHashAfterFailure('n1', 'n2', [], undefined)).toBe('n1');
  });
});
