/**
 * Property: whatever order a stream of events arrives in, in whatever batches, with duplicates
 * and redeliveries, GHL ends as if the events had been applied in occurred_at order, with no
 * duplicate records. The model is deliberately simple: a record that was deleted is gone (and a
 * deleted contact takes its tasks and notes with it, as in GHL); any other record shows its
 * newest version. Deletes are the last event of a record, since Relatel never reuses an id.
 */
import fc from 'fast-check';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutedEventType } from '../../../lib/entities.js';
import { relatelContact, relatelEvent, relatelNote, relatelTask, type RelatelEventFixture } from '../../factories/relatel-events.js';
import { redeliveryOf, startConsumerHarness, type ConsumerHarness } from './harness.js';

interface Version<T> {
  data: T;
}
interface RecordHistory<T> {
  id: number;
  versions: Version<T>[];
  deleted: boolean;
}
interface ContactData {
  lastName: string;
  company: string;
  tags: string[];
}
interface TaskData {
  title: string;
  completed: boolean;
}
interface ContactScenario {
  contact: RecordHistory<ContactData>;
  tasks: RecordHistory<TaskData>[];
  notes: RecordHistory<string>[];
}

const history = <T>(id: number, data: fc.Arbitrary<T>): fc.Arbitrary<RecordHistory<T>> =>
  fc.record({
    id: fc.constant(id),
    versions: fc.array(data.map((d) => ({ data: d })), { minLength: 1, maxLength: 3 }),
    deleted: fc.boolean(),
  });

const contactScenario = (c: number): fc.Arbitrary<ContactScenario> =>
  fc.record({
    contact: history(
      c,
      fc.record({
        lastName: fc.constantFrom('Hansen', 'Jensen', 'Nielsen'),
        company: fc.constantFrom('Tømrer ApS', 'Murer A/S'),
        tags: fc.subarray(['kunde', 'vip', 'aarhus']),
      }),
    ),
    tasks: fc.tuple(fc.nat(2)).chain(([count]) =>
      fc.tuple(...Array.from({ length: count }, (_, i) => history(c * 10 + i, fc.record({ title: fc.constantFrom('Ring', 'Send tilbud'), completed: fc.boolean() })))),
    ),
    notes: fc.tuple(fc.nat(1)).chain(([count]) => fc.tuple(...Array.from({ length: count }, (_, i) => history(c * 10 + i, fc.constantFrom('Ringede', 'Tilbud sendt'))))),
  });

const BASE = Date.parse('2026-03-02T08:00:00.000Z');

/** The events of one record, in occurred_at order: created, updated..., then deleted if it was. */
function eventsOf<T>(kind: 'contact' | 'task' | 'note', record: RecordHistory<T>, payloadOf: (data: T) => Record<string, unknown>): RelatelEventFixture[] {
  const events = record.versions.map((version, k) =>
    relatelEvent(`${kind}.${k === 0 ? 'created' : 'updated'}` as RoutedEventType, {
      occurred_at: new Date(BASE + k * 60_000 + record.id * 1_000).toISOString(),
      payload: payloadOf(version.data),
    }),
  );
  const last = record.versions.at(-1)!;
  if (record.deleted) {
    events.push(relatelEvent(`${kind}.deleted`, { occurred_at: new Date(BASE + 10 * 60_000 + record.id * 1_000).toISOString(), payload: payloadOf(last.data) }));
  }
  return events;
}

function streamOf(scenarios: ContactScenario[]): RelatelEventFixture[] {
  return scenarios.flatMap(({ contact, tasks, notes }) => [
    ...eventsOf('contact', contact, (d) =>
      relatelContact({ id: contact.id, name: `Kunde${contact.id} ${d.lastName}`, email: `kunde${contact.id}@example.dk`, number: `457100000${contact.id}`, company: d.company, tags: d.tags }),
    ),
    ...tasks.flatMap((task) =>
      eventsOf('task', task, (d) => relatelTask({ id: task.id, contact_id: contact.id, title: `T${task.id} ${d.title}`, status: d.completed ? 'completed' : 'open' })),
    ),
    ...notes.flatMap((note) => eventsOf('note', note, (body) => relatelNote({ id: note.id, contact_id: contact.id, body: `N${note.id} ${body}` }))),
  ]);
}

