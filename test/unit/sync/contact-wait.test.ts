import { describe, expect, it } from 'vitest';
import type { SyncError } from '../../../lib/errors.js';
import type { QueueMessage } from '../../../lib/ingest/ports.js';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import type { SQSRecord } from 'aws-lambda';
import { childWaitOf, contactStanding, fetchGraceLeftMs, ghlContactIdOf, type ChildWait } from '../../../lib/sync/contact-wait.js';
import { InMemoryContactWaiters } from '../../../lib/sync/contact-waiters.js';
import { sqsRecord } from '../../factories/sqs-records.js';
import type { SyncDependencies } from '../../../lib/sync/dependencies.js';
import { InMemorySyncStateStore, type RecordSyncState } from '../../../lib/sync/state.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { relatelContact } from '../../factories/relatel-events.js';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const contact = (fields: Partial<RecordSyncState>): RecordSyncState => ({ entity: 'contacts', relatelId: '481516', version: 1, ...fields });
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe('where a child’s contact stands', () => {
  it.each([
    ['no state', undefined, 'unknown'],
    ['linked', contact({ ghlId: 'g-1' }), 'linked'],
    ['linked, parked once before', contact({ ghlId: 'g-1', parkedAt: ago(HOUR) }), 'linked'],
    ['a tombstone', contact({ deleted: true, lastOccurredAt: ago(HOUR) }), 'deleted'],
    ['a create claimed', contact({ pendingCreateSince: ago(1000) }), 'pending'],
    ['a create in doubt (claim released, kept visible)', contact({ pendingCreateSince: new Date(0).toISOString() }), 'pending'],
    ['a create that failed before it was sent', contact({}), 'pending'],
    ['parked', contact({ parkedAt: ago(1000) }), 'parked'],
    ['parked after its claim', contact({ pendingCreateSince: ago(HOUR), parkedAt: ago(1000) }), 'parked'],
    ['claimed again after it was parked (a redrive)', contact({ parkedAt: ago(HOUR), pendingCreateSince: ago(1000) }), 'pending'],
    ['fetched a minute ago', contact({ fetchRequestedAt: ago(60_000) }), 'pending'],
    ['fetched more than a day ago', contact({ fetchRequestedAt: ago(25 * HOUR) }), 'unknown'],
    ['applied without a GHL twin (Relatel no longer had it)', contact({ lastOccurredAt: ago(HOUR) }), 'unknown'],
  ] as const)('%s: %s', (_case, state, standing) => {
    expect(contactStanding(state, NOW, 24 * HOUR)).toBe(standing);
  });
});

/**
 * A ChildWait that records what the child did, in order; `graceLeftMs` of its fetch grace is
 * left; `noteTaken`: a wake took its note before it could withdraw it.
 */
function recordingWait(onNote?: () => Promise<void>, graceLeftMs = 0, noteTaken = false) {
  const steps: string[] = [];
  const queued: QueueMessage[] = [];
  const wait: ChildWait = {
    hide: async (seconds) => void steps.push(`hide ${seconds}`),
    note: async (id, seconds) => {
      steps.push(`note ${id} ${seconds}`);
      await onNote?.();
    },
    fetchGraceLeftMs: () => graceLeftMs,
    withdraw: async (id) => {
      steps.push(`withdraw ${id}`);
      return !noteTaken;
    },
    queueContact: async (message) => {
      steps.push('queue');
      queued.push(message);
    },
  };
  return { wait, steps, queued };
}

function relatelWith(contacts: Record<string, ReturnType<typeof relatelContact>>) {
  const reads: string[] = [];
  const relatel: RelatelClient = {
    getContact: async (id) => {
      reads.push(id);
      return contacts[id];
    },
    listContacts: async () => [],
  };
  return { relatel, reads };
}

function depsOf(state: InMemorySyncStateStore, extra: Partial<SyncDependencies> = {}): SyncDependencies {
  return { state, ghl: {} as GhlClient, mapping: parseMappingConfig({}), now: () => NOW, createLeaseMs: 600_000, ...extra };
}

