import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planAppointmentSync } from '../../../lib/sync/entities/appointments.js';
import { contactBodyHash, planContactSync, type DesiredContact } from '../../../lib/sync/entities/contacts.js';
import { planNoteSync } from '../../../lib/sync/entities/notes.js';
import { planTaskSync, taskBodyHash } from '../../../lib/sync/entities/tasks.js';
import type { EventFacts } from '../../../lib/sync/plan.js';
import type { RecordSyncState } from '../../../lib/sync/state.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 9, minute)).toISOString();
const upsert = (minute: number): EventFacts => ({ occurredAt: at(minute), isDelete: false });
const remove = (minute: number): EventFacts => ({ occurredAt: at(minute), isDelete: true });

function contactState(overrides: Partial<RecordSyncState> = {}): RecordSyncState {
  return { entity: 'contacts', relatelId: 'r1', ghlId: 'g1', lastOccurredAt: at(10), bodyHash: contactBodyHash('h1', 'c1'), tags: ['vip'], version: 3, ...overrides };
}

function desiredContact(overrides: Partial<DesiredContact> = {}): DesiredContact {
  return {
    upsertBody: { firstName: 'Anna' },
    updateBody: { firstName: 'Anna' },
    fieldsHash: 'h1',
    companyHash: 'c1',
    hasCompany: true,
    matchable: true,
    tags: ['vip'],
    ...overrides,
  };
}

