/**
 * Delivery chaos: Relatel delivers at least once and in no particular order. 500 events over 50
 * contacts (times E2E_SCALE), shuffled, 10% delivered twice, 5% delivered again after SQS's
 * deduplication window, children often before their contact: GHL must end exactly as if the
 * events had been applied in occurred_at order, with no duplicates and nothing parked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { compareWithExpected } from './expectations.js';
import { E2E_SCALE, startE2eStack, type E2eStack } from './harness.js';
import { entityOfFixture } from '../factories/relatel-events.js';
import { buildWorkload, chaoticDeliveries, groupIdOfEvent } from './workload.js';

const CONTACTS = Math.round(50 * E2E_SCALE);
const workload = buildWorkload(CONTACTS, { runId: 'chaos' });
const plan = chaoticDeliveries(workload.events, 20260302);

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
  // Relatel holds every contact its webhooks name: a child ahead of its contact reads it there.
  e2e.relatelHolds(workload.events);
  const answers = [];
  // A few webhook calls at a time, as Relatel's delivery workers would make them.
  for (let i = 0; i < plan.deliveries.length; i += 8) {
    answers.push(...(await Promise.all(plan.deliveries.slice(i, i + 8).map((event) => e2e.send(event)))));
  }
  expect(answers.every((status) => status === 202)).toBe(true);
  await e2e.drained();
  for (const event of plan.lateRedeliveries) await e2e.redeliverLate(entityOfFixture(event), event, groupIdOfEvent(event));
  await e2e.drained();
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

describe(`delivery chaos: ${workload.events.length} events over ${CONTACTS} contacts`, () => {
  it('exercises what it claims: shuffled children ahead of their contact, repeats and late redeliveries', () => {
    const firstSeen = new Map<string, number>();
    plan.deliveries.forEach((event, i) => {
      if (!firstSeen.has(event.delivery_id)) firstSeen.set(event.delivery_id, i);
    });
    const contactCreatedAt = new Map(
      workload.events.filter((event) => event.event_type === 'contact.created').map((event) => [groupIdOfEvent(event), firstSeen.get(event.delivery_id) ?? 0]),
    );
    const childFirst = workload.events.filter(
      (event) => entityOfFixture(event) !== 'contacts' && (firstSeen.get(event.delivery_id) ?? 0) < (contactCreatedAt.get(groupIdOfEvent(event)) ?? 0),
    );
    expect(childFirst.length).toBeGreaterThan(0);
    expect(plan.deliveries.length).toBeGreaterThan(workload.events.length);
    expect(plan.lateRedeliveries.length).toBeGreaterThan(0);
  });

  it('ends with GHL holding the last version of every record, field by field, and nothing else', () => {
    expect(compareWithExpected(e2e.simulator, workload.expected).differences).toEqual([]);
  });

  it('creates every record once: no duplicate contact, task or note was ever written, not even one deleted again', () => {
    const requests = e2e.simulator.state.requests();
    // The request log keeps the most recent entries only: every request must still be in it.
    expect(requests.length).toBe(e2e.simulator.state.counters().total);
    const succeeded = requests.filter((request) => request.status >= 200 && request.status < 300);
    const written = (operation: string) => succeeded.filter((request) => request.operation === operation);

    // The workload deletes no contact and no task: any delete would remove a duplicate.
    expect(written('contacts.create')).toHaveLength(CONTACTS);
    expect(written('contacts.delete')).toHaveLength(0);
    expect(written('tasks.create')).toHaveLength(workload.expected.tasks.length);
    expect(written('tasks.delete')).toHaveLength(0);

    // Notes: each kept note is created once; a draft is created at most once (never when its
    // delete came first), and only drafts are deleted, each once. A note created twice and
    // deleted again would balance creates against deletes, so each delete is checked by id.
    const draftNoteIds = new Set(workload.events.filter((event) => event.event_type === 'note.deleted').map((event) => String(event.payload.id)));
    const draftsCreated = new Set(
      e2e.processed
        .filter((event) => event.eventType === 'note.created' && event.result === 'synced' && draftNoteIds.has(event.relatelId))
        .map((event) => event.ghlId),
    );
    const deletedNoteIds = written('notes.delete').map((request) => request.path.split('/').at(-1));
    expect(written('notes.create')).toHaveLength(workload.expected.notes.length + draftsCreated.size);
    expect(deletedNoteIds.toSorted()).toEqual([...draftsCreated].toSorted());
  });

  it('applies each delivery once: repeats and late redeliveries are recognised as duplicates or dropped by SQS', () => {
    const synced = e2e.processed.filter((event) => event.result === 'synced');
    const syncedDeliveries = new Set(synced.map((event) => event.deliveryId));
    expect(syncedDeliveries.size).toBe(synced.length);
    const late = new Set(plan.lateRedeliveries.map((event) => event.delivery_id));
    // By delivery id: SQS may hand a late copy out twice (at-least-once), each recognised alike.
    const lateOutcomes = e2e.processed.filter((event) => late.has(event.deliveryId) && event.result === 'duplicate');
    expect(new Set(lateOutcomes.map((event) => event.deliveryId))).toEqual(late);
  });

  it('parks nothing: every dead-letter queue is empty', async () => {
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 0, 0, 0]);
  });
});
