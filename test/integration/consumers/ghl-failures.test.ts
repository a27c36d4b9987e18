/** The consumers when GHL misbehaves: rate limits, rejections, revoked tokens, answers lost after a write. */
import { describe, expect, it } from 'vitest';
import type { InMemorySecretStore, SecretStore } from '../../../lib/secrets.js';
import { relatelAppointment, relatelContact, relatelEvent, relatelNote, relatelTask } from '../../factories/relatel-events.js';
import { GHL_SECRET_ID, ghlRequests, harnessPerTest } from './harness.js';

const harness = harnessPerTest();

/** Three contacts, each with a task and a note. */
function busyMorning() {
  return [1, 2, 3].flatMap((n) => [
    relatelEvent('contact.created', { payload: relatelContact({ id: n, email: `kunde${n}@example.dk`, number: `457100000${n}` }) }),
    relatelEvent('task.created', { payload: relatelTask({ id: 100 + n, contact_id: n, title: `Opgave ${n}` }) }),
    relatelEvent('note.created', { payload: relatelNote({ id: 200 + n, contact_id: n, body: `Note ${n}` }) }),
  ]);
}

describe('consumers when GHL fails', () => {
  it('applies everything exactly once through a 429 storm', async () => {
    const h = await harness({ simulator: { seed: 11, faults: { rateLimitRate: 0.5 } } });

    await h.sync(...busyMorning());

    expect(ghlRequests(h.ghl).filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(h.parked).toEqual([]);
    expect(h.ghl.state.contacts().map((c) => c.email).sort()).toEqual(['kunde1@example.dk', 'kunde2@example.dk', 'kunde3@example.dk']);
    expect(h.ghl.state.tasks().map((t) => t.title).sort()).toEqual(['Opgave 1', 'Opgave 2', 'Opgave 3']);
    expect(h.ghl.state.notes().map((n) => n.body).sort()).toEqual(['Note 1', 'Note 2', 'Note 3']);
  });

  it('parks a permanent 422 in the DLQ with reason, status and traceId, and the rest of the batch is applied', async () => {
    const h = await harness();
    await h.sync(
      relatelEvent('contact.created', { payload: relatelContact({ id: 1, email: 'a@example.dk' }) }),
      relatelEvent('contact.created', { payload: relatelContact({ id: 2, email: 'b@example.dk', number: '4571000002' }) }),
      relatelEvent('appointment.created', { payload: relatelAppointment({ id: 51, contact_id: 1 }) }),
    );

    // The start moves past the booked end and the new end is before the new start: GHL refuses it.
    const invalid = relatelEvent('appointment.updated', {
      occurred_at: '2026-03-02T09:00:00.000Z',
      payload: relatelAppointment({ id: 51, contact_id: 1, starts_at: '2026-03-10T12:00:00+01:00', ends_at: '2026-03-10T11:30:00+01:00' }),
    });
    const valid = relatelEvent('appointment.created', { payload: relatelAppointment({ id: 52, contact_id: 2, title: 'Opmåling' }) });
    const failed = await h.deliver(invalid, valid);

    expect(failed).toEqual([]);
    expect(h.parked).toHaveLength(1);
    expect(h.parked[0]?.failure).toMatchObject({ reason: 'ghl-422', kind: 'permanent', status: 422, receiveCount: 1 });
    expect(h.parked[0]?.failure.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(h.parked[0]!.record.body).delivery_id).toBe(invalid.delivery_id);
    expect(h.ghl.state.appointments().map((a) => a.title).sort()).toEqual(['Besigtigelse', 'Opmåling']);
  });

  it('re-reads a rotated token after GHL answers 401, and applies the event', async () => {
    // The warm Lambda cached the old token; then the token was rotated in GHL and in the secret.
    const rotateAfterFirstRead = (store: InMemorySecretStore): SecretStore => {
      let reads = 0;
      return {
        getSecretString: async (id, stage) => {
          const value = await store.getSecretString(id, stage);
          reads += 1;
          if (reads === 1) await store.putSecretString(GHL_SECRET_ID, JSON.stringify(pit('rotated-token')));
          return value;
        },
        putSecretString: (id, value) => store.putSecretString(id, value),
      };
    };
    const h = await harness({ simulator: { tokens: ['rotated-token'] }, ghlSecret: () => pit('old-token'), wrapSecretStore: rotateAfterFirstRead });

    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact() }));

    expect(failed).toEqual([]);
    expect(h.ghl.state.contacts()).toHaveLength(1);
    // The first request of a cold contacts consumer reads the location's duplicate-contact rule.
    expect(ghlRequests(h.ghl).map((request) => [request.operation, request.status])).toEqual([
      ['locations.get', 401],
      ['locations.get', 200],
      ['contacts.create', 201],
    ]);
  });

  it('retries an event whose token stays invalid, without parking it, and logs the auth failure as an error', async () => {
    const h = await harness({ simulator: { tokens: ['rotated-token'] }, ghlSecret: () => pit('revoked-token') });

    const failed = await h.deliver(relatelEvent('contact.created', { payload: relatelContact() }));

    expect(failed).toHaveLength(1);
    expect(h.parked).toEqual([]);
    expect(h.visibilityChanges).toHaveLength(1);
    const errors = h.logs.filter((line) => line.level === 'error');
    expect(errors).toMatchObject([{ message: 'Event failed, will be retried', fields: { kind: 'auth', reason: 'ghl-401', status: 401, disposition: 'retry' } }]);
    expect(JSON.stringify(h.logs)).not.toContain('revoked-token');
    expect(h.ghl.state.contacts()).toEqual([]);
  });

  it.each([
    ['answered 5xx', { afterWriteServerErrorRate: 1 }],
    ['never answered', { afterWriteTimeoutRate: 1 }],
  ])('creates each task, note and appointment once when GHL applies a create but the answer is %s, across redeliveries', async (_, faults) => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    const children = [
      relatelEvent('task.created', { payload: relatelTask({ id: 1 }) }),
      // No due date: the create body's default due date must not change between attempts.
      relatelEvent('task.created', { payload: relatelTask({ id: 2, title: 'Ring tilbage', due_at: null }) }),
      relatelEvent('note.created', { payload: relatelNote() }),
      relatelEvent('appointment.created', { payload: relatelAppointment() }),
    ];

    h.ghl.setFaults(faults);
    await h.sync(...children);
    // Relatel retries its webhooks too: the same deliveries again, long after SQS's dedup window.
    h.clock.advance(60 * 60_000);
    await h.sync(...children);

    expect(ghlRequests(h.ghl).filter((r) => r.faults.length > 0).length).toBeGreaterThanOrEqual(4);
    expect(h.parked).toEqual([]);
    expect(h.ghl.state.tasks().map((t) => t.title).sort()).toEqual(['Ring tilbage', 'Send tilbud']);
    expect(h.ghl.state.notes()).toHaveLength(1);
    expect(h.ghl.state.appointments()).toHaveLength(1);
  });

  it('finds a create GHL applied on the last receive of its event (then parked) when a newer version of the record comes, instead of creating a second one', async () => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const created = h.recordFor(relatelEvent('note.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelNote({ body: 'Første udgave' }) }), {
      receiveCount: h.maxReceiveCount,
    });
    await h.receive([created]);
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });

    await h.sync(relatelEvent('note.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelNote({ body: 'Anden udgave' }) }));

    expect(h.parked.map((p) => p.failure.reason)).toEqual([expect.stringMatching(/^ghl-5\d\d$/)]);
    expect(h.ghl.state.notes().map((n) => n.body)).toEqual(['Anden udgave']);
  });

  it('deletes a record whose create GHL applied on the last receive of its event (then parked) when its delete comes', async () => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { payload: relatelContact() }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const created = h.recordFor(relatelEvent('task.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelTask() }), {
      receiveCount: h.maxReceiveCount,
    });
    await h.receive([created]);
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });
    expect(h.ghl.state.tasks()).toHaveLength(1);

    await h.sync(relatelEvent('task.deleted', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelTask() }));

    expect(h.ghl.state.tasks()).toEqual([]);
  });

  it('writes a contact back to its earlier name when an update GHL applied but answered 5xx (then parked) is followed by a version with the earlier name', async () => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ name: 'Mette Jensen' }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const renamed = relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelContact({ name: 'Mette Nielsen' }) });
    await h.receive([h.recordFor(renamed, { receiveCount: h.maxReceiveCount })]);
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });
    expect(h.ghl.state.contacts()[0]?.lastName).toBe('Nielsen');

    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:10:00.000Z', payload: relatelContact({ name: 'Mette Jensen' }) }));

    expect(h.ghl.state.contacts()[0]?.lastName).toBe('Jensen');
  });

  it('removes a tag whose add GHL applied but answered 5xx (then parked) when a newer version of the contact drops it', async () => {
    const h = await harness();
    await h.sync(relatelEvent('contact.created', { occurred_at: '2026-03-02T08:00:00.000Z', payload: relatelContact({ tags: ['kunde'] }) }));
    h.ghl.setFaults({ afterWriteServerErrorRate: 1 });
    const tagged = relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:05:00.000Z', payload: relatelContact({ tags: ['kunde', 'vip'] }) });
    await h.receive([h.recordFor(tagged, { receiveCount: h.maxReceiveCount })]);
    h.ghl.setFaults({ afterWriteServerErrorRate: 0 });
    expect(h.ghl.state.contacts()[0]?.tags.sort()).toEqual(['kunde', 'vip']);

    await h.sync(relatelEvent('contact.updated', { occurred_at: '2026-03-02T08:10:00.000Z', payload: relatelContact({ tags: ['kunde'] }) }));

    expect(h.ghl.state.contacts()[0]?.tags).toEqual(['kunde']);
  });
});

function pit(token: string) {
  return { type: 'pit', token, locationId: 'SimLocation000000001' };
}
