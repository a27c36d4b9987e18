/**
 * Records deleted in GHL behind the sync's back, through the GHL simulator's admin API (as a
 * person in GHL's UI would), on the whole local stack: the later Relatel events of each heal it
 * exactly once (a GET confirms it is gone, it is written again from Relatel's data), nothing is
 * parked, nothing is duplicated.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { relatelAppointment, relatelContact, relatelEvent, relatelNote, relatelTask } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
});

afterAll(async () => {
  await e2e?.stop();
});

const at = (minute: number) => `2026-03-02T08:${String(minute).padStart(2, '0')}:00.000Z`;

async function deleteInGhl(kind: string, id: string): Promise<void> {
  const response = await fetch(`${e2e.simulator.url}/__sim/delete`, { method: 'POST', body: JSON.stringify({ kind, id }) });
  expect(await response.json()).toEqual({ deleted: true });
}

async function sendAll(...events: ReturnType<typeof relatelEvent>[]): Promise<void> {
  for (const event of events) expect(await e2e.send(event)).toBe(202);
  const status = await e2e.drained();
  for (const entity of ['contacts', 'tasks', 'notes', 'appointments'] as const) expect(status.entities[entity].deadLettered).toBe(0);
}

const successfulCreates = (operation: string) =>
  e2e.simulator.state.requests().filter((request) => request.operation === operation && request.status >= 200 && request.status < 300).length;

it('heals a contact, task, note and appointment deleted in GHL, each once, on their next Relatel events', async () => {
  // Relatel's API has the contact, for re-creating it when a child finds it gone.
  e2e.relatel.seedContact({ id: 481516, name: 'Mette Hansen', number: '4571999999', email: 'mette.hansen@example.dk' });
  // The contact first: this test is about records deleted in GHL, not children ahead of their contact.
  await sendAll(relatelEvent('contact.created', { occurred_at: at(0), payload: relatelContact() }));
  await sendAll(
    relatelEvent('task.created', { occurred_at: at(1), payload: relatelTask() }),
    relatelEvent('note.created', { occurred_at: at(1), payload: relatelNote() }),
    relatelEvent('appointment.created', { occurred_at: at(1), payload: relatelAppointment() }),
  );
  const [original] = e2e.simulator.state.contacts();

  // A person deletes the contact (its task and note go with it) and the appointment in GHL.
  await deleteInGhl('contact', original!.id);
  await deleteInGhl('appointment', e2e.simulator.state.appointments()[0]!.id);

  // The task's event comes first: its contact is written again from Relatel's API, then the task.
  await sendAll(relatelEvent('task.updated', { occurred_at: at(10), payload: relatelTask({ title: 'Send nyt tilbud' }) }));
  const [healed] = e2e.simulator.state.contacts();
  expect(healed!.id).not.toBe(original!.id);
  expect(e2e.simulator.state.tasks(healed!.id)).toMatchObject([{ title: 'Send nyt tilbud' }]);

  // The contact, note and appointment events: an update of the healed contact, the note and the appointment written again.
  await sendAll(
    relatelEvent('contact.updated', { occurred_at: at(20), payload: relatelContact({ name: 'Mette Jensen' }) }),
    relatelEvent('note.updated', { occurred_at: at(20), payload: relatelNote({ body: 'Tilbud sendt.' }) }),
    relatelEvent('appointment.updated', { occurred_at: at(20), payload: relatelAppointment({ title: 'Opmåling' }) }),
  );
  // And later events are ordinary updates.
  await sendAll(
    relatelEvent('task.completed', { occurred_at: at(30), payload: { id: 7331, contact_id: 481516 } }),
    relatelEvent('note.updated', { occurred_at: at(30), payload: relatelNote({ body: 'Tilbud accepteret.' }) }),
  );

  expect(e2e.simulator.state.contacts()).toMatchObject([{ id: healed!.id, firstName: 'Mette', lastName: 'Jensen' }]);
  expect(e2e.simulator.state.tasks()).toMatchObject([{ contactId: healed!.id, title: 'Send nyt tilbud', completed: true }]);
  expect(e2e.simulator.state.notes()).toMatchObject([{ contactId: healed!.id, body: 'Tilbud accepteret.' }]);
  expect(e2e.simulator.state.appointments()).toMatchObject([{ contactId: healed!.id, title: 'Opmåling' }]);
  // Each child was created twice in all: once, and once more after its deletion.
  expect([successfulCreates('tasks.create'), successfulCreates('notes.create'), successfulCreates('appointments.create')]).toEqual([2, 2, 2]);
  expect(e2e.processed.filter((event) => event.result !== 'synced')).toEqual([]);
});
