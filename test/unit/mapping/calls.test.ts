import { describe, expect, it } from 'vitest';
import {
  callRemoteParty,
  formatDuration,
  isUnansweredInboundCall,
  mapCallToCallbackTaskBody,
  mapCallToNoteBody,
  normaliseCallDirection,
} from '../../../lib/mapping/calls.js';
import { expectPermanentFailure } from './assertions.js';
import { aCall, aMissedCall, mappingConfig } from './records.js';

const config = mappingConfig();
const noteText = (call: Parameters<typeof mapCallToNoteBody>[0], cfg = config) => mapCallToNoteBody(call, cfg).body.body;
const summaryOf = (call: Parameters<typeof mapCallToNoteBody>[0]) => noteText(call).split('\n')[0];

describe('normaliseCallDirection', () => {
  it('accepts the short and the long form in any case', () => {
    expect(['in', 'inbound', 'IN', ' Inbound '].map(normaliseCallDirection)).toEqual(['inbound', 'inbound', 'inbound', 'inbound']);
    expect(['out', 'outbound', 'OUT'].map(normaliseCallDirection)).toEqual(['outbound', 'outbound', 'outbound']);
  });

  it('gives nothing for an unknown direction', () => {
    expect(normaliseCallDirection('sideways')).toBeUndefined();
  });
});

describe('callRemoteParty', () => {
  it('is the caller of an inbound call', () => {
    expect(callRemoteParty(aCall({ direction: 'inbound', from_contact: 1001 }), config)).toEqual({
      direction: 'inbound',
      relatelContactId: '1001',
      phone: '+4571999999',
    });
  });

  it('is the callee of an outbound call', () => {
    const call = aCall({ direction: 'out', from_number: '4570101010', to_number: '4520123456', from_contact: null, to_contact: { id: 1002 } });
    expect(callRemoteParty(call, config)).toEqual({ direction: 'outbound', relatelContactId: '1002', phone: '+4520123456' });
  });

  it('has no contact or phone when Relatel knows neither', () => {
    expect(callRemoteParty(aCall({ from_contact: null, from_number: 'anonymous' }), config)).toEqual({ direction: 'inbound' });
  });

  it('rejects a call with an unknown direction as a permanent failure', () => {
    expectPermanentFailure(() => callRemoteParty(aCall({ direction: 'sideways' }), config), 'call-direction-unknown');
  });
});

describe('mapCallToNoteBody', () => {
  it('summarises an answered inbound call with who answered and the talk time', () => {
    expect(summaryOf(aCall())).toBe('Inbound call from +45 71 99 99 99, answered by Anna, 3 min 12 s');
  });

  it('measures the talk time from answered_at, not from started_at', () => {
    const call = aCall({ started_at: '2026-11-27T10:00:00Z', answered_at: '2026-11-27T10:00:40Z', ended_at: '2026-11-27T10:01:00Z' });
    expect(summaryOf(call)).toBe('Inbound call from +45 71 99 99 99, answered by Anna, 20 s');
  });

  it('says answered without a name when Relatel does not say who', () => {
    expect(summaryOf(aCall({ answered_by: null }))).toBe('Inbound call from +45 71 99 99 99, answered, 3 min 12 s');
  });

  it('summarises a missed inbound call', () => {
    expect(summaryOf(aMissedCall())).toBe('Missed inbound call from +45 71 99 99 99');
  });

  it('summarises an answered outbound call with the number called', () => {
    expect(summaryOf(aCall({ direction: 'outbound', to_number: '4520123456' }))).toBe('Outbound call to +45 20 12 34 56, answered, 3 min 12 s');
  });

  it('summarises an unanswered outbound call', () => {
    expect(summaryOf(aMissedCall({ direction: 'out', to_number: '4520123456' }))).toBe('Unanswered outbound call to +45 20 12 34 56');
  });

  it('names an unknown caller as such', () => {
    expect(summaryOf(aMissedCall({ from_number: null }))).toBe('Missed inbound call from an unknown number');
  });

  it('writes start and end in the configured zone', () => {
    expect(noteText(aCall()).split('\n')[1]).toBe('Started 2026-11-27 11:00:00, ended 11:03:17 (Europe/Copenhagen)');
  });

  it('writes summer times with the summer offset', () => {
    const call = aCall({ started_at: '2026-07-01T10:00:00Z', answered_at: '2026-07-01T10:00:05Z', ended_at: '2026-07-01T10:03:17Z' });
    expect(noteText(call).split('\n')[1]).toBe('Started 2026-07-01 12:00:00, ended 12:03:17 (Europe/Copenhagen)');
  });

  it('writes times in another configured zone', () => {
    expect(noteText(aCall(), mappingConfig({ timezone: 'America/New_York' })).split('\n')[1]).toBe(
      'Started 2026-11-27 05:00:00, ended 05:03:17 (America/New_York)',
    );
  });

  it('writes the end date when the call ended on another day', () => {
    const call = aCall({ started_at: '2026-11-27T22:59:00Z', answered_at: '2026-11-27T22:59:10Z', ended_at: '2026-11-27T23:01:00Z' });
    expect(noteText(call).split('\n')[1]).toBe('Started 2026-11-27 23:59:00, ended 2026-11-28 00:01:00 (Europe/Copenhagen)');
  });

  it('names the line the call came in on', () => {
    expect(noteText(aCall({ endpoint_name: 'Sales' }))).toContain('\nVia Sales');
  });

  it('gives the status of a call nobody answered', () => {
    expect(noteText(aMissedCall({ status: 'voicemail' }))).toContain('\nStatus: voicemail');
  });

  it('makes the GHL user mapped from the employee who answered the author', () => {
    const { body } = mapCallToNoteBody(aCall(), mappingConfig({ users: { '7': 'ghl-user-7' } }));
    expect(body.userId).toBe('ghl-user-7');
  });

  it('reports an unreadable time and leaves it out of the note', () => {
    const { body, issues } = mapCallToNoteBody(aCall({ started_at: 'yesterday' }), config);
    expect(body.body.split('\n')[1]).toBe('Ended 2026-11-27 11:03:17 (Europe/Copenhagen)');
    expect(issues).toEqual([{ field: 'started_at', reason: 'invalid-date' }]);
  });
});

