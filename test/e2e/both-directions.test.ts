/**
 * Both directions on the local stack: GHL contact webhooks through the GHL door and the Relatel
 * writer into the Relatel simulator, Relatel webhooks through the contacts consumer into the GHL
 * simulator, and no echo. Neither simulator sends webhooks of its own, so the test plays each
 * system's webhook for the sync's own write (the contact as the simulator now holds it) and
 * counts the calls each simulator served: a change costs one write on the other side, and its
 * echo costs nothing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimContact } from '../../local/ghl-simulator/store.js';
import type { RelatelSimContact } from '../../local/relatel-simulator/index.js';
import { relatelEvent } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;
let webhookSeq = 0;

beforeAll(async () => {
  e2e = await startE2eStack({ handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '1000', RELATEL_RATE_LIMIT_INTERVAL_MS: '1000' } });
});

afterAll(async () => {
  await e2e?.stop();
});

/** A GHL app webhook of the stack's location, happening now. */
function ghlWebhook(type: string, contact: Record<string, unknown>, timestamp = new Date()): Record<string, unknown> {
  webhookSeq += 1;
  return { type, locationId: e2e.stack.ghlLocationId, timestamp: timestamp.toISOString(), webhookId: `e2e-wh-${Date.now()}-${webhookSeq}`, ...contact };
}

/** GHL's ContactUpdate webhook for the contact as the GHL simulator now holds it. */
function ghlEchoOf(contact: SimContact): Record<string, unknown> {
  const { id, firstName, lastName, name, email, phone, tags } = contact;
  return ghlWebhook('ContactUpdate', { id, firstName, lastName, name, email, phone, tags });
}

/** Relatel's webhook for the contact as the Relatel simulator now holds it. */
function relatelWebhookOf(type: 'contact.created' | 'contact.updated', contact: Pick<RelatelSimContact, 'id' | 'name' | 'number' | 'email'>) {
  return relatelEvent(type, { occurred_at: new Date().toISOString(), payload: { id: contact.id, name: contact.name, number: contact.number, email: contact.email } });
}

const ghlCalls = () => e2e.simulator.state.counters().total;
const relatelCalls = () => e2e.relatel.state.counters().total;
const relatelContact = (number: string) => e2e.relatel.state.contacts().find((contact) => contact.number === number);

describe('GHL -> Relatel, and no echo either way', () => {
  // Made in GHL (the simulator), as a user would; GHL then sends ContactCreate.
  let ghlId: string;
  let contact: Record<string, unknown>;
  beforeAll(() => {
    const made = e2e.simulator.seedContact({ firstName: 'Anna', lastName: 'Berg', email: 'anna.berg@example.dk', phone: '+4522334455' });
    ghlId = made.id;
    contact = { id: ghlId, firstName: 'Anna', lastName: 'Berg', email: 'anna.berg@example.dk', phone: '+4522334455', tags: [] };
  });

  it('a contact created in GHL appears in Relatel, and Relatel\'s webhook for that create costs no GHL call', async () => {
    const ghlBefore = ghlCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4522334455')).toMatchObject({ name: 'Anna Berg', email: 'anna.berg@example.dk' });
    expect(e2e.relatelWrites.at(-1)?.result).toMatchObject({ outcome: { status: 'synced', action: 'created' }, relatelCalls: 2 });

    expect(await e2e.send(relatelWebhookOf('contact.created', relatelContact('4522334455')!))).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'no-op' });
    expect(ghlCalls() - ghlBefore).toBe(0);
  });

  it('an update in GHL costs one Relatel write, and its echo from Relatel no GHL call', async () => {
    const [ghlBefore, relatelBefore] = [ghlCalls(), relatelCalls()];
    expect(await e2e.sendGhl(ghlWebhook('ContactUpdate', { ...contact, lastName: 'Berg-Olsen' }))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4522334455')).toMatchObject({ name: 'Anna Berg-Olsen' });
    expect(relatelCalls() - relatelBefore).toBe(1);

    expect(await e2e.send(relatelWebhookOf('contact.updated', relatelContact('4522334455')!))).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'no-op' });
    expect(ghlCalls() - ghlBefore).toBe(0);
  });

  it('a change in Relatel costs one GHL write, and its echo from GHL no Relatel call', async () => {
    const relatelId = relatelContact('4522334455')!.id;
    const [ghlBefore, relatelBefore] = [ghlCalls(), relatelCalls()];
    const changed = { id: relatelId, name: 'Anna Berg-Olsen', number: '4522334455', email: 'anna@olsen.dk' };
    expect(await e2e.send(relatelWebhookOf('contact.updated', changed))).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'synced', ghlId });
    expect(e2e.simulator.state.contact(ghlId)).toMatchObject({ email: 'anna@olsen.dk' });
    expect(ghlCalls() - ghlBefore).toBe(1);

    expect(await e2e.sendGhl(ghlEchoOf(e2e.simulator.state.contact(ghlId)!))).toBe(202);
    await e2e.drained();
    expect(e2e.relatelWrites.at(-1)?.result).toMatchObject({ outcome: { status: 'skipped', reason: 'no-op' }, relatelCalls: 0 });
    expect(relatelCalls() - relatelBefore).toBe(0);
  });

  it('a contact deleted in GHL is deleted from Relatel, because the sync created it there, and Relatel\'s webhook for that delete costs no GHL call', async () => {
    const relatelId = relatelContact('4522334455')!.id;
    const ghlBefore = ghlCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactDelete', contact))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4522334455')).toBeUndefined();
    expect(e2e.relatelWrites.at(-1)?.result.outcome).toEqual({ status: 'synced', action: 'deleted' });

    expect(await e2e.send(relatelEvent('contact.deleted', { occurred_at: new Date().toISOString(), payload: { id: relatelId } }))).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'deleted' });
    expect(ghlCalls() - ghlBefore).toBe(0);
  });
});

