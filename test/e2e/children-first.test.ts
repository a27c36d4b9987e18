/**
 * Children wait for their contact (lib/sync/contact-wait.ts), on the local stack:
 *  - a shuffled burst in which EVERY child (task, note) arrives before its contact: the children
 *    wait for their contacts (woken, not backing off: a waiting child hides for 15 minutes, far
 *    longer than this test may run), nothing is parked, and GHL ends exactly as expected;
 *  - a task for a contact that never had a webhook: the tasks consumer reads the contact from the
 *    Relatel simulator and queues it, the contacts consumer syncs it and wakes the task, which lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { seededRandom } from '../../local/ghl-simulator/random.js';
import { entityOfFixture, relatelEvent } from '../factories/relatel-events.js';
import { compareWithExpected } from './expectations.js';
import { E2E_SCALE, startE2eStack, type E2eStack } from './harness.js';
import { buildWorkload, groupIdOfEvent, shuffled } from './workload.js';

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
});

afterAll(async () => {
  await e2e?.stop();
});

const allDeadLetters = async () => (await Promise.all(ENTITIES.map((entity) => e2e.deadLetters(entity)))).flat();

const CONTACTS = Math.round(20 * E2E_SCALE);
const workload = buildWorkload(CONTACTS, { firstContactId: 710_000, runId: 'children-first' });

describe(`a shuffled burst of ${workload.events.length} events over ${CONTACTS} contacts, every child before its contact`, () => {
  beforeAll(async () => {
    e2e.relatelHolds(workload.events);
    const random = seededRandom(20261202);
    const children = shuffled(workload.events.filter((event) => entityOfFixture(event) !== 'contacts'), random);
    const contacts = shuffled(workload.events.filter((event) => entityOfFixture(event) === 'contacts'), random);
    const answers: number[] = [];
    // Every child is accepted before any contact event is sent.
    for (const batch of [children, contacts]) {
      for (let i = 0; i < batch.length; i += 8) answers.push(...(await Promise.all(batch.slice(i, i + 8).map((event) => e2e.send(event)))));
    }
    expect(answers.every((status) => status === 202)).toBe(true);
    await e2e.drained();
  }, 180_000);

  it('parks nothing', async () => {
    expect(await allDeadLetters()).toEqual([]);
  });

  it('ends with GHL holding the last version of every record, field by field, and nothing else', () => {
    expect(compareWithExpected(e2e.simulator, workload.expected).differences).toEqual([]);
  });

  it('synced every child once, after its contact', () => {
    const children = workload.events.filter((event) => entityOfFixture(event) !== 'contacts');
    const firstSynced = new Map<string, number>();
    e2e.processed.forEach((event, index) => {
      if (event.result === 'synced' && !firstSynced.has(event.deliveryId)) firstSynced.set(event.deliveryId, index);
    });
    const contactSyncedAt = new Map<string, number>();
    e2e.processed.forEach((event, index) => {
      if (event.entity === 'contacts' && event.result === 'synced' && !contactSyncedAt.has(event.relatelId)) contactSyncedAt.set(event.relatelId, index);
    });
    for (const child of children) {
      const at = firstSynced.get(child.delivery_id);
      if (at === undefined) continue;
      expect(at, child.delivery_id).toBeGreaterThan(contactSyncedAt.get(groupIdOfEvent(child)) ?? Number.POSITIVE_INFINITY);
    }
  });
});

describe('a task for a contact the sync has never seen', () => {
  it('fetches the contact from Relatel, syncs it through the contacts queue, and lands the task on it', async () => {
    e2e.relatel.seedContact({ id: 610_001, name: 'Ole Sørensen', number: '4561000001', email: 'ole.sorensen@example.dk' });
    const task = relatelEvent('task.created', { payload: { id: 620_001, contact_id: 610_001, title: 'Ring tilbage', due_at: '2026-03-10T10:00:00+01:00', status: 'open' } });

    expect(await e2e.send(task)).toBe(202);
    await e2e.drained();

    const contacts = e2e.simulator.state.contacts().filter((contact) => contact.email === 'ole.sorensen@example.dk');
    expect(contacts).toMatchObject([{ firstName: 'Ole', lastName: 'Sørensen', email: 'ole.sorensen@example.dk', phone: '+4561000001' }]);
    expect(e2e.simulator.state.tasks(contacts[0]!.id)).toMatchObject([{ title: 'Ring tilbage' }]);
    const ours = (event: { relatelId: string; deliveryId: string }) => event.relatelId === '610001' || event.deliveryId === task.delivery_id;
    expect(e2e.relatel.state.requests().filter((r) => r.path.endsWith('/610001')).map((r) => `${r.operation} ${r.status}`)).toEqual(['contacts.get 200']);
    expect(e2e.processed.filter(ours).map((event) => [event.entity, event.eventType, event.result, event.deliveryId.replace(/\d{12}$/, '<minute>')])).toEqual([
      ['contacts', 'contact.updated', 'synced', 'fetch-610001-<minute>'],
      ['tasks', 'task.created', 'synced', task.delivery_id],
    ]);
    expect(await allDeadLetters()).toEqual([]);
  });
});
