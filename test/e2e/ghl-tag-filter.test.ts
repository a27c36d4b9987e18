/**
 * GHL -> Relatel with the mapping's `relatel.onlyWithTag` on the local stack: only tagged GHL
 * contacts reach Relatel's phonebook; a contact that loses the tag loses its Relatel twin if the
 * sync created it, and keeps one the sync only linked. Relatel's webhook for the sync's own
 * delete must not come back as a GHL delete: the GHL contact only lost a tag. As in
 * both-directions.test.ts the test plays Relatel's webhook for the sync's write and counts the
 * requests each simulator served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relatelEvent } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

const TAG = 'caller-id';
let e2e: E2eStack;
let webhookSeq = 0;

beforeAll(async () => {
  e2e = await startE2eStack({
    handlerEnv: {
      RELATEL_RATE_LIMIT_REQUESTS: '1000',
      RELATEL_RATE_LIMIT_INTERVAL_MS: '1000',
      MAPPING_CONFIG: JSON.stringify({ relatel: { onlyWithTag: TAG } }),
    },
  });
});

afterAll(async () => {
  await e2e?.stop();
});

function ghlWebhook(type: string, contact: Record<string, unknown>): Record<string, unknown> {
  webhookSeq += 1;
  return { type, locationId: e2e.stack.ghlLocationId, timestamp: new Date().toISOString(), webhookId: `e2e-tag-${Date.now()}-${webhookSeq}`, ...contact };
}

const ghlCalls = () => e2e.simulator.state.counters().total;
const relatelCalls = () => e2e.relatel.state.counters().total;
const relatelContact = (number: string) => e2e.relatel.state.contacts().find((contact) => contact.number === number);

describe('only GHL contacts with the configured tag', () => {
  let contact: Record<string, unknown>;
  beforeAll(() => {
    const made = e2e.simulator.seedContact({ firstName: 'Kai', lastName: 'Lund', phone: '+4520304050', tags: ['lead'] });
    contact = { id: made.id, firstName: 'Kai', lastName: 'Lund', phone: '+4520304050' };
  });

  it('an untagged contact does not reach Relatel, and costs Relatel nothing', async () => {
    const before = relatelCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', { ...contact, tags: ['lead'] }))).toBe(202);
    await e2e.drained();
    expect(e2e.relatelWrites.at(-1)?.result.outcome).toEqual({ status: 'skipped', reason: 'not-qualified' });
    expect(relatelCalls() - before).toBe(0);
  });

  it('reaches Relatel when a ContactTagUpdate adds the tag', async () => {
    expect(await e2e.sendGhl(ghlWebhook('ContactTagUpdate', { ...contact, tags: ['lead', TAG] }))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4520304050')).toMatchObject({ name: 'Kai Lund' });
  });

  it('loses its Relatel twin with the tag, and Relatel\'s webhook for that delete leaves the GHL contact alone at no GHL call', async () => {
    const relatelId = relatelContact('4520304050')!.id;
    const ghlBefore = ghlCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactTagUpdate', { ...contact, tags: ['lead'] }))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4520304050')).toBeUndefined();

    expect(await e2e.send(relatelEvent('contact.deleted', { occurred_at: new Date().toISOString(), payload: { id: relatelId } }))).toBe(202);
    await e2e.drained();
    expect(e2e.simulator.state.contact(String(contact.id))).toMatchObject({ firstName: 'Kai', phone: '+4520304050' });
    expect(ghlCalls() - ghlBefore).toBe(0);
  });

  it('a contact Relatel had before keeps it when the GHL contact loses the tag', async () => {
    const seeded = e2e.relatel.seedContact({ name: 'Liv Dahl', number: '4530405060' });
    const liv = { id: 'E2eTagContact0000002', firstName: 'Liv', lastName: 'Dahl', phone: '+4530405060' };
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', { ...liv, tags: [TAG] }))).toBe(202);
    await e2e.drained();
    expect(e2e.relatelWrites.at(-1)?.result).toMatchObject({ outcome: { status: 'synced', action: 'linked' }, relatelId: String(seeded.id) });

    const before = relatelCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactTagUpdate', { ...liv, tags: [] }))).toBe(202);
    await e2e.drained();
    expect(e2e.relatel.state.contact(seeded.id)).toMatchObject({ name: 'Liv Dahl', number: '4530405060' });
    expect(relatelCalls() - before).toBe(0);
  });
});