describe('a change made on both sides within the same minute: the later one wins, whichever arrives first', () => {
  // Both changes lie 30 s apart inside one minute; which webhook is processed first is the test's choice.
  const minute = () => new Date(Math.floor((Date.now() - 120_000) / 60_000) * 60_000);
  let ghlId: string;
  let relatelId: number;
  let contact: Record<string, unknown>;

  beforeAll(async () => {
    const made = e2e.simulator.seedContact({ firstName: 'Nora', lastName: 'Vang', email: 'nora@vang.dk', phone: '+4523456789' });
    ghlId = made.id;
    contact = { id: ghlId, firstName: 'Nora', lastName: 'Vang', email: 'nora@vang.dk', phone: '+4523456789', tags: [] };
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact, new Date(minute().getTime() - 60_000)))).toBe(202);
    await e2e.drained();
    relatelId = relatelContact('4523456789')!.id;
  });

  it('GHL changed at :40 and Relatel at :10, GHL first: Relatel gets GHL\'s change, the older Relatel change is stale and costs no GHL call', async () => {
    const at = minute();
    expect(await e2e.sendGhl(ghlWebhook('ContactUpdate', { ...contact, lastName: 'Vang-Ghl' }, new Date(at.getTime() + 40_000)))).toBe(202);
    await e2e.drained();
    expect(relatelContact('4523456789')).toMatchObject({ name: 'Nora Vang-Ghl' });

    const ghlBefore = ghlCalls();
    const older = relatelEvent('contact.updated', {
      occurred_at: new Date(at.getTime() + 10_000).toISOString(),
      payload: { id: relatelId, name: 'Nora Vang-Relatel', number: '4523456789', email: 'nora@vang.dk' },
    });
    expect(await e2e.send(older)).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'stale' });
    expect(ghlCalls() - ghlBefore).toBe(0);
    expect(e2e.simulator.state.contact(ghlId)).toMatchObject({ lastName: 'Vang' });
  });

  it('Relatel changed at :40 and GHL at :10, Relatel first: GHL gets Relatel\'s change, the older GHL change is stale and costs no Relatel call', async () => {
    // The next minute, so both changes are newer than the previous test's.
    const at = new Date(minute().getTime() + 60_000);
    const ghlBefore = ghlCalls();
    const newer = relatelEvent('contact.updated', {
      occurred_at: new Date(at.getTime() + 40_000).toISOString(),
      payload: { id: relatelId, name: 'Nora Vang-Ghl', number: '4523456789', email: 'nora@relatel.dk' },
    });
    expect(await e2e.send(newer)).toBe(202);
    await e2e.drained();
    expect(e2e.processed.at(-1)).toMatchObject({ entity: 'contacts', result: 'synced', ghlId });
    expect(e2e.simulator.state.contact(ghlId)).toMatchObject({ email: 'nora@relatel.dk' });
    expect(ghlCalls() - ghlBefore).toBe(1);

    const relatelBefore = relatelCalls();
    expect(await e2e.sendGhl(ghlWebhook('ContactUpdate', { ...contact, email: 'nora@ghl.dk' }, new Date(at.getTime() + 10_000)))).toBe(202);
    await e2e.drained();
    expect(e2e.relatelWrites.at(-1)?.result).toMatchObject({ outcome: { status: 'skipped', reason: 'stale' }, relatelCalls: 0 });
    expect(relatelCalls() - relatelBefore).toBe(0);
    // (The simulator never saw the Relatel user's change, only its webhook: what matters is that GHL's older value was not written.)
    expect(relatelContact('4523456789')?.email).not.toBe('nora@ghl.dk');
  });
});

