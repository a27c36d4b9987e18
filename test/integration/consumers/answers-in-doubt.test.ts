/**
 * Consumers against answers that leave in doubt whether GHL wrote (issue 12, "no duplicate from
 * an odd answer"): an upsert whose answer is lost, and 2xx answers without the created record's
 * id. Each is settled like a lost answer: the retry finds what GHL made, it does not make a second.
 */
import { describe, expect, it } from 'vitest';
import { relatelContact, relatelEvent, relatelTask } from '../../factories/relatel-events.js';
import { CREATE_LEASE_MS, ghlRequests, harnessPerTest } from './harness.js';

const harness = harnessPerTest();
const operations = (h: { ghl: Parameters<typeof ghlRequests>[0] }) => ghlRequests(h.ghl).map((request) => `${request.operation} ${request.status}`);

/**
 * A fetch whose first POST to a path ending in `pathEnd` reaches GHL (which writes) but whose
 * answer comes back with `spoil` applied to its body, status unchanged.
 */
function spoilFirstAnswer(pathEnd: string, spoil: (body: Record<string, any>) => unknown) {
  return (inner: typeof fetch): typeof fetch => {
    let spoiled = false;
    return async (input, init) => {
      const response = await inner(input, init);
      if (spoiled || init?.method !== 'POST' || !new URL(String(input)).pathname.endsWith(pathEnd)) return response;
      spoiled = true;
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(JSON.stringify(spoil((await response.json()) as Record<string, any>)), { status: response.status, headers });
    };
  };
}

