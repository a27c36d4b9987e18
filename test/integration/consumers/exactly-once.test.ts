/** Consumers against the GHL simulator: at-least-once, out-of-order delivery ends as exactly-once, newest-wins GHL state. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relatelContact, relatelEvent, relatelTask } from '../../factories/relatel-events.js';
import { ghlRequests, ghlWrites, redeliveryOf, startConsumerHarness, type ConsumerHarness } from './harness.js';

let h: ConsumerHarness;
beforeAll(async () => {
  h = await startConsumerHarness();
});
beforeEach(() => h.reset());
afterAll(() => h.stop());

describe('consumers: exactly once in effect', () => {
  it('writes a redelivered event (same SQS message, same delivery id) to GHL once', async () => {
    const record = h.recordFor(relatelEvent('contact.created', { payload: relatelContact({ tags: [] }) }));
    await h.receive([record]);
    const writesAfterFirst = ghlWrites(h.ghl).length;

    // The Lambda died after GHL's write, before SQS deleted the message: it comes back.
    const { failedMessageIds } = await h.receive([redeliveryOf(record)]);

    expect(writesAfterFirst).toBe(1);
    expect(failedMessageIds).toEqual([]);
    expect(ghlWrites(h.ghl)).toHaveLength(1);
    expect(h.ghl.state.contacts()).toHaveLength(1);
  });

  it('writes a delivery that comes back after the SQS dedup window, as a new message with the same delivery id, to GHL once', async () => {
    const event = relatelEvent('task.created', { payload: relatelTask() });
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    await h.sync(event);
    const requestsBefore = ghlRequests(h.ghl).length;

    // Relatel retried its webhook ten minutes later: SQS no longer dedups it, so a new message id.
    h.clock.advance(10 * 60_000);
    await h.sync(event);

    expect(ghlRequests(h.ghl)).toHaveLength(requestsBefore);
    expect(h.ghl.state.tasks()).toHaveLength(1);
  });

  it('keeps the newest data when an update (t2) is processed before the create (t1) of the same contact', async () => {
    const created = relatelEvent('contact.created', {
      occurred_at: '2026-03-02T08:00:00.000Z',
      payload: relatelContact({ name: 'Mette Hansen', company: 'Old ApS', tags: ['kunde'] }),
    });
    const updated = relatelEvent('contact.updated', {
      occurred_at: '2026-03-02T08:05:00.000Z',
      payload: relatelContact({ name: 'Mette Kirstine Jensen', company: 'Jensen Tømrer ApS', tags: ['kunde', 'vip'] }),
    });

    await h.sync(updated);
    await h.sync(created);

    const [contact, ...others] = h.ghl.state.contacts();
    expect(others).toEqual([]);
    expect(contact).toMatchObject({ firstName: 'Mette Kirstine', lastName: 'Jensen', companyName: 'Jensen Tømrer ApS' });
    expect(contact?.tags.sort()).toEqual(['kunde', 'vip']);
  });

  it('keeps the newest data of a task when its update (t2) is processed before its create (t1)', async () => {
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    const created = relatelEvent('task.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelTask({ title: 'Send tilbud' }) });
    const updated = relatelEvent('task.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelTask({ title: 'Send nyt tilbud' }) });

    await h.sync(updated);
    await h.sync(created);

    expect(h.ghl.state.tasks().map((task) => task.title)).toEqual(['Send nyt tilbud']);
  });

  it('makes no GHL call for an update that changes nothing', async () => {
    const contact = relatelContact();
    await h.sync(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: contact }));
    const requestsBefore = ghlRequests(h.ghl).length;

    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: { ...contact } }));

    expect(ghlRequests(h.ghl)).toHaveLength(requestsBefore);
    expect((await h.state.get('contacts', String(contact.id)))?.lastOccurredAt).toBe('2026-03-02T08:05:00.000Z');
  });
});