describe('mapCallToCallbackTaskBody', () => {
  it('asks to call back an unanswered inbound caller, due the configured delay after the call ended', () => {
    const mapped = mapCallToCallbackTaskBody(aMissedCall(), mappingConfig({ calls: { callbackTask: { delayMinutes: 30 } } }));
    expect(mapped?.body).toMatchObject({ title: 'Call back +45 71 99 99 99', dueDate: '2026-11-27T10:33:17Z', completed: false });
  });

  it('describes the missed call in the task body', () => {
    expect(mapCallToCallbackTaskBody(aMissedCall(), config)?.body.body).toBe(noteText(aMissedCall()));
  });

  it('fills the configured title template', () => {
    const cfg = mappingConfig({ calls: { callbackTask: { titleTemplate: 'Ring tilbage til {number} ({number})' } } });
    expect(mapCallToCallbackTaskBody(aMissedCall(), cfg)?.body.title).toBe('Ring tilbage til +45 71 99 99 99 (+45 71 99 99 99)');
  });

  it('assigns the task to the configured GHL user', () => {
    const cfg = mappingConfig({ calls: { callbackTask: { assignedTo: 'ghl-user-1' } } });
    expect(mapCallToCallbackTaskBody(aMissedCall(), cfg)?.body.assignedTo).toBe('ghl-user-1');
  });

  it('is not created for an answered call', () => {
    expect(mapCallToCallbackTaskBody(aCall(), config)).toBeUndefined();
  });

  it('is not created for an outbound call', () => {
    expect(mapCallToCallbackTaskBody(aMissedCall({ direction: 'out' }), config)).toBeUndefined();
  });

  it('is not created when switched off', () => {
    expect(mapCallToCallbackTaskBody(aMissedCall(), mappingConfig({ calls: { callbackTask: { enabled: false } } }))).toBeUndefined();
  });

  it('is due from started_at when ended_at is unreadable', () => {
    const mapped = mapCallToCallbackTaskBody(aMissedCall({ ended_at: 'soon' }), config);
    expect(mapped?.body.dueDate).toBe('2026-11-27T10:15:00Z');
  });

  it('rejects a call with no readable time as a permanent failure', () => {
    expectPermanentFailure(() => mapCallToCallbackTaskBody(aMissedCall({ started_at: '', ended_at: '' }), config), 'call-without-times');
  });
});

describe('isUnansweredInboundCall', () => {
  it('is true for an inbound call without answered_at', () => {
    expect(isUnansweredInboundCall(aMissedCall())).toBe(true);
  });

  it('is false for an answered inbound call', () => {
    expect(isUnansweredInboundCall(aCall())).toBe(false);
  });
});

describe('formatDuration', () => {
  it('writes minutes and seconds', () => {
    expect(formatDuration(192)).toBe('3 min 12 s');
  });

  it('writes hours, and leaves out zero parts', () => {
    expect(formatDuration(3600 + 120)).toBe('1 h 2 min');
  });

  it('writes a zero duration as 0 s', () => {
    expect(formatDuration(0)).toBe('0 s');
  });

  it('never writes a negative duration', () => {
    expect(formatDuration(-5)).toBe('0 s');
  });
});

describe('answered_by of an unexpected shape', () => {
  it('is ignored rather than failing the note', () => {
    const call = aCall({ answered_by: { id: { nested: true }, name: 42 } as never });
    const { body } = mapCallToNoteBody(call, mappingConfig({ users: { '7': 'ghl-user-7' } }));
    expect(body.body.split('\n')[0]).toBe('Inbound call from +45 71 99 99 99, answered, 3 min 12 s');
    expect(body).not.toHaveProperty('userId');
  });
});
