/**
 * Records a person deleted in GHL behind the sync's back (the simulator answers as GHL's spec
 * documents: 400 "not found" from the contacts API, 404 from the calendars API). A later write
 * finds them gone by a GET and writes them again from Relatel's data, once; or, when the
 * mapping lets GHL's deletions win, leaves them deleted and skips their events.
 */
import { describe, expect, it } from 'vitest';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import { relatelAppointment, relatelContact, relatelEvent, relatelTask } from '../../factories/relatel-events.js';
import { ghlRequests, harnessPerTest, type ConsumerHarness } from './harness.js';

const harness = harnessPerTest();

const at = (minute: number) => `2026-03-02T08:${String(minute).padStart(2, '0')}:00.000Z`;
const contactEvent = (minute: number, overrides: Parameters<typeof relatelContact>[0] = {}) =>
  relatelEvent(minute === 0 ? 'contact.created' : 'contact.updated', { occurred_at: at(minute), payload: relatelContact(overrides) });
const taskEvent = (type: string, minute: number, overrides: Parameters<typeof relatelTask>[0] = {}) =>
  relatelEvent(type, { occurred_at: at(minute), payload: relatelTask(overrides) });
const operations = (h: ConsumerHarness) => ghlRequests(h.ghl).map((request) => `${request.operation} ${request.status}`);

/** Relatel's API as far as re-creating a contact needs it: the contact as Relatel has it now. */
function relatelApi(asked: string[] = []): RelatelClient {
  return {
    getContact: async (id) => {
      asked.push(id);
      return relatelContact({ name: 'Mette Jensen' });
    },
    listContacts: async () => [],
  };
}

describe('a contact deleted in GHL', () => {
  it('is written again, once, from Relatel\'s data when it is renamed in Relatel, with its tags', async () => {
    const h = await harness();
    await h.sync(contactEvent(0));
    const [deleted] = h.ghl.state.contacts();
    h.ghl.deleteRecord('contact', deleted!.id);
    const before = ghlRequests(h.ghl).length;

    await h.sync(contactEvent(10, { name: 'Mette Jensen' }));

    expect(h.parked).toEqual([]);
    const contacts = h.ghl.state.contacts();
    expect(contacts).toMatchObject([{ firstName: 'Mette', lastName: 'Jensen', email: 'mette.hansen@example.dk', tags: ['aarhus', 'kunde'] }]);
    expect(contacts[0]!.id).not.toBe(deleted!.id);
    expect(operations(h).slice(before)).toEqual(['contacts.update 400', 'contacts.get 400', 'contacts.create 201']);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ ghlId: contacts[0]!.id, lastOccurredAt: at(10) });

    // The next change is an ordinary update of the new contact.
    await h.sync(contactEvent(20, { name: 'Mette Berg' }));
    expect(h.ghl.state.contacts()).toMatchObject([{ id: contacts[0]!.id, lastName: 'Berg' }]);
  });

  it('is linked, not duplicated, when GHL has another contact with its e-mail by then', async () => {
    const h = await harness();
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);
    const recreatedByHand = h.ghl.seedContact({ email: 'mette.hansen@example.dk', firstName: 'Mette', tags: ['webinar-lead'] });

    await h.sync(contactEvent(10, { name: 'Mette Jensen' }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts()).toMatchObject([{ id: recreatedByHand.id, lastName: 'Jensen', tags: ['webinar-lead', 'aarhus', 'kunde'] }]);
    expect((await h.state.get('contacts', '481516'))?.ghlId).toBe(recreatedByHand.id);
  });

  it('whose tags change only is written again too (the tag call answers 400 "Contact not found")', async () => {
    const h = await harness();
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(contactEvent(10, { tags: ['kunde', 'vip'] }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts()).toMatchObject([{ lastName: 'Hansen', tags: ['kunde', 'vip'] }]);
  });

  it('whose company changes only is written again too (the company upsert finds no contact to match)', async () => {
    const h = await harness();
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(contactEvent(10, { company: 'Jensen Tag ApS' }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts()).toMatchObject([{ lastName: 'Hansen', companyName: 'Jensen Tag ApS', tags: ['aarhus', 'kunde'] }]);
  });

  it('whose delete comes from Relatel later is simply tombstoned (nothing left to delete)', async () => {
    const h = await harness();
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(relatelEvent('contact.deleted', { occurred_at: at(10), payload: { id: 481516 } }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts()).toEqual([]);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ deleted: true });
  });
});