describe('planContactSync', () => {
  it('creates an unknown contact through upsert, so an existing GHL contact is linked', () => {
    const plan = planContactSync(upsert(1), undefined, desiredContact({ tags: [] }));
    expect(plan).toMatchObject({ kind: 'write', creates: true, operations: [{ op: 'contact.upsert' }] });
  });

  it('adds the tags of a new contact to the created id, never through the upsert body', () => {
    const plan = planContactSync(upsert(1), undefined, desiredContact({ tags: ['VIP', 'lead'] }));
    expect(plan.kind === 'write' && plan.operations).toEqual([
      { op: 'contact.upsert', body: { firstName: 'Anna' } },
      { op: 'contact.addTags', contactId: { ref: 'created' }, tags: ['VIP', 'lead'] },
    ]);
  });

  it('creates a new contact with its tags in one POST where it may (createBody), keeping the upsert way to link one GHL has', () => {
    const createBody = { firstName: 'Anna', email: 'anna@example.dk', tags: ['vip'] };
    const plan = planContactSync(upsert(1), undefined, desiredContact({ createBody }));
    expect(plan).toMatchObject({
      kind: 'write',
      creates: true,
      operations: [{ op: 'contact.create', body: createBody, link: { body: { firstName: 'Anna' }, tags: ['vip'] } }],
      next: { tags: ['vip'] },
    });
  });

  it('removes, after the upsert, tags a failed create may have left that the contact no longer has', () => {
    const failedCreate: RecordSyncState = { entity: 'contacts', relatelId: 'r1', pendingCreateSince: new Date(0).toISOString(), tagsInDoubt: ['vip', 'lead'], version: 2 };
    const plan = planContactSync(upsert(1), failedCreate, desiredContact({ tags: ['vip'] }));
    expect(plan.kind === 'write' && plan.operations).toEqual([
      { op: 'contact.upsert', body: { firstName: 'Anna' } },
      { op: 'contact.addTags', contactId: { ref: 'created' }, tags: ['vip'] },
      { op: 'contact.removeTags', contactId: { ref: 'created' }, tags: ['lead'] },
    ]);
  });

  it('skips an event older than the last applied one', () => {
    expect(planContactSync(upsert(9), contactState(), desiredContact({ fieldsHash: 'new' }))).toEqual({ kind: 'skip', reason: 'stale' });
  });

  it('applies an event at the same instant as the last applied one (ties are not stale)', () => {
    const plan = planContactSync(upsert(10), contactState(), desiredContact({ fieldsHash: 'h2' }));
    expect(plan.kind).toBe('write');
  });

  it('makes no GHL call when neither fields nor tags changed, but records the newer time', () => {
    expect(planContactSync(upsert(11), contactState(), desiredContact())).toEqual({ kind: 'skip', reason: 'no-op', next: { lastOccurredAt: at(11) } });
  });

  it('updates only the fields when only the fields changed', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ fieldsHash: 'h2', updateBody: { firstName: 'Ann' } }));
    expect(plan.kind === 'write' && plan.operations).toEqual([{ op: 'contact.update', contactId: 'g1', body: { firstName: 'Ann' } }]);
  });

  it('sets a changed company through upsert, which PUT cannot carry', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ companyHash: 'c2' }));
    expect(plan.kind === 'write' && plan.operations.map((o) => o.op)).toEqual(['contact.upsert']);
  });

  it('puts changed fields first, so the company upsert matches the contact by its new e-mail', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ fieldsHash: 'h2', companyHash: 'c2' }));
    expect(plan.kind === 'write' && plan.operations.map((o) => o.op)).toEqual(['contact.update', 'contact.upsert']);
  });

  it('does not upsert the new company of a contact without e-mail and phone, and keeps the company GHL has in the hash', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ fieldsHash: 'h2', companyHash: 'c2', matchable: false }));
    expect(plan.kind === 'write' && plan.operations.map((o) => o.op)).toEqual(['contact.update']);
    expect(plan.kind === 'write' && plan.next.bodyHash).toBe(contactBodyHash('h2', 'c1'));
  });

  it('makes no call when only the company of a contact without e-mail and phone changed', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ companyHash: 'c2', matchable: false }));
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });

  it('does not upsert for a company that was removed (nothing to set, and PUT cannot clear it)', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ companyHash: 'c2', hasCompany: false }));
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });

  it('adds and removes only the tags that changed', () => {
    const plan = planContactSync(upsert(11), contactState({ tags: ['vip', 'old'] }), desiredContact({ tags: ['vip', 'new'] }));
    expect(plan.kind === 'write' && plan.operations).toEqual([
      { op: 'contact.addTags', contactId: 'g1', tags: ['new'] },
      { op: 'contact.removeTags', contactId: 'g1', tags: ['old'] },
    ]);
    expect(plan.kind === 'write' && plan.next.tags).toEqual(['vip', 'new']);
  });

  it('leaves tags alone when the event does not say what they are', () => {
    const plan = planContactSync(upsert(11), contactState(), desiredContact({ tags: undefined }));
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });

  it('deletes the GHL twin and leaves a tombstone', () => {
    const plan = planContactSync(remove(11), contactState(), undefined);
    expect(plan).toEqual({ kind: 'write', creates: false, operations: [{ op: 'contact.delete', contactId: 'g1' }], next: { deleted: true, lastOccurredAt: at(11) } });
  });

  it('records a tombstone for a delete of a contact that never reached GHL', () => {
    expect(planContactSync(remove(11), undefined, undefined)).toEqual({ kind: 'skip', reason: 'nothing-to-delete', next: { deleted: true, lastOccurredAt: at(11) } });
  });

  it('never resurrects a deleted contact with a later update', () => {
    expect(planContactSync(upsert(30), contactState({ deleted: true, lastOccurredAt: at(20) }), desiredContact({ fieldsHash: 'x' }))).toEqual({ kind: 'skip', reason: 'deleted' });
  });
});

