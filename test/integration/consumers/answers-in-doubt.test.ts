/**
 * Consumers against answers that leave in doubt whether GHL wrote (issue 12, "no duplicate from
 * an odd answer"): an upsert whose answer is lost, and 2xx answers without the created record's
 * id. Each is settled like a lost answer: the retry finds what GHL made, it does not make a second.
 */
import { describe, expect, it } from 'vitest';
import { relatelContact, relatelEvent, relatelTask } from '../../factories/relatel-events.js';
import { ghlRequests, harnessPerTest } from './harness.js';

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