async function failureOf(promise: Promise<unknown>): Promise<Pick<SyncError, 'kind' | 'reason'>> {
  const error = (await promise.then(() => expect.fail('expected a failure'), (e: unknown) => e)) as SyncError;
  return { kind: error.kind, reason: error.reason };
}

describe('a child whose contact is not in GHL', () => {
  it('proceeds at once with the GHL id of a linked contact', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ ghlId: 'g-1', version: 0 }), 0);
    const { wait, steps } = recordingWait();
    expect(await ghlContactIdOf(481516, depsOf(state, { childWait: wait }))).toBe('g-1');
    expect(steps).toEqual([]);
  });

  it('waits for a pending contact: hides, then notes itself, then fails as contact-pending', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ pendingCreateSince: ago(1000), version: 0 }), 0);
    const { wait, steps } = recordingWait();
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: wait })))).toEqual({ kind: 'transient', reason: 'contact-pending' });
    expect(steps).toEqual(['hide 900', 'note 481516 900']);
  });

  it('proceeds when its contact landed while it noted itself (the wake found no note yet)', async () => {
    const state = new InMemorySyncStateStore();
    const pending = await state.save(contact({ pendingCreateSince: ago(1000), version: 0 }), 0);
    const { wait, steps } = recordingWait(async () => void (await state.save({ ...pending, ghlId: 'g-7' }, pending.version)));
    expect(await ghlContactIdOf(481516, depsOf(state, { childWait: wait }))).toBe('g-7');
    // It withdrew its note: no wake brings the record back while it syncs.
    expect(steps).toEqual(['hide 900', 'note 481516 900', 'withdraw 481516']);
  });

  it('leaves its contact, landed while it noted itself, to its woken receive when the wake took the note first', async () => {
    const state = new InMemorySyncStateStore();
    const pending = await state.save(contact({ pendingCreateSince: ago(1000), version: 0 }), 0);
    const { wait, steps } = recordingWait(async () => void (await state.save({ ...pending, ghlId: 'g-7' }, pending.version)), 0, true);
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: wait })))).toEqual({ kind: 'transient', reason: 'contact-pending' });
    expect(steps).toEqual(['hide 900', 'note 481516 900', 'withdraw 481516']);
  });

  it('leaves a contact parked while it noted itself to its woken receive too, when the wake took the note', async () => {
    const state = new InMemorySyncStateStore();
    const pending = await state.save(contact({ pendingCreateSince: ago(60_000), version: 0 }), 0);
    const parkNow = async () => void (await state.save({ ...pending, parkedAt: NOW.toISOString() }, pending.version));
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: recordingWait(parkNow, 0, true).wait })))).toEqual({
      kind: 'transient',
      reason: 'contact-pending',
    });
    const again = new InMemorySyncStateStore();
    const pendingAgain = await again.save(contact({ pendingCreateSince: ago(60_000), version: 0 }), 0);
    const parkAgain = async () => void (await again.save({ ...pendingAgain, parkedAt: NOW.toISOString() }, pendingAgain.version));
    expect(await failureOf(ghlContactIdOf(481516, depsOf(again, { childWait: recordingWait(parkAgain).wait })))).toEqual({ kind: 'permanent', reason: 'contact-parked' });
  });

  it('is parked as contact-parked when its contact was parked, without hiding', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ parkedAt: ago(1000), version: 0 }), 0);
    const { wait, steps } = recordingWait();
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: wait })))).toEqual({ kind: 'permanent', reason: 'contact-parked' });
    expect(steps).toEqual([]);
  });

  it('is parked as contact-deleted when its contact was deleted in Relatel', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ deleted: true, version: 0 }), 0);
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: recordingWait().wait })))).toEqual({
      kind: 'permanent',
      reason: 'contact-deleted',
    });
  });

  it('reads a contact the sync never saw from Relatel, queues it as a contact.updated older than any webhook, marks the fetch and waits', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel, reads } = relatelWith({ '481516': relatelContact() });
    const { wait, steps, queued } = recordingWait();

    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait })))).toEqual({ kind: 'transient', reason: 'contact-pending' });

    expect(reads).toEqual(['481516']);
    expect(steps).toEqual(['queue', 'hide 900', 'note 481516 900']);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      entity: 'contacts',
      groupId: '481516',
      deduplicationId: 'fetch-481516-202603020900',
      attributes: { event_type: 'contact.updated', delivery_id: 'fetch-481516-202603020900' },
    });
    expect(JSON.parse(queued[0]!.body)).toEqual({
      delivery_id: 'fetch-481516-202603020900',
      event_type: 'contact.updated',
      occurred_at: '1970-01-01T00:00:00.000Z',
      payload: relatelContact(),
    });
    expect(await state.get('contacts', '481516')).toMatchObject({ fetchRequestedAt: '2026-03-02T09:00:00.000Z' });
  });

  it('does not read the contact again for a second child while the first one’s fetch is on its way', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel, reads } = relatelWith({ '481516': relatelContact() });
    const deps = depsOf(state, { relatel, childWait: recordingWait().wait });
    await failureOf(ghlContactIdOf(481516, deps));
    const second = recordingWait();
    expect(await failureOf(ghlContactIdOf(481516, { ...deps, childWait: second.wait }))).toEqual({ kind: 'transient', reason: 'contact-pending' });
    expect(reads).toEqual(['481516']);
    expect(second.steps).toEqual(['hide 900', 'note 481516 900']);
  });

  it('queues a contact whose last event left no GHL twin as happening just after that event', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ lastOccurredAt: '2026-03-01T12:00:00.000Z', version: 0 }), 0);
    const { relatel } = relatelWith({ '481516': relatelContact() });
    const { wait, queued } = recordingWait();
    await failureOf(ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait })));
    expect(JSON.parse(queued[0]!.body)).toMatchObject({ occurred_at: '2026-03-01T12:00:00.001Z' });
  });

  it('a young child of a contact the sync never saw waits for the contact\'s webhook, for the rest of its grace, without reading it', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel, reads } = relatelWith({ '481516': relatelContact() });
    const { wait, steps, queued } = recordingWait(undefined, 41_500);

    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait })))).toEqual({ kind: 'transient', reason: 'contact-pending' });

    expect(reads).toEqual([]);
    expect(queued).toEqual([]);
    expect(steps).toEqual(['hide 42', 'note 481516 42']);
    expect(await state.get('contacts', '481516')).toBeUndefined();
  });

  it('a young child proceeds when its contact landed while it noted itself', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel, reads } = relatelWith({ '481516': relatelContact() });
    const { wait } = recordingWait(async () => void (await state.save(contact({ ghlId: 'g-9', version: 0 }), 0)), 30_000);
    expect(await ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait }))).toBe('g-9');
    expect(reads).toEqual([]);
  });

  it('a young child of a parked or deleted contact is parked at once, grace or not', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ parkedAt: ago(1000), version: 0 }), 0);
    const { wait, steps } = recordingWait(undefined, 30_000);
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: wait })))).toEqual({ kind: 'permanent', reason: 'contact-parked' });
    expect(steps).toEqual([]);
  });

  it('once its grace is spent, the child reads the contact as before', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel, reads } = relatelWith({ '481516': relatelContact() });
    const { wait, steps } = recordingWait(undefined, 0);
    await failureOf(ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait })));
    expect(reads).toEqual(['481516']);
    expect(steps).toEqual(['queue', 'hide 900', 'note 481516 900']);
  });

  it('is parked as contact-unknown when Relatel has no such contact', async () => {
    const state = new InMemorySyncStateStore();
    const { relatel } = relatelWith({});
    const { wait, steps } = recordingWait();
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { relatel, childWait: wait })))).toEqual({ kind: 'permanent', reason: 'contact-unknown' });
    expect(steps).toEqual([]);
  });

  it('without a Relatel token fails as contact-unknown, a transient failure the retry horizon ends', async () => {
    const state = new InMemorySyncStateStore();
    const { wait, steps } = recordingWait();
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state, { childWait: wait })))).toEqual({ kind: 'transient', reason: 'contact-unknown' });
    expect(steps).toEqual([]);
    expect(await state.get('contacts', '481516')).toBeUndefined();
  });

  it('cannot wait without a ChildWait: a pending contact is the plain transient contact-not-synced', async () => {
    const state = new InMemorySyncStateStore();
    await state.save(contact({ pendingCreateSince: ago(1000), version: 0 }), 0);
    expect(await failureOf(ghlContactIdOf(481516, depsOf(state)))).toEqual({ kind: 'transient', reason: 'contact-not-synced' });
  });
});

