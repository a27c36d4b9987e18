import { describe, expect, it } from 'vitest';
import { ROUTED_EVENT_TYPES } from '../../../lib/entities.js';
import { validateRelatelEvent } from '../../../lib/events/validate.js';
import { relatelCall, relatelContact, relatelEvent, relatelNote, relatelTask } from '../../factories/relatel-events.js';

function issuesOf(body: unknown) {
  const result = validateRelatelEvent(body);
  if (result.valid) throw new Error('expected the event to be invalid');
  return result.issues;
}

describe('validateRelatelEvent: valid events', () => {
  it.each(ROUTED_EVENT_TYPES)('accepts a complete %s event as routed', (type) => {
    expect(validateRelatelEvent(relatelEvent(type))).toMatchObject({ valid: true, kind: 'routed', eventType: type });
  });

  it('keeps payload fields the contract does not know', () => {
    const result = validateRelatelEvent(relatelEvent('contact.updated', { payload: relatelContact({ vip_level: 3 }) }));
    expect(result).toMatchObject({ valid: true, payload: { vip_level: 3 } });
  });

  it('keeps envelope fields the contract does not know', () => {
    const result = validateRelatelEvent(relatelEvent('contact.updated', { api_version: '2026-01' }));
    expect(result).toMatchObject({ valid: true, envelope: { api_version: '2026-01' } });
  });

  it.each([
    ['contact.deleted', { id: 481516 }],
    ['note.deleted', { id: 90210, contact_id: 481516 }],
    ['task.deleted', { id: 7331, contact_id: 481516 }],
    ['appointment.deleted', { id: 5150, contact_id: 481516 }],
  ])('accepts a %s payload that carries only its ids', (type, payload) => {
    expect(validateRelatelEvent(relatelEvent(type, { payload }))).toMatchObject({ valid: true, kind: 'routed' });
  });

  it('accepts null for optional fields, as Relatel serialises missing values', () => {
    const payload = relatelTask({ title: null, description: null, due_at: null, status: null, assignee_id: null });
    expect(validateRelatelEvent(relatelEvent('task.updated', { payload }))).toMatchObject({ valid: true });
  });

  it.each([481516, '481516', 'c_8f2e'])('accepts the id %j and keeps it as sent', (id) => {
    expect(validateRelatelEvent(relatelEvent('contact.updated', { payload: { id } }))).toMatchObject({ payload: { id } });
  });

  it('accepts occurred_at with a UTC offset other than Z', () => {
    expect(validateRelatelEvent(relatelEvent('contact.updated', { occurred_at: '2026-03-02T09:14:00+01:00' }))).toMatchObject({
      valid: true,
    });
  });

  it('recognises webhook.test without checking its payload', () => {
    expect(validateRelatelEvent(relatelEvent('webhook.test', { payload: { anything: true } }))).toMatchObject({
      valid: true,
      kind: 'test',
    });
  });

  it('recognises an event type the sync does not act on, without checking its payload', () => {
    expect(validateRelatelEvent(relatelEvent('incoming_message.created', { payload: {} }))).toMatchObject({
      valid: true,
      kind: 'unrouted',
      eventType: 'incoming_message.created',
    });
  });
});