describe('a create whose answer leaves in doubt whether GHL wrote', () => {
  it('an upsert GHL applied but answered 5xx is sent once, and its retry upserts onto the contact it made', async () => {
    const h = await harness({ simulator: { allowDuplicates: true } });
    h.ghl.setFaults({ afterWriteServerErrorRate: 1, serverErrorStatuses: [503] });
    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact({ tags: ['kunde'] }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });

    await h.drain(failed);

    expect(operations(h)).toEqual(['locations.get 200', 'contacts.upsert 503', 'contacts.upsert 200', 'tags.add 201']);
    expect(h.ghl.state.contacts()).toHaveLength(1);
    expect(h.parked).toEqual([]);
  });

  it('an upsert answered 200 without the contact is retried as an upsert, not parked, and makes one contact', async () => {
    const h = await harness({
      simulator: { allowDuplicates: true },
      wrapFetch: spoilFirstAnswer('/contacts/upsert', ({ contact: _dropped, ...rest }) => rest),
    });

    await h.sync(relatelEvent('contact.created', { payload: relatelContact({ tags: ['kunde'] }) }));

    expect(operations(h)).toEqual(['locations.get 200', 'contacts.upsert 200', 'contacts.upsert 200', 'tags.add 201']);
    expect(h.ghl.state.contacts()).toHaveLength(1);
    expect((await h.state.get('contacts', '481516'))?.ghlId).toBe(h.ghl.state.contacts()[0]?.id);
    expect(h.parked).toEqual([]);
  });

  it('a contact without e-mail and phone whose create GHL applied but answered 5xx is found by a search, not created twice', async () => {
    const h = await harness();
    h.ghl.setFaults({ afterWriteServerErrorRate: 1, serverErrorStatuses: [503] });
    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null, tags: ['kunde'] }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });

    await h.drain(failed);

    const contacts = h.ghl.state.contacts();
    expect(contacts).toHaveLength(1);
    expect(operations(h)).toEqual(['contacts.create 503', 'contacts.search 200', 'tags.add 201']);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ ghlId: contacts[0]?.id, tags: ['kunde'] });
    expect(h.parked).toEqual([]);
  });

  it('a contact without e-mail and phone whose create never reached GHL is searched for, not found, and created once', async () => {
    const h = await harness();
    h.ghl.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });
    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null }) }));
    h.ghl.setFaults({ serverErrorRate: 0 });

    await h.drain(failed);

    expect(operations(h)).toEqual(['contacts.create 503', 'contacts.search 200', 'contacts.create 201']);
    expect(h.ghl.state.contacts()).toHaveLength(1);
  });

  it("a contact without e-mail and phone whose unanswered create was parked is found by its next event's search, which renames it", async () => {
    const h = await harness();
    h.ghl.setFaults({ afterWriteTimeoutRate: 1 });
    const created = relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ email: null, number: null }) });
    await h.receive([h.recordFor(created, { receiveCount: h.maxReceiveCount })]);
    h.ghl.setFaults({ afterWriteTimeoutRate: 0 });
    expect(h.parked).toHaveLength(1);

    const renamed = relatelContact({ email: null, number: null, name: 'Mette Jensen' });
    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: renamed }));

    expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Mette', lastName: 'Jensen' }]);
    expect(operations(h).slice(1)).toEqual(['contacts.search 200', 'contacts.update 200', 'tags.add 201']);
  });

  it('a delete of a contact without e-mail and phone whose unanswered create was parked finds it and deletes it', async () => {
    const h = await harness();
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const created = relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ email: null, number: null }) });
    await h.receive([h.recordFor(created, { receiveCount: h.maxReceiveCount })]);
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });

    await h.sync(relatelEvent('contact.deleted', { occurred_at: '2026-03-02T08:05:00.000Z', payload: { id: 481516 } }));

    expect(h.ghl.state.contacts()).toEqual([]);
    expect(await h.state.get('contacts', '481516')).toMatchObject({ deleted: true });
  });

  it('a contact without e-mail and phone whose creator died after GHL wrote (claim left, no outcome) is found once the lease ran out', async () => {
    const h = await harness();
    // The dead invocation: it claimed the create and GHL made the contact; nothing else was recorded.
    await h.state.claimCreate('contacts', '481516', new Date(h.clock.now()), CREATE_LEASE_MS);
    const made = h.ghl.seedContact({ firstName: 'Mette Kirstine', lastName: 'Hansen', tags: ['kunde', 'aarhus'] });
    h.clock.advance(CREATE_LEASE_MS);

    await h.sync(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null }) }));

    expect(h.ghl.state.contacts().map((contact) => contact.id)).toEqual([made.id]);
    expect((await h.state.get('contacts', '481516'))?.ghlId).toBe(made.id);
    expect(operations(h)).toEqual(['contacts.search 200', 'contacts.update 200', 'tags.add 201']);
  });

  it('with the Relatel id mapped to a custom field, the search tells its own contact from a namesake a person added meanwhile', async () => {
    const h = await harness({ mapping: { contacts: { customFields: { id: 'relatelIdField000001' } } } });
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });
    const namesake = h.ghl.seedContact({ firstName: 'Mette Kirstine', lastName: 'Hansen' });

    await h.drain(failed);

    const ours = h.ghl.state.contacts().filter((contact) => contact.id !== namesake.id);
    expect(ours).toHaveLength(1);
    expect((await h.state.get('contacts', '481516'))?.ghlId).toBe(ours[0]?.id);
  });

  it('without the Relatel id in a field, a namesake added meanwhile makes the search adopt neither (a duplicate, not a wrong link)', async () => {
    const h = await harness();
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact({ email: null, number: null }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });
    const namesake = h.ghl.seedContact({ firstName: 'Mette Kirstine', lastName: 'Hansen' });

    await h.drain(failed);

    expect(h.ghl.state.contacts()).toHaveLength(3);
    expect((await h.state.get('contacts', '481516'))?.ghlId).not.toBe(namesake.id);
  });

  it('a task created with a 201 that lacks its id is found by the retry and linked, not created twice', async () => {
    const h = await harness({ wrapFetch: spoilFirstAnswer('/tasks', ({ task: { id: _dropped, ...task }, ...rest }) => ({ ...rest, task })) });
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    const contactId = h.ghl.state.contacts()[0]!.id;

    await h.sync(relatelEvent('task.created', { payload: relatelTask() }));

    const tasks = h.ghl.state.tasks(contactId);
    expect(tasks).toHaveLength(1);
    expect((await h.state.get('tasks', '7331'))?.ghlId).toBe(tasks[0]?.id);
    expect(h.parked).toEqual([]);
  });
});
