/**
 * The contacts consumer's half of children waiting for their contact (contact-wait.ts): once a
 * contact's fate is decided (linked to GHL, deleted, skipped, or parked), the children noted as
 * waiting for it are made visible again at once, and re-read where their contact stands.
 */
import type { SQSRecord } from 'aws-lambda';
import type { ChildWaker, ContactWaiters } from './contact-waiters.js';
import type { DeadLetterParker, ParkedFailure } from './consumer.js';
import { StaleStateError, type SyncStateStore } from './state.js';

export interface ChildWakePorts {
  waiters: ContactWaiters;
  waker: ChildWaker;
}

/** Wakes every child noted as waiting for the Relatel contact; answers how many. */
export async function wakeChildrenOf(relatelContactId: string, ports: ChildWakePorts, now: Date): Promise<number> {
  const children = await ports.waiters.take(relatelContactId, now);
  if (children.length > 0) await ports.waker.wake(children);
  return children.length;
}

/**
 * Records in the contact's state that an event of it was parked (`parkedAt`), so its children
 * are parked too rather than wait for a contact that will not come by itself. Retried on a
 * concurrent write: the flag must not be lost to one.
 */
export async function markContactParked(state: SyncStateStore, relatelContactId: string, now: Date): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await state.get('contacts', relatelContactId);
    const version = current?.version ?? 0;
    try {
      await state.save({ ...(current ?? { entity: 'contacts', relatelId: relatelContactId }), parkedAt: now.toISOString(), version }, version);
      return;
    } catch (error) {
      if (!(error instanceof StaleStateError) || attempt >= 3) throw error;
    }
  }
}

/**
 * The contacts consumer's parker: parks the record, marks its contact parked and wakes the
 * contact's waiting children (who then park as `contact-parked`). A failure after the park
 * fails the record, which is parked again (the DLQ drops the copy) and marks again.
 */
export function parkerWakingChildren(inner: DeadLetterParker, state: SyncStateStore, ports: ChildWakePorts, now: () => Date): DeadLetterParker {
  return {
    async park(record: SQSRecord, failure: ParkedFailure): Promise<void> {
      await inner.park(record, failure);
      const contactId = contactIdOf(record);
      if (contactId === undefined) return;
      await markContactParked(state, contactId, now());
      await wakeChildrenOf(contactId, ports, now());
    },
  };
}

/** The Relatel contact a contacts-queue record is about (`payload.id`); undefined if the body says none. */
function contactIdOf(record: SQSRecord): string | undefined {
  try {
    const id = (JSON.parse(record.body) as { payload?: { id?: unknown } }).payload?.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