describe('validateRelatelEvent: violations name the field', () => {
  it.each(['delivery_id', 'event_type', 'occurred_at', 'payload'])('requires %s in the envelope', (field) => {
    const event: Record<string, unknown> = relatelEvent();
    delete event[field];
    expect(issuesOf(event)).toContainEqual({ path: field, problem: 'is required' });
  });

  it('refuses a body that is not an object', () => {
    expect(issuesOf([relatelEvent()])).toEqual([{ path: 'body', problem: 'must be an object' }]);
  });

  it('refuses a payload that is not an object', () => {
    expect(issuesOf(relatelEvent('contact.updated', { payload: 'x' as never }))).toEqual([
      { path: 'payload', problem: 'must be an object' },
    ]);
  });

  it('refuses an occurred_at that is not an ISO-8601 date-time with offset', () => {
    expect(issuesOf(relatelEvent('contact.updated', { occurred_at: '02-03-2026 09:14' }))).toEqual([
      { path: 'occurred_at', problem: 'must be an ISO-8601 date-time with a UTC offset' },
    ]);
  });

  it.each([
    ['contains a space', 'dlv 1'],
    ['is empty', ''],
    ['is longer than 128 characters', 'd'.repeat(129)],
    ['is not ASCII', 'dlv_æøå'],
  ])('refuses a delivery_id that SQS cannot deduplicate on: one that %s', (_, deliveryId) => {
    expect(issuesOf(relatelEvent('contact.updated', { delivery_id: deliveryId })).map((issue) => issue.path)).toEqual(['delivery_id']);
  });

  it.each(['note.created', 'task.created', 'appointment.created'])('requires payload.contact_id for %s', (type) => {
    expect(issuesOf(relatelEvent(type, { payload: { id: 1 } }))).toEqual([{ path: 'payload.contact_id', problem: 'is required' }]);
  });

  it('requires the payload id', () => {
    expect(issuesOf(relatelEvent('contact.created', { payload: { name: 'x' } }))).toEqual([{ path: 'payload.id', problem: 'is required' }]);
  });

  it('refuses an id that is neither a non-empty string nor an integer', () => {
    expect(issuesOf(relatelEvent('contact.created', { payload: { id: 1.5 } }))).toEqual([
      { path: 'payload.id', problem: 'must be a string or an integer' },
    ]);
    expect(issuesOf(relatelEvent('contact.created', { payload: { id: '' } }))).toEqual([
      { path: 'payload.id', problem: 'must not be empty' },
    ]);
  });

  it('refuses a task status other than open or completed', () => {
    expect(issuesOf(relatelEvent('task.updated', { payload: relatelTask({ status: 'blocked' as never }) }))).toEqual([
      { path: 'payload.status', problem: 'must be one of open, completed' },
    ]);
  });

  it('names the element of an array that is wrong', () => {
    expect(issuesOf(relatelEvent('contact.updated', { payload: relatelContact({ tags: ['kunde', 7 as never] }) }))).toEqual([
      { path: 'payload.tags[1]', problem: 'must be a string' },
    ]);
  });

  it('requires a call direction of inbound or outbound, which decides the remote party', () => {
    expect(issuesOf(relatelEvent('call.ended', { payload: relatelCall({ direction: 'internal' as never }) }))).toEqual([
      { path: 'payload.direction', problem: 'must be one of inbound, outbound, in, out' },
    ]);
  });

  it("accepts the REST API's short call directions and a contact given by id", () => {
    const result = validateRelatelEvent(relatelEvent('call.ended', { payload: relatelCall({ direction: 'out', to_contact: 42 } as never) }));
    expect(result).toMatchObject({ valid: true, kind: 'routed', payload: { direction: 'out', to_contact: 42 } });
  });

  it('reports every violation, not just the first', () => {
    const paths = issuesOf(relatelEvent('call.ended', { payload: { call_uuid: 'c1' } })).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['payload.direction', 'payload.from_number', 'payload.to_number', 'payload.started_at', 'payload.ended_at']),
    );
  });

  it('never echoes the offending values', () => {
    const personal = 'mette.hansen@example.dk 4571999999';
    const envelopeIssues = issuesOf(relatelEvent('note.updated', { occurred_at: personal, delivery_id: personal }));
    const payload = relatelNote({ id: personal as never, contact_id: { name: personal } as never, body: [personal] as never, employee_id: 1.5 });
    const payloadIssues = issuesOf(relatelEvent('note.updated', { payload }));
    expect(envelopeIssues.map((issue) => issue.path)).toEqual(['delivery_id', 'occurred_at']);
    expect(payloadIssues.map((issue) => issue.path)).toEqual(['payload.contact_id', 'payload.body', 'payload.employee_id']);
    expect(JSON.stringify([envelopeIssues, payloadIssues])).not.toMatch(/mette|4571999999|1\.5/);
  });
});
