/**
 * Children (tasks, notes, appointments, call notes) wait for their contact instead of a timer
 * (lib/sync/contact-wait.ts), through the consumers as consumer-runtime.ts wires them.
 */
import { describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../../local/ghl-simulator/index.js';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import { relatelContact, relatelEvent, relatelNote, relatelTask, type RelatelEventFixture } from '../../factories/relatel-events.js';
import { ghlRequests, harnessPerTest, redeliveryOf } from './harness.js';

const harness = harnessPerTest();
const HOUR = 3_600_000;
const contactCreated = () => relatelEvent('contact.created', { payload: relatelContact() });
const taskCreated = () => relatelEvent('task.created', { payload: relatelTask() });

function relatelHolding(...contacts: ReturnType<typeof relatelContact>[]): RelatelClient & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getContact: async (id) => {
      reads.push(id);
      return contacts.find((contact) => String(contact.id) === id);
    },
    listContacts: async () => contacts,
  };
}

describe('a child whose contact is still on its way', () => {
  it('hides for 15 minutes, is woken when its contact lands, and then syncs', async () => {
    const h = await harness({ waitForContacts: true, maxReceiveCount: 1000 });
    // The contact's create fails: its state says "pending", and the contact will be retried.
    h.ghl.setFaults({ ...NO_FAULTS, serverErrorRate: 1 });
    const [contact] = await h.deliver(contactCreated());
    expect(contact).toBeDefined();
    h.ghl.setFaults(NO_FAULTS);

    const [task] = await h.deliver(taskCreated());
    expect(task).toBeDefined();
    // The task hid itself; the consumer did not change it again.
    expect(h.visibilityChanges.filter((change) => change.messageId === task!.messageId)).toEqual([{ messageId: task!.messageId, seconds: 900 }]);
    expect(h.woken).toEqual([]);

    const { failedMessageIds } = await h.receive([redeliveryOf(contact!)]);
    expect(failedMessageIds).toEqual([]);
    expect(h.woken).toEqual([task!.messageId]);

    expect((await h.receive([redeliveryOf(task!)])).failedMessageIds).toEqual([]);
    expect(h.parked).toEqual([]);
    const [ghlContact] = h.ghl.state.contacts();
    expect(h.ghl.state.tasks(ghlContact!.id)).toMatchObject([{ title: 'Send tilbud' }]);
  });

  it('is not parked at the 24-hour horizon while its contact is still pending', async () => {
    const h = await harness({ waitForContacts: true, maxReceiveCount: 1000 });
    h.ghl.setFaults({ ...NO_FAULTS, serverErrorRate: 1 });
    await h.deliver(contactCreated());
    const [task] = await h.deliver(taskCreated());
    h.clock.advance(30 * HOUR);
    expect((await h.receive([redeliveryOf(task!)])).failedMessageIds).toEqual([task!.messageId]);
    expect(h.parked).toEqual([]);
  });
});

describe('a child whose contact has met its fate', () => {
  it('is parked as contact-parked when its contact is parked, woken by the park', async () => {
    const h = await harness({ waitForContacts: true, maxReceiveCount: 3 });
    h.ghl.setFaults({ ...NO_FAULTS, serverErrorRate: 1 });
    let [contact] = await h.deliver(contactCreated());
    const [note] = await h.deliver(relatelEvent('note.created', { payload: relatelNote() }));
    expect(note).toBeDefined();

    // The contact spends its receives and is parked: its children are woken to park too.
    for (let receive = 2; receive <= 3; receive++) {
      contact = redeliveryOf(contact!);
      await h.receive([contact]);
    }
    expect(h.parked.map((p) => p.entity)).toEqual(['contacts']);
    expect(h.woken).toEqual([note!.messageId]);

    await h.receive([redeliveryOf(note!)]);
    expect(h.parked.map((p) => [p.entity, p.failure.reason, p.failure.kind])).toEqual([
      // Parked on its last receive, as a 5xx or as the circuit those 5xx opened.
      ['contacts', expect.stringMatching(/^ghl-(5\d\d|circuit-open)$/), 'transient'],
      ['notes', 'contact-parked', 'permanent'],
    ]);
  });

  it('is parked as contact-deleted when its contact was deleted in Relatel', async () => {
    const h = await harness({ waitForContacts: true });
    await h.sync(contactCreated(), relatelEvent('contact.deleted', { payload: { id: 481516 } }));
    const failed = await h.deliver(taskCreated());
    expect(failed).toEqual([]);
    expect(h.parked.map((p) => [p.entity, p.failure.reason])).toEqual([['tasks', 'contact-deleted']]);
    expect(ghlRequests(h.ghl, 'tasks.create')).toEqual([]);
  });
});