describe('the fetch grace of a received record', () => {
  const received = (attributes: Record<string, string>) => ({ attributes }) as unknown as Pick<SQSRecord, 'attributes'>;
  const T = NOW.getTime();

  it('counts from SQS\'s first receive, falling back to its sending', () => {
    expect(fetchGraceLeftMs(received({ ApproximateFirstReceiveTimestamp: String(T - 20_000), SentTimestamp: String(T - 50_000) }), 60_000, T)).toBe(40_000);
    expect(fetchGraceLeftMs(received({ SentTimestamp: String(T - 50_000) }), 60_000, T)).toBe(10_000);
  });

  it('is spent after the grace, and none without a timestamp; never more than the grace (clock skew)', () => {
    expect(fetchGraceLeftMs(received({ ApproximateFirstReceiveTimestamp: String(T - 60_000) }), 60_000, T)).toBe(0);
    expect(fetchGraceLeftMs(received({ ApproximateFirstReceiveTimestamp: String(T - 3_600_000) }), 60_000, T)).toBe(0);
    expect(fetchGraceLeftMs(received({}), 60_000, T)).toBe(0);
    expect(fetchGraceLeftMs(received({ ApproximateFirstReceiveTimestamp: String(T + 5_000) }), 60_000, T)).toBe(60_000);
    expect(fetchGraceLeftMs(received({ ApproximateFirstReceiveTimestamp: String(T) }), 0, T)).toBe(0);
  });
});