/** The stream as it may arrive: shuffled, some deliveries twice, cut into batches. */
const arrival = fc
  .tuple(fc.integer({ min: 1, max: 3 }))
  .chain(([contacts]) => fc.tuple(...Array.from({ length: contacts }, (_, i) => contactScenario(i + 1))))
  .chain((scenarios) => {
    const events = streamOf(scenarios);
    const delivered = fc.subarray(events).chain((twice) => {
      const all = [...events, ...twice];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });
    return fc.record({
      scenarios: fc.constant(scenarios),
      order: delivered,
      batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2 * events.length, maxLength: 2 * events.length }),
      // GHL's edge throttling, 5xx, lost answers, and writes GHL applies but answers 5xx or never: retries must stay idempotent.
      faults: fc.record({
        seed: fc.nat(),
        rateLimitRate: fc.constantFrom(0, 0.2),
        afterWriteServerErrorRate: fc.constantFrom(0, 0.1),
        afterWriteTimeoutRate: fc.constantFrom(0, 0.1),
        serverErrorRate: fc.constantFrom(0, 0.1),
        timeoutMode: fc.constantFrom('hang' as const, 'reset' as const),
      }),
    });
  });

let h: ConsumerHarness;
beforeAll(async () => {
  h = await startConsumerHarness();
});
afterAll(() => h.stop());

describe('a shuffled, duplicated, redelivered event stream', () => {
  it('ends with GHL holding the newest version of every record that was not deleted, once', async () => {
    await fc.assert(
      fc.asyncProperty(arrival, async ({ scenarios, order, batchSizes, faults }) => {
        h.reset();
        h.ghl.setFaults(faults);
        // Failed records come back, ahead of newer messages, once the visibility delay the consumer set has passed.
        let pending: { record: SQSRecord; visibleAt: number }[] = [];
        let next = 0;
        for (const size of batchSizes) {
          if (next >= order.length) break;
          const fresh = order.slice(next, next + size).map((event) => h.recordFor(event));
          next += size;
          h.clock.advance(2_000);
          const now = h.clock.now();
          const visible = pending.filter((p) => p.visibleAt <= now);
          pending = pending.filter((p) => p.visibleAt > now);
          const batch = [...visible.map((p) => redeliveryOf(p.record)), ...fresh];
          const changesBefore = h.visibilityChanges.length;
          const { failedMessageIds } = await h.receive(batch);
          const delays = new Map(h.visibilityChanges.slice(changesBefore).map((change) => [change.messageId, change.seconds]));
          for (const record of batch.filter((r) => failedMessageIds.includes(r.messageId))) {
            pending.push({ record, visibleAt: h.clock.now() + (delays.get(record.messageId) ?? 30) * 1000 });
          }
        }
        await h.drain(pending.map((p) => p.record));

        expect(ghlState()).toEqual(expectedState(scenarios));
      }),
      { numRuns: 20 },
    );
  });
});

function ghlState() {
  return {
    contacts: h.ghl.state
      .contacts()
      .map((c) => ({ email: c.email, lastName: c.lastName, companyName: c.companyName, tags: [...c.tags].sort() }))
      .sort((a, b) => String(a.email).localeCompare(String(b.email))),
    tasks: h.ghl.state
      .tasks()
      .map((t) => ({ title: t.title, completed: t.completed }))
      .sort((a, b) => a.title.localeCompare(b.title)),
    notes: h.ghl.state
      .notes()
      .map((n) => n.body)
      .sort(),
  };
}

function expectedState(scenarios: ContactScenario[]) {
  const present = scenarios.filter(({ contact }) => !contact.deleted);
  const newest = <T>(record: RecordHistory<T>) => record.versions.at(-1)!.data;
  return {
    contacts: present
      .map(({ contact }) => ({
        email: `kunde${contact.id}@example.dk`,
        lastName: newest(contact).lastName,
        companyName: newest(contact).company,
        tags: [...newest(contact).tags].sort(),
      }))
      .sort((a, b) => a.email.localeCompare(b.email)),
    tasks: present
      .flatMap(({ tasks }) => tasks.filter((task) => !task.deleted))
      .map((task) => ({ title: `T${task.id} ${newest(task).title}`, completed: newest(task).completed }))
      .sort((a, b) => a.title.localeCompare(b.title)),
    notes: present
      .flatMap(({ notes }) => notes.filter((note) => !note.deleted))
      .map((note) => `N${note.id} ${newest(note)}`)
      .sort(),
  };
}