describe('a contact Relatel already has', () => {
  it('is linked by its number, never duplicated, and left alone when the GHL contact is deleted', async () => {
    const seeded = e2e.relatel.seedContact({ name: 'Bo Nielsen', number: '4533445566', email: 'bo@example.dk' });
    const contact = { id: 'E2eGhlContact0000002', firstName: 'Bo', lastName: 'Nielsen', email: 'bo@example.dk', phone: '+4533445566' };
    const writesBefore = e2e.relatel.state.requests().length;
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact))).toBe(202);
    await e2e.drained();
    expect(e2e.relatelWrites.at(-1)?.result).toMatchObject({ outcome: { status: 'synced', action: 'linked' }, relatelId: String(seeded.id) });
    expect(e2e.relatel.state.contacts().filter((c) => c.number === '4533445566')).toHaveLength(1);
    expect(e2e.relatel.state.requests().slice(writesBefore).map((r) => r.operation)).toEqual(['contacts.lookup']);

    expect(await e2e.sendGhl(ghlWebhook('ContactDelete', contact))).toBe(202);
    await e2e.drained();
    expect(e2e.relatel.state.contact(seeded.id)).toMatchObject({ name: 'Bo Nielsen' });
  });
});

describe('the GHL door refuses what GHL did not send', () => {
  const contact = { id: 'E2eGhlContact0000003', firstName: 'Eve', phone: '+4544556677' };

  it('refuses forged, stale and wrongly authenticated webhooks, and nothing reaches Relatel', async () => {
    const before = relatelCalls();
    const forger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact), forger)).toBe(401);
    expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact, new Date(Date.now() - 10 * 60_000)))).toBe(401);
    const workflow = { contact_id: contact.id, first_name: 'Eve', phone: contact.phone, location: { id: e2e.stack.ghlLocationId } };
    expect(await e2e.sendWorkflow(workflow, 'not-the-secret-0123456789abcdef012345')).toBe(401);
    await e2e.drained();
    expect(relatelCalls() - before).toBe(0);
    expect(relatelContact('4544556677')).toBeUndefined();
  });

  it('applies a replayed webhook (same webhookId) once', async () => {
    const body = ghlWebhook('ContactCreate', { ...contact, id: 'E2eGhlContact0000004', phone: '+4555667788' });
    expect(await e2e.sendGhl(body)).toBe(202);
    await e2e.drained();
    const before = relatelCalls();
    expect(await e2e.sendGhl(body)).toBe(202);
    await e2e.drained();
    expect(relatelCalls() - before).toBe(0);
    expect(e2e.relatel.state.contacts().filter((c) => c.number === '4555667788')).toHaveLength(1);
  });

  it('accepts a workflow webhook with the shared secret', async () => {
    const workflow = { contact_id: 'E2eGhlContact0000005', first_name: 'Ida', last_name: 'Holm', phone: '+4566778899', location: { id: e2e.stack.ghlLocationId } };
    expect(await e2e.sendWorkflow(workflow)).toBe(202);
    await e2e.drained();
    expect(relatelContact('4566778899')).toMatchObject({ name: 'Ida Holm' });
  });
});