describe('a task whose contact was deleted in GHL', () => {
  it('gets its contact written again from Relatel\'s API first, then is created under it', async () => {
    const asked: string[] = [];
    const h = await harness({ relatel: relatelApi(asked) });
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(taskEvent('task.updated', 10, { title: 'Send nyt tilbud' }));

    expect(h.parked).toEqual([]);
    expect(asked).toEqual(['481516']);
    const [contact] = h.ghl.state.contacts();
    expect(contact).toMatchObject({ lastName: 'Jensen', tags: ['aarhus', 'kunde'] });
    expect(h.ghl.state.tasks(contact!.id)).toMatchObject([{ title: 'Send nyt tilbud' }]);
    expect(h.ghl.state.tasks()).toHaveLength(1);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ ghlId: contact!.id, lastOccurredAt: at(0) });
    expect(await h.state.get('tasks', '7331')).toMatchObject({ ghlContactId: contact!.id });
  });

  it('writes the contact again on a retry when Relatel\'s API failed the first time', async () => {
    let failures = 1;
    const api = relatelApi();
    const h = await harness({
      relatel: {
        ...api,
        getContact: async (id) => {
          if (failures-- > 0) throw new Error('Relatel did not answer');
          return api.getContact(id);
        },
      },
    });
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(taskEvent('task.updated', 10, { title: 'Send nyt tilbud' }));

    expect(h.parked).toEqual([]);
    const [contact] = h.ghl.state.contacts();
    expect(contact).toMatchObject({ lastName: 'Jensen' });
    expect(h.ghl.state.tasks(contact!.id)).toMatchObject([{ title: 'Send nyt tilbud' }]);
    expect(await h.state.get('contacts', '481516')).not.toHaveProperty('deletedInGhl');
  });

  it('without Relatel\'s API, waits for the contact\'s next event, which writes the contact again', async () => {
    const h = await harness();
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    const failed = await h.deliver(taskEvent('task.updated', 10, { title: 'Send nyt tilbud' }));
    expect(failed).toHaveLength(1);
    expect(h.ghl.state.contacts()).toEqual([]);

    await h.sync(contactEvent(11, { name: 'Mette Jensen' }));
    await h.drain(failed);

    expect(h.parked).toEqual([]);
    const [contact] = h.ghl.state.contacts();
    expect(h.ghl.state.tasks(contact!.id)).toMatchObject([{ title: 'Send nyt tilbud' }]);
  });

  it('that is deleted from Relatel is tombstoned: GHL took it with its contact', async () => {
    const h = await harness();
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(taskEvent('task.deleted', 10));

    expect(h.parked).toEqual([]);
    expect(await h.state.get('tasks', '7331')).toMatchObject({ deleted: true });
  });
});