describe('a child of a contact the sync has never seen, past its fetch grace', () => {
  it('reads the contact from Relatel and queues it; the contact syncs, wakes the child, and the child lands', async () => {
    const relatel = relatelHolding(relatelContact());
    const h = await harness({ waitForContacts: true, relatel, fetchGraceMs: 0 });

    const [task] = await h.deliver(taskCreated());
    expect(task).toBeDefined();
    expect(relatel.reads).toEqual(['481516']);
    expect(h.queuedContacts.map((message) => [message.entity, message.groupId, message.attributes.event_type])).toEqual([['contacts', '481516', 'contact.updated']]);

    // The contacts queue hands the queued event to the contacts consumer.
    const queued = JSON.parse(h.queuedContacts[0]!.body) as RelatelEventFixture;
    expect((await h.receive([h.recordFor(queued)])).failedMessageIds).toEqual([]);
    expect(h.woken).toEqual([task!.messageId]);

    expect((await h.receive([redeliveryOf(task!)])).failedMessageIds).toEqual([]);
    expect(h.parked).toEqual([]);
    const [ghlContact] = h.ghl.state.contacts();
    expect(ghlContact).toMatchObject({ email: 'mette.hansen@example.dk' });
    expect(h.ghl.state.tasks(ghlContact!.id)).toMatchObject([{ title: 'Send tilbud' }]);
  });

  it('lets the contact’s own webhook, arriving after the fetch, still set what Relatel’s API lacks (company, tags)', async () => {
    const { company: _company, tags: _tags, ...asTheApiHasIt } = relatelContact();
    const h = await harness({ waitForContacts: true, relatel: relatelHolding(asTheApiHasIt), fetchGraceMs: 0 });
    const [task] = await h.deliver(taskCreated());
    await h.receive([h.recordFor(JSON.parse(h.queuedContacts[0]!.body) as RelatelEventFixture)]);
    await h.receive([redeliveryOf(task!)]);

    await h.sync(contactCreated());

    expect(h.parked).toEqual([]);
    const contacts = h.ghl.state.contacts();
    expect(contacts).toMatchObject([{ companyName: 'Hansen Tømrer ApS' }]);
    expect([...contacts[0]!.tags].sort()).toEqual(['aarhus', 'kunde']);
  });

  it('is parked as contact-unknown when Relatel has no such contact', async () => {
    const h = await harness({ waitForContacts: true, relatel: relatelHolding(), fetchGraceMs: 0 });
    expect(await h.deliver(taskCreated())).toEqual([]);
    expect(h.parked.map((p) => [p.entity, p.failure.reason, p.failure.kind])).toEqual([['tasks', 'contact-unknown', 'permanent']]);
    expect(h.queuedContacts).toEqual([]);
  });

  it('without a Relatel token, is retried with backoff and parked as contact-unknown at the 24-hour horizon', async () => {
    const h = await harness({ waitForContacts: true, maxReceiveCount: 1000 });
    const [task] = await h.deliver(taskCreated());
    expect(task).toBeDefined();
    expect(h.visibilityChanges).toEqual([{ messageId: task!.messageId, seconds: expect.any(Number) }]);
    expect(h.visibilityChanges[0]!.seconds).toBeLessThan(900);

    h.clock.advance(23 * HOUR);
    let again = redeliveryOf(task!);
    expect((await h.receive([again])).failedMessageIds).toEqual([again.messageId]);
    h.clock.advance(HOUR);
    again = redeliveryOf(again);
    expect((await h.receive([again])).failedMessageIds).toEqual([]);
    expect(h.parked.map((p) => [p.entity, p.failure.reason, p.failure.kind])).toEqual([['tasks', 'contact-unknown', 'transient']]);
  });
});

describe('a young child of a contact the sync has not seen yet (its webhook seconds behind)', () => {
  it('does not read the contact: it hides for the rest of its grace, noted, and the contact\'s own webhook wakes it', async () => {
    const relatel = relatelHolding(relatelContact());
    const h = await harness({ waitForContacts: true, relatel, maxReceiveCount: 1000 });

    const [task] = await h.deliver(taskCreated());
    expect(task).toBeDefined();
    expect(relatel.reads).toEqual([]);
    expect(h.queuedContacts).toEqual([]);
    // First received 1 s after now (the factory's), so the whole minute of grace is left.
    expect(h.visibilityChanges).toEqual([{ messageId: task!.messageId, seconds: 60 }]);

    h.clock.advance(5_000);
    await h.sync(contactCreated());
    expect(h.woken).toEqual([task!.messageId]);
    expect((await h.receive([redeliveryOf(task!)])).failedMessageIds).toEqual([]);

    expect(relatel.reads).toEqual([]);
    expect(h.parked).toEqual([]);
    const [ghlContact] = h.ghl.state.contacts();
    expect(ghlContact).toMatchObject({ companyName: 'Hansen Tømrer ApS' });
    expect(h.ghl.state.tasks(ghlContact!.id)).toMatchObject([{ title: 'Send tilbud' }]);
  });

  it('reads the contact once the grace is spent and no webhook came', async () => {
    const relatel = relatelHolding(relatelContact());
    const h = await harness({ waitForContacts: true, relatel, maxReceiveCount: 1000 });
    const [task] = await h.deliver(taskCreated());
    expect(relatel.reads).toEqual([]);

    h.clock.advance(61_000);
    const again = redeliveryOf(task!);
    expect((await h.receive([again])).failedMessageIds).toEqual([again.messageId]);
    expect(relatel.reads).toEqual(['481516']);
    expect(h.queuedContacts.map((message) => message.groupId)).toEqual(['481516']);
    expect(h.visibilityChanges.at(-1)).toEqual({ messageId: task!.messageId, seconds: 900 });
  });
});
