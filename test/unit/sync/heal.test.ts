/** heal.ts: which failures may mean a deleted record, and which GET decides it for each operation. */
import { describe, expect, it } from 'vitest';
import { permanentError, transientError } from '../../../lib/errors.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { confirmGone, mayBeGone, withoutLink } from '../../../lib/sync/heal.js';
import type { GhlOperation } from '../../../lib/sync/plan.js';
import type { RecordSyncState } from '../../../lib/sync/state.js';

/** GHL holding exactly the listed records (`contact:c1`, `task:t1`, ...); every GET is recorded. */
function ghlHolding(...records: string[]) {
  const asked: string[] = [];
  const has = (key: string) => (records.includes(key) ? { id: key.split(':')[1]! } : undefined);
  const ghl = {
    getContact: async (id: string) => (asked.push(`contact:${id}`), has(`contact:${id}`)),
    getTask: async (_contact: string, id: string) => (asked.push(`task:${id}`), has(`task:${id}`)),
    getNote: async (_contact: string, id: string) => (asked.push(`note:${id}`), has(`note:${id}`)),
    getAppointment: async (id: string) => (asked.push(`appointment:${id}`), has(`appointment:${id}`)),
  } as unknown as GhlClient;
  return { ghl, asked };
}

const state: RecordSyncState = { entity: 'appointments', relatelId: '1', ghlId: 'a1', ghlContactId: 'c1', version: 3 };

describe('mayBeGone', () => {
  it('is true of a 400 or 404 answer and of a company upsert that created a contact, false otherwise', () => {
    expect(mayBeGone(permanentError('x', { reason: 'ghl-400', status: 400 }))).toBe(true);
    expect(mayBeGone(permanentError('x', { reason: 'ghl-404', status: 404 }))).toBe(true);
    expect(mayBeGone(transientError('x', { reason: 'company-upsert-created-contact' }))).toBe(true);
    expect(mayBeGone(permanentError('x', { reason: 'ghl-422', status: 422 }))).toBe(false);
    expect(mayBeGone(transientError('x', { reason: 'ghl-503', status: 503 }))).toBe(false);
    expect(mayBeGone(new Error('400'))).toBe(false);
  });
});

describe('confirmGone', () => {
  const cases: [string, GhlOperation, string[], ReturnType<typeof confirmGone> extends Promise<infer V> ? V : never, string[]][] = [
    ['a contact update, contact there', { op: 'contact.update', contactId: 'c1', body: {} }, ['contact:c1'], undefined, ['contact:c1']],
    ['a contact update, contact gone', { op: 'contact.update', contactId: 'c1', body: {} }, [], {}, ['contact:c1']],
    ['tags on the contact the plan created', { op: 'contact.addTags', contactId: { ref: 'created' }, tags: ['a'] }, [], {}, ['contact:new']],
    ['a new contact\'s upsert (no record to ask for)', { op: 'contact.upsert', body: {} }, [], undefined, []],
    ['a task update, task there', { op: 'task.update', contactId: 'c1', taskId: 't1', body: {} }, ['task:t1', 'contact:c1'], undefined, ['task:t1']],
    ['a task update, task gone, contact there', { op: 'task.update', contactId: 'c1', taskId: 't1', body: {} }, ['contact:c1'], {}, ['task:t1', 'contact:c1']],
    ['a note delete, note and contact gone', { op: 'note.delete', contactId: 'c1', noteId: 'n1' }, [], { contactGone: 'c1' }, ['note:n1', 'contact:c1']],
    ['an appointment update, gone with its contact (from the state)', { op: 'appointment.update', appointmentId: 'a1', body: {} }, [], { contactGone: 'c1' }, ['appointment:a1', 'contact:c1']],
    ['a task create, contact there: GHL refused the body', { op: 'task.create', contactId: 'c1', body: { title: 't', dueDate: 'd', completed: false } }, ['contact:c1'], undefined, ['contact:c1']],
    ['a note create, contact gone', { op: 'note.create', contactId: 'c1', body: { body: 'b' } }, [], { contactGone: 'c1' }, ['contact:c1']],
  ];

  it.each(cases)('%s', async (_name, operation, held, verdict, reads) => {
    const { ghl, asked } = ghlHolding(...held);

    expect(await confirmGone(ghl, operation, state, 'new')).toEqual(verdict);
    expect(asked).toEqual(reads);
  });
});

describe('withoutLink', () => {
  it('keeps only what says when the record last changed, so the next plan creates it', () => {
    const linked: RecordSyncState = {
      entity: 'contacts',
      relatelId: '7',
      ghlId: 'c1',
      bodyHash: 'h',
      tags: ['a'],
      tagsInDoubt: ['b'],
      lastOccurredAt: '2026-03-02T08:00:00.000Z',
      deletedInGhl: true,
      version: 4,
    };

    expect(withoutLink(linked)).toEqual({ entity: 'contacts', relatelId: '7', lastOccurredAt: '2026-03-02T08:00:00.000Z', version: 4 });
  });
});
