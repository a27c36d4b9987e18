/**
 * Records a person deleted in GHL's UI, behind the sync's back (the admin API's POST
 * /__sim/delete), and what GHL answers to the sync's next request to them: the contacts API's
 * spec documents 400 (BadRequestDTO) for every operation on a contact, task or note, and says
 * "not found"; the calendars API answers 404 for an event it does not have.
 */
import { describe, expect, it } from 'vitest';
import { appointmentBody, call, createContact, noteBody, simulator, taskBody } from './support.js';

async function adminDelete(sim: { url: string }, kind: string, id: string) {
  const response = await fetch(`${sim.url}/__sim/delete`, { method: 'POST', body: JSON.stringify({ kind, id }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GHL simulator: records deleted in GHL', () => {
  it('deletes a record through the admin API, as a person in the UI would, and says whether it existed', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    expect(await adminDelete(sim, 'contact', contact.id)).toEqual({ status: 200, body: { deleted: true } });
    expect(await adminDelete(sim, 'contact', contact.id)).toEqual({ status: 200, body: { deleted: false } });
    expect(sim.state.contact(contact.id)).toBeUndefined();
    expect((await adminDelete(sim, 'deal', 'x')).status).toBe(400);
  });

  it('answers 400 "Contact not found" to every write to a deleted contact', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    await adminDelete(sim, 'contact', contact.id);
    const path = `/contacts/${contact.id}`;

    const answers = [
      await call(sim, 'PUT', path, { body: { firstName: 'Ny' } }),
      await call(sim, 'POST', `${path}/tags`, { body: { tags: ['a'] } }),
      await call(sim, 'DELETE', `${path}/tags`, { body: { tags: ['a'] } }),
      await call(sim, 'DELETE', path),
      await call(sim, 'GET', path),
      await call(sim, 'POST', `${path}/tasks`, { body: taskBody() }),
      await call(sim, 'POST', `${path}/notes`, { body: noteBody() }),
    ];

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, message: 'Contact not found' });
    }
  });

  it('answers 400 "Task not found" and "Note not found" to writes to a deleted task or note', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const task = (await call(sim, 'POST', `/contacts/${contact.id}/tasks`, { body: taskBody() })).body.task;
    const note = (await call(sim, 'POST', `/contacts/${contact.id}/notes`, { body: noteBody() })).body.note;
    await adminDelete(sim, 'task', task.id);
    await adminDelete(sim, 'note', note.id);
    const taskPath = `/contacts/${contact.id}/tasks/${task.id}`;
    const notePath = `/contacts/${contact.id}/notes/${note.id}`;

    const taskAnswers = [
      await call(sim, 'PUT', taskPath, { body: { title: 'Ny' } }),
      await call(sim, 'PUT', `${taskPath}/completed`, { body: { completed: true } }),
      await call(sim, 'DELETE', taskPath),
    ];
    const noteAnswers = [await call(sim, 'PUT', notePath, { body: { body: 'Ny' } }), await call(sim, 'DELETE', notePath)];

    for (const answer of taskAnswers) expect([answer.status, answer.body.message]).toEqual([400, 'Task not found']);
    for (const answer of noteAnswers) expect([answer.status, answer.body.message]).toEqual([400, 'Note not found']);
  });

  it('answers 404 "Appointment not found" to writes to a deleted appointment', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);
    const booked = (await call(sim, 'POST', '/calendars/events/appointments', { body: appointmentBody(sim, contact.id) })).body;
    await adminDelete(sim, 'appointment', booked.id);

    const answers = [
      await call(sim, 'PUT', `/calendars/events/appointments/${booked.id}`, { body: { title: 'Ny' } }),
      await call(sim, 'DELETE', `/calendars/events/${booked.id}`, { body: {} }),
      await call(sim, 'GET', `/calendars/events/appointments/${booked.id}`),
    ];

    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ statusCode: 404, message: 'Appointment not found' });
    }
  });
});
