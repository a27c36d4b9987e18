/**
 * The happy path: every example in examples/ (one per event type), signed and POSTed to the
 * webhook over HTTP in occurred_at order, through the real queues and consumers into the GHL
 * simulator. After each one the stack drains and GHL holds exactly the records below.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES, ROUTED_EVENT_TYPES, TEST_EVENT_TYPE } from '../../lib/entities.js';
import { loadEvent } from '../../local/send.js';
import type { RelatelEventFixture } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
});

afterAll(async () => {
  await e2e?.stop();
});

const example = (name: string) => loadEvent(name) as RelatelEventFixture;

async function deliver(name: string): Promise<void> {
  expect(await e2e.send(example(name))).toBe(202);
  await e2e.drained();
}

const theContact = () => {
  const contacts = e2e.simulator.state.contacts();
  expect(contacts).toHaveLength(1);
  return contacts[0] as NonNullable<(typeof contacts)[number]>;
};

const METTE = {
  firstName: 'Mette Kirstine',
  lastName: 'Hansen',
  email: 'mette.hansen@example.dk',
  companyName: 'Hansen Tømrer ApS',
  source: 'Relatel',
};
const TASK = { title: 'Send tilbud', body: 'Tilbud på nyt tag inkl. stillads' };
const NOTE_BODY = 'Ringede angående tilbud på tag. Vender tilbage fredag.';
const UPDATED_NOTE_BODY = 'Ringede angående tilbud på tag. Ringer igen mandag kl. 10.';
const CALL_NOTE_BODY = 'Inbound call from +45 71 99 99 99, answered, 3 min 39 s\nStarted 2026-03-02 09:10:02, ended 09:13:48 (Europe/Copenhagen)\nVia Salg';
const APPOINTMENT = { calendarId: 'SimCalendar000000001', title: 'Besigtigelse', address: 'Vestergade 12, 8000 Aarhus C' };

describe('every example event, through HTTP, into GHL', () => {
  it('has an example of every event type', () => {
    const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
    const types = readdirSync(examplesDir).filter((file) => file.endsWith('.json')).map((file) => example(file.replace(/\.json$/, '')).event_type);
    expect(types.sort()).toEqual([...ROUTED_EVENT_TYPES, TEST_EVENT_TYPE].sort());
  });

  it('webhook.test: answered 200 and nothing is queued', async () => {
    expect(await e2e.send(example('webhook.test'))).toBe(200);
    const status = await e2e.drained();
    expect(ENTITIES.every((entity) => status.entities[entity].synced === 0)).toBe(true);
  });

  it('contact.created: creates the contact with its name, e-mail, E.164 phone, company and tags', async () => {
    await deliver('contact.created');
    expect(theContact()).toMatchObject({ ...METTE, phone: '+4571999999', tags: ['kunde'] });
  });

  it('call.ended: writes a call-log note on the caller', async () => {
    await deliver('call.ended');
    const notes = e2e.simulator.state.notes();
    expect(notes).toEqual([expect.objectContaining({ contactId: theContact().id, body: CALL_NOTE_BODY })]);
  });

  it('contact.updated: updates the phone and adds the new tag, the same contact', async () => {
    const id = theContact().id;
    await deliver('contact.updated');
    expect(theContact()).toMatchObject({ ...METTE, id, phone: '+4522334455', tags: ['kunde', 'aarhus'] });
  });

  it('note.created: adds the note to the contact', async () => {
    await deliver('note.created');
    const bodies = e2e.simulator.state.notes(theContact().id).map((note) => note.body);
    expect(bodies.sort()).toEqual([CALL_NOTE_BODY, NOTE_BODY].sort());
  });

  it('task.created: adds an open task due at the given instant', async () => {
    await deliver('task.created');
    expect(e2e.simulator.state.tasks()).toEqual([
      expect.objectContaining({ ...TASK, contactId: theContact().id, dueDate: '2026-03-06T11:00:00.000Z', completed: false }),
    ]);
  });

  it('appointment.created: books it in the configured calendar, in the given time zone', async () => {
    await deliver('appointment.created');
    expect(e2e.simulator.state.appointments()).toEqual([
      expect.objectContaining({
        ...APPOINTMENT,
        contactId: theContact().id,
        appointmentStatus: 'confirmed',
        startTime: '2026-03-10T10:00:00+01:00',
        endTime: '2026-03-10T11:00:00+01:00',
      }),
    ]);
  });

  it('note.updated: rewrites the note in place', async () => {
    await deliver('note.updated');
    const bodies = e2e.simulator.state.notes().map((note) => note.body);
    expect(bodies.sort()).toEqual([CALL_NOTE_BODY, UPDATED_NOTE_BODY].sort());
  });

  it('note.deleted: removes the note, the call note stays', async () => {
    await deliver('note.deleted');
    expect(e2e.simulator.state.notes().map((note) => note.body)).toEqual([CALL_NOTE_BODY]);
  });

  it('task.updated: moves the due date of the same task', async () => {
    const [before] = e2e.simulator.state.tasks();
    await deliver('task.updated');
    expect(e2e.simulator.state.tasks()).toEqual([
      expect.objectContaining({ ...TASK, id: before?.id, dueDate: '2026-03-09T11:00:00.000Z', completed: false }),
    ]);
  });

  it('appointment.updated: moves the same appointment', async () => {
    const [before] = e2e.simulator.state.appointments();
    await deliver('appointment.updated');
    expect(e2e.simulator.state.appointments()).toEqual([
      expect.objectContaining({
        ...APPOINTMENT,
        id: before?.id,
        appointmentStatus: 'confirmed',
        startTime: '2026-03-11T13:00:00+01:00',
        endTime: '2026-03-11T14:00:00+01:00',
      }),
    ]);
  });

  it('appointment.cancelled: marks it cancelled', async () => {
    await deliver('appointment.cancelled');
    expect(e2e.simulator.state.appointments()).toEqual([expect.objectContaining({ ...APPOINTMENT, appointmentStatus: 'cancelled' })]);
  });

  it('appointment.deleted: removes it', async () => {
    await deliver('appointment.deleted');
    expect(e2e.simulator.state.appointments()).toEqual([]);
  });

  it('task.completed: completes the task with the due date it carries', async () => {
    await deliver('task.completed');
    expect(e2e.simulator.state.tasks()).toEqual([expect.objectContaining({ ...TASK, dueDate: '2026-03-06T11:00:00.000Z', completed: true })]);
  });

  it('task.deleted: removes it', async () => {
    await deliver('task.deleted');
    expect(e2e.simulator.state.tasks()).toEqual([]);
  });

  it('contact.deleted: removes the contact (and GHL its call note)', async () => {
    await deliver('contact.deleted');
    expect(e2e.simulator.state.contacts()).toEqual([]);
    expect(e2e.simulator.state.notes()).toEqual([]);
  });

  it('synced every routed example once and parked none', async () => {
    const synced = e2e.processed.filter((event) => event.result === 'synced').map((event) => event.eventType);
    expect(synced.sort()).toEqual([...ROUTED_EVENT_TYPES].sort());
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 0, 0, 0]);
  });
});