describe('an appointment deleted in GHL', () => {
  it('is booked again when it changes in Relatel (the calendars API answers 404)', async () => {
    const h = await harness();
    await h.sync(contactEvent(0), relatelEvent('appointment.created', { occurred_at: at(1), payload: relatelAppointment() }));
    h.ghl.deleteRecord('appointment', h.ghl.state.appointments()[0]!.id);

    await h.sync(relatelEvent('appointment.updated', { occurred_at: at(10), payload: relatelAppointment({ title: 'Opmåling' }) }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.appointments()).toMatchObject([{ title: 'Opmåling' }]);
    expect(operations(h).filter((operation) => operation.startsWith('appointments.'))).toEqual([
      'appointments.create 200',
      'appointments.update 404',
      'appointments.get 404',
      'appointments.create 200',
    ]);
  });
});

describe('a 400 on a record GHL still has', () => {
  it('stays permanent: the GET finds the record, so GHL refused the body', async () => {
    const h = await harness();
    await h.sync(contactEvent(0), relatelEvent('contact.created', { occurred_at: at(0), payload: relatelContact({ id: 2, email: 'other@example.dk', number: '4522334455' }) }));
    const before = ghlRequests(h.ghl).length;

    // Contact 2 takes contact 481516's e-mail: the location forbids duplicates, GHL answers 400.
    await h.sync(relatelEvent('contact.updated', { occurred_at: at(10), payload: relatelContact({ id: 2, email: 'mette.hansen@example.dk', number: '4522334455' }) }));

    expect(h.parked.map((p) => p.failure)).toMatchObject([{ reason: 'ghl-400', kind: 'permanent', receiveCount: 1 }]);
    expect(operations(h).slice(before)).toEqual(['contacts.update 400', 'contacts.get 200']);
    expect(h.ghl.state.contacts()).toHaveLength(2);
  });

  it('stays permanent even when its message says "not found"', async () => {
    let refuse = false;
    const h = await harness({
      wrapFetch: (fetchFn) => async (input, init) => {
        if (refuse && init?.method === 'PUT' && String(input).includes('/tasks/')) {
          return new Response(JSON.stringify({ statusCode: 400, message: 'Assignee not found' }), { status: 400, headers: { 'content-type': 'application/json' } });
        }
        return fetchFn(input, init);
      },
    });
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    refuse = true;

    await h.sync(taskEvent('task.updated', 10, { title: 'Send nyt tilbud' }));

    expect(h.parked.map((p) => p.failure)).toMatchObject([{ reason: 'ghl-400', kind: 'permanent' }]);
    expect(ghlRequests(h.ghl, 'tasks.get').map((request) => request.status)).toEqual([200]);
    expect(ghlRequests(h.ghl, 'tasks.create')).toHaveLength(1);
  });
});

describe('a record that keeps disappearing', () => {
  it('is parked once, with reason ghl-record-keeps-disappearing, after one attempt to write it again', async () => {
    let deleteNextCreated = false;
    let h: ConsumerHarness | undefined;
    h = await harness({
      relatel: relatelApi(),
      // GHL loses the contact again right after the sync writes it anew.
      wrapFetch: (fetchFn) => async (input, init) => {
        const response = await fetchFn(input, init);
        const creates = ['/contacts/', '/contacts/upsert'].includes(new URL(String(input)).pathname);
        if (deleteNextCreated && init?.method === 'POST' && creates && response.ok) {
          deleteNextCreated = false;
          const { contact } = (await response.clone().json()) as { contact: { id: string } };
          h!.ghl.deleteRecord('contact', contact.id);
        }
        return response;
      },
    });
    await h.sync(contactEvent(0), taskEvent('task.created', 1));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);
    deleteNextCreated = true;

    await h.sync(taskEvent('task.updated', 10, { title: 'Send nyt tilbud' }));

    expect(h.parked.map((p) => p.failure)).toMatchObject([{ reason: 'ghl-record-keeps-disappearing', kind: 'permanent', receiveCount: 1 }]);
    // The first create, and one attempt to write the contact again: no loop.
    expect(operations(h).filter((operation) => /^contacts\.(create|upsert)/.test(operation))).toEqual(['contacts.create 201', 'contacts.upsert 200']);
    expect(operations(h).filter((operation) => operation.startsWith('tasks.create'))).toEqual(['tasks.create 201']);
  });
});

describe('when the mapping lets GHL\'s deletions win', () => {
  it('leaves a contact deleted in GHL deleted and skips its later events, counted as deleted-in-ghl', async () => {
    const h = await harness({ mapping: { ghlDeletions: 'ghl-wins' } });
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(contactEvent(10, { name: 'Mette Jensen' }));
    const afterFirst = ghlRequests(h.ghl).length;
    await h.sync(contactEvent(20, { name: 'Mette Berg' }));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts()).toEqual([]);
    expect(ghlRequests(h.ghl)).toHaveLength(afterFirst);
    const skips = h.logs.filter((line) => line.message === 'Event skipped').map((line) => line.fields['result']);
    expect(skips).toEqual(['deleted-in-ghl', 'deleted-in-ghl']);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ deletedInGhl: true, lastOccurredAt: at(20) });
  });

  it('skips a task created under a contact deleted in GHL, and its later events, without parking', async () => {
    const h = await harness({ mapping: { ghlDeletions: 'ghl-wins' } });
    await h.sync(contactEvent(0));
    h.ghl.deleteRecord('contact', h.ghl.state.contacts()[0]!.id);

    await h.sync(taskEvent('task.created', 10));
    await h.sync(taskEvent('task.completed', 20));

    expect(h.parked).toEqual([]);
    expect(h.ghl.state.tasks()).toEqual([]);
    expect(ghlRequests(h.ghl, 'tasks.create')).toHaveLength(1);
    expect(ghlRequests(h.ghl, 'tasks.complete')).toEqual([]);
  });
});
