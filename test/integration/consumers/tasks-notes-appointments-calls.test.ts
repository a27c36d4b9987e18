/** The task, note and appointment consumers against the GHL simulator: records that hang on a contact, and calls. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relatelAppointment, relatelCall, relatelContact, relatelEvent, relatelTask } from '../../factories/relatel-events.js';
import { ghlRequests, startConsumerHarness, type ConsumerHarness } from './harness.js';

let h: ConsumerHarness;
beforeAll(async () => {
  h = await startConsumerHarness();
});
beforeEach(() => h.reset());
afterAll(() => h.stop());

const contactCreated = () => relatelEvent('contact.created', { payload: relatelContact() });
const ghlContactId = () => h.ghl.state.contacts()[0]?.id;

describe('a record whose contact is not synced yet', () => {
  it('is retried after a backoff, and applied once its contact is synced', async () => {
    const [failed] = await h.deliver(relatelEvent('task.created', { payload: relatelTask() }));
    expect(failed).toBeDefined();
    expect(h.visibilityChanges).toEqual([{ messageId: failed!.messageId, seconds: expect.any(Number) }]);
    expect(ghlRequests(h.ghl)).toEqual([]);

    await h.sync(contactCreated());
    await h.drain([failed!]);

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.tasks(ghlContactId())).toMatchObject([{ title: 'Send tilbud' }]);
  });

  it('is a delete: it is applied at once (nothing to delete), and its create arriving later does not put the record into GHL', async () => {
    const failed = await h.deliver(relatelEvent('task.deleted', { occurred_at: '2026-03-02T08:10:00.000Z', payload: relatelTask() }));
    expect(failed).toEqual([]);

    await h.sync(contactCreated(), relatelEvent('task.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelTask() }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.tasks()).toEqual([]);
  });

  it('is parked on its last receive with reason contact-unknown when the contact never comes (no Relatel token to read it)', async () => {
    await h.sync(relatelEvent('task.created', { payload: relatelTask() }));

    expect(h.parked.map((p) => p.failure)).toMatchObject([{ reason: 'contact-unknown', kind: 'transient', receiveCount: h.maxReceiveCount }]);
    expect(ghlRequests(h.ghl)).toEqual([]);
  });
});

describe('task, appointment and call events', () => {
  it('completes a task through the /completed endpoint on task.completed', async () => {
    await h.sync(contactCreated(), relatelEvent('task.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelTask() }));

    await h.sync(relatelEvent('task.completed', { occurred_at: '2026-03-02T08:30:00.000Z', payload: { id: 7331, contact_id: 481516 } }));

    expect(ghlRequests(h.ghl, 'tasks.complete')).toHaveLength(1);
    expect(ghlRequests(h.ghl, 'tasks.update')).toEqual([]);
    expect(h.ghl.state.tasks()).toMatchObject([{ title: 'Send tilbud', completed: true }]);
  });

  it('sets a cancelled appointment to status cancelled in GHL, keeping it', async () => {
    await h.sync(contactCreated(), relatelEvent('appointment.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelAppointment() }));

    await h.sync(relatelEvent('appointment.cancelled', { occurred_at: '2026-03-02T08:30:00.000Z', payload: relatelAppointment({ status: 'cancelled' }) }));

    expect(h.ghl.state.appointments()).toMatchObject([{ title: 'Besigtigelse', appointmentStatus: 'cancelled' }]);
  });

  it('logs an unanswered inbound call as a note and a "Call back" task on the caller\'s contact', async () => {
    await h.sync(contactCreated());

    await h.sync(relatelEvent('call.ended', { payload: relatelCall({ status: 'missed', answered_at: null }) }));

    const contactId = ghlContactId();
    expect(h.ghl.state.notes(contactId)).toMatchObject([{ body: expect.stringMatching(/^Missed inbound call from \+45/) }]);
    expect(h.ghl.state.tasks(contactId)).toMatchObject([{ title: expect.stringMatching(/^Call back \+45/), completed: false }]);
    expect(h.ghl.state.contacts()).toHaveLength(1);
  });

  it('creates a GHL contact by phone for a caller Relatel has no contact for, and logs the call on it', async () => {
    await h.sync(relatelEvent('call.ended', { payload: relatelCall({ from_number: '4522334455', from_contact: null, status: 'missed', answered_at: null }) }));

    expect(h.ghl.state.contacts()).toMatchObject([{ phone: '+4522334455' }]);
    expect(h.ghl.state.notes(ghlContactId())).toHaveLength(1);
    expect(h.ghl.state.tasks(ghlContactId())).toHaveLength(1);
  });

  it('logs a call from a number GHL already has on that GHL contact, without a duplicate, keeping its source', async () => {
    const existing = h.ghl.seedContact({ phone: '+4522334455', firstName: 'Ukendt', source: 'Facebook ad' });

    await h.sync(relatelEvent('call.ended', { payload: relatelCall({ from_number: '4522334455', from_contact: null }) }));

    expect(h.ghl.state.contacts().map((c) => c.id)).toEqual([existing.id]);
    expect(h.ghl.state.contacts()[0]?.source).toBe('Facebook ad');
    expect(h.ghl.state.notes(existing.id)).toMatchObject([{ body: expect.stringMatching(/^Inbound call from \+45/) }]);
  });
});