describe('planTaskSync', () => {
  const parent = { ghlContactId: 'gc1' };
  const desired = { createBody: { title: 'Call', dueDate: '2026-11-28T10:00:00Z', completed: false }, updateBody: { title: 'Call', completed: true }, fieldsHash: 'f2' };
  const synced = (bodyHash: string): RecordSyncState => ({ entity: 'tasks', relatelId: 't1', ghlId: 'gt1', ghlContactId: 'gc1', lastOccurredAt: at(1), bodyHash, version: 1 });

  it('creates a task on its GHL contact', () => {
    expect(planTaskSync(upsert(1), undefined, desired, parent)).toMatchObject({ kind: 'write', creates: true, operations: [{ op: 'task.create', contactId: 'gc1' }] });
  });

  it('records what it created: the fields and the completion it was created with', () => {
    const plan = planTaskSync(upsert(1), undefined, desired, parent);
    expect(plan.kind === 'write' && plan.next.bodyHash).toBe(taskBodyHash('f2', false));
  });

  it('sends completion through its own endpoint after the field update', () => {
    const plan = planTaskSync(upsert(2), synced(taskBodyHash('f1', false)), desired, parent);
    expect(plan.kind === 'write' && plan.operations).toEqual([
      { op: 'task.update', contactId: 'gc1', taskId: 'gt1', body: { title: 'Call' } },
      { op: 'task.complete', contactId: 'gc1', taskId: 'gt1', completed: true },
    ]);
  });

  it('completes a task whose fields did not change with the one /completed call', () => {
    const plan = planTaskSync(upsert(2), synced(taskBodyHash('f2', false)), desired, parent);
    expect(plan.kind === 'write' && plan.operations).toEqual([{ op: 'task.complete', contactId: 'gc1', taskId: 'gt1', completed: true }]);
    expect(plan.kind === 'write' && plan.next.bodyHash).toBe(taskBodyHash('f2', true));
  });

  it('makes no call for a task already in the state the event describes', () => {
    expect(planTaskSync(upsert(2), synced(taskBodyHash('f2', true)), desired, parent)).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });

  it('keeps the fields hash when a thin event says only that the task is completed', () => {
    const thin = { ...desired, updateBody: { completed: true }, fieldsHash: 'hash-of-nothing' };
    const plan = planTaskSync(upsert(2), synced(taskBodyHash('f1', false)), thin, parent);
    expect(plan.kind === 'write' && plan.operations.map((o) => o.op)).toEqual(['task.complete']);
    expect(plan.kind === 'write' && plan.next.bodyHash).toBe(taskBodyHash('f1', true));
  });

  it('deletes a task under the contact it was created on', () => {
    const state: RecordSyncState = { entity: 'tasks', relatelId: 't1', ghlId: 'gt1', ghlContactId: 'gc-old', version: 1 };
    const plan = planTaskSync(remove(2), state, undefined, parent);
    expect(plan.kind === 'write' && plan.operations).toEqual([{ op: 'task.delete', contactId: 'gc-old', taskId: 'gt1' }]);
  });
});

describe('planNoteSync', () => {
  it('skips an update whose body is unchanged', () => {
    const state: RecordSyncState = { entity: 'notes', relatelId: 'n1', ghlId: 'gn1', ghlContactId: 'gc1', lastOccurredAt: at(1), bodyHash: 'h', version: 1 };
    const plan = planNoteSync(upsert(2), state, { createBody: { body: 'x' }, updateBody: { body: 'x' }, bodyHash: 'h' }, { ghlContactId: 'gc1' });
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });
});

describe('planAppointmentSync', () => {
  it('does not create an appointment it cannot place in time', () => {
    const plan = planAppointmentSync(upsert(2), undefined, { updateBody: { appointmentStatus: 'cancelled' }, bodyHash: 'h' }, { ghlContactId: 'gc1' });
    expect(plan).toMatchObject({ kind: 'skip', reason: 'no-op' });
  });

  it('updates an existing appointment whose body changed', () => {
    const state: RecordSyncState = { entity: 'appointments', relatelId: 'a1', ghlId: 'ga1', lastOccurredAt: at(1), bodyHash: 'h1', version: 1 };
    const plan = planAppointmentSync(upsert(2), state, { updateBody: { appointmentStatus: 'cancelled' }, bodyHash: 'h2' }, { ghlContactId: 'gc1' });
    expect(plan.kind === 'write' && plan.operations).toEqual([{ op: 'appointment.update', appointmentId: 'ga1', body: { appointmentStatus: 'cancelled' } }]);
  });
});

describe('newest wins, whatever the arrival order', () => {
  it('applying shuffled events ends with the body of the newest event', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(8).keys()], { minLength: 1 }), (order) => {
        let state: RecordSyncState | undefined;
        let written: string | undefined;
        for (const minute of order) {
          const plan = planContactSync(upsert(minute), state, desiredContact({ fieldsHash: `h${minute}`, updateBody: { firstName: `v${minute}` }, tags: undefined }));
          if (plan.kind === 'write') written = `h${minute}`;
          if (plan.next) state = { ...(state ?? { entity: 'contacts', relatelId: 'r', ghlId: 'g', version: 0 }), ...plan.next };
        }
        expect(written).toBe(`h${Math.max(...order)}`);
      }),
      { numRuns: 300 },
    );
  });
});