describe('the ChildWait of a received record', () => {
  it('hides the record itself for 15 minutes and notes it, by entity, message id and receipt handle, for as long', async () => {
    const waiters = new InMemoryContactWaiters();
    const hidden: { messageId: string; seconds: number }[] = [];
    const record = sqsRecord({ queueName: 'relatel-ghl-sync-tasks.fifo' });
    const wait = childWaitOf(
      record,
      'tasks',
      {
        waiters,
        visibility: { changeVisibility: async (changes) => void hidden.push(...changes.map((c) => ({ messageId: c.record.messageId, seconds: c.seconds }))) },
        contactsQueue: { send: async () => undefined },
      },
      () => NOW,
    );

    await wait.hide(900);
    await wait.note('481516', 900);

    expect(hidden).toEqual([{ messageId: record.messageId, seconds: 900 }]);
    // Its grace counts from its first receive, the factory's sending + 1 s, and lasts a minute by default.
    const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
    expect(childWaitOf(record, 'tasks', { waiters, visibility: { changeVisibility: async () => {} }, contactsQueue: { send: async () => undefined } }, () => new Date(firstReceived + 15_000)).fetchGraceLeftMs()).toBe(45_000);
    expect(
      childWaitOf(record, 'tasks', { waiters, visibility: { changeVisibility: async () => {} }, contactsQueue: { send: async () => undefined }, fetchGraceMs: 0 }, () => new Date(firstReceived)).fetchGraceLeftMs(),
    ).toBe(0);
    expect(await waiters.take('481516', new Date(NOW.getTime() + 899_000))).toEqual([
      { entity: 'tasks', messageId: record.messageId, receiptHandle: record.receiptHandle },
    ]);
    await wait.note('481516', 900);
    expect(await waiters.take('481516', new Date(NOW.getTime() + 900_000))).toEqual([]);
    // Withdrawn by the record itself: no take hands it out.
    await wait.note('481516', 900);
    expect(await wait.withdraw('481516')).toBe(true);
    expect(await wait.withdraw('481516')).toBe(false);
    expect(await waiters.take('481516', NOW)).toEqual([]);
  });
});
