/**
 * `npm run verify`'s GHL half against the GHL simulator: records synced through the real
 * consumers (the consumer harness), then changed or deleted in GHL behind the sync's back. Repair
 * enqueues events that the same consumers then apply.
 */
import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../lib/ingest/ports.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { hasGhlDrift, verifyGhl, type GhlDrift } from '../../../lib/ops/verify-ghl.js';
import type { RelatelClient, RelatelContact } from '../../../lib/relatel/client.js';
import { relatelAppointment, relatelEvent, relatelNote, relatelTask, type RelatelEventFixture } from '../../factories/relatel-events.js';
import { ghlClientOf as clientOf, harnessPerTest } from '../consumers/harness.js';
import { relatelContact } from './fake-relatel.js';

const harness = harnessPerTest();
const anna = relatelContact(1, { name: 'Anna Andersen' });
const bo = relatelContact(2, { name: 'Bo Berg' });

function relatelOf(contacts: RelatelContact[]): Pick<RelatelClient, 'getContact'> {
  return { getContact: async (id) => contacts.find((contact) => String(contact.id) === id) };
}

/** Anna (contact 1), and Bo (contact 2) with a task, a note and an appointment: five linked records. */
async function syncedWorld() {
  const h = await harness();
  const child = { contact_id: 2 };
  await h.sync(
    relatelEvent('contact.created', { payload: anna }),
    relatelEvent('contact.created', { payload: bo }),
    relatelEvent('task.created', { payload: relatelTask(child) }),
    relatelEvent('note.created', { payload: relatelNote(child) }),
    relatelEvent('appointment.created', { payload: relatelAppointment(child) }),
  );
  expect(h.parked).toEqual([]);
  const ghl = clientOf(h);
  const ghlIdOf = async (entity: 'contacts' | 'tasks' | 'notes' | 'appointments', relatelId: string) => (await h.state.get(entity, relatelId))!.ghlId!;
  return { h, ghl, ghlIdOf };
}

const mapping = parseMappingConfig({});
const drifts = (list: GhlDrift[]) => list.map((drift) => `${drift.entity} ${drift.relatelId}: ${drift.reason}`).sort();

describe('verify reads GHL', () => {
  it('reports records deleted in GHL as missing and records changed there as different, by id and field name', async () => {
    const { h, ghl, ghlIdOf } = await syncedWorld();
    const boId = await ghlIdOf('contacts', '2');
    h.ghl.deleteRecord('contact', await ghlIdOf('contacts', '1'));
    h.ghl.deleteRecord('note', await ghlIdOf('notes', '90210'));
    await ghl.updateContact(boId, { lastName: 'Bager' });
    await ghl.setTaskCompleted(boId, await ghlIdOf('tasks', '7331'), true);

    const report = await verifyGhl({ ghl, state: h.state, relatel: relatelOf([anna, bo]), mapping });

    expect(drifts(report.missing)).toEqual(['contacts 1: not-in-ghl', 'notes 90210: not-in-ghl']);
    expect(drifts(report.different)).toEqual(['contacts 2: fields: lastName', 'tasks 7331: completed']);
    expect(report).toMatchObject({ linked: 5, checked: 5, inSync: 1, leftDeletedInGhl: 0, repairEnqueued: [] });
    expect(hasGhlDrift(report)).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/Anna|Andersen|Bager|kunde1@|example\.dk/);
  });

  it('finds nothing to report when GHL holds what the sync wrote', async () => {
    const { h, ghl } = await syncedWorld();

    const report = await verifyGhl({ ghl, state: h.state, relatel: relatelOf([anna, bo]), mapping });

    expect(report).toMatchObject({ linked: 5, checked: 5, inSync: 5, missing: [], different: [] });
    expect(hasGhlDrift(report)).toBe(false);
  });

  it('reads only a random sample with --sample, and tells its progress as it goes', async () => {
    const { h, ghl } = await syncedWorld();
    const progress: string[] = [];

    const report = await verifyGhl(
      { ghl, state: h.state, relatel: relatelOf([anna, bo]), mapping, random: () => 0.5 },
      { sample: 2, onProgress: (checked, total) => progress.push(`${checked}/${total}`) },
    );

    expect(report).toMatchObject({ linked: 5, checked: 2, inSync: 2 });
    expect(progress).toEqual(['1/2', '2/2']);
  });

  it('with repair, enqueues the events that heal the contacts; the consumers write them again, once', async () => {
    const { h, ghl, ghlIdOf } = await syncedWorld();
    const annaId = await ghlIdOf('contacts', '1');
    h.ghl.deleteRecord('contact', annaId);
    await ghl.updateContact(await ghlIdOf('contacts', '2'), { lastName: 'Bager' });
    const queued: QueueMessage[] = [];
    const deps = { ghl, state: h.state, relatel: relatelOf([anna, bo]), mapping, queue: { send: async (message: QueueMessage) => void queued.push(message) } };

    const report = await verifyGhl(deps, { repair: true });
    expect(report.repairEnqueued.sort()).toEqual(['1', '2']);
    expect(queued.map((message) => [message.entity, message.attributes.event_type])).toEqual([
      ['contacts', 'contact.updated'],
      ['contacts', 'contact.updated'],
    ]);

    await h.sync(...queued.map((message) => JSON.parse(message.body) as RelatelEventFixture));

    expect(h.parked).toEqual([]);
    const contacts = h.ghl.state.contacts();
    expect(contacts.map((contact) => `${contact.firstName} ${contact.lastName}`).sort()).toEqual(['Anna Andersen', 'Bo Berg']);
    expect((await ghlIdOf('contacts', '1')) === annaId).toBe(false);
    const after = await verifyGhl({ ghl, state: h.state, relatel: relatelOf([anna, bo]), mapping }, { entities: ['contacts'] });
    expect(after).toMatchObject({ checked: 2, inSync: 2, missing: [], different: [] });
  });
});
