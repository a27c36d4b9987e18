/**
 * Children (tasks, notes, appointments, call notes) waiting for their contact to land in GHL.
 * A child whose contact is not in GHL yet hides itself for a long time and leaves a note here;
 * the contacts consumer, once it has linked (or parked, or deleted) the contact, takes the notes
 * and makes those children visible again at once. So a child waits for its contact, not for a
 * timer, and spends no receives while it waits (docs/SYNC.md#children-wait-for-their-contact).
 */
import type { Entity } from '../entities.js';

/** One received SQS message of a child queue, as much of it as waking it needs. */
export interface WaitingChild {
  entity: Entity;
  /** Stable across receives: a child noted twice keeps only its latest receipt handle. */
  messageId: string;
  /** Valid while this receive of the message is in flight; a stale one just fails to wake. */
  receiptHandle: string;
}

export interface ContactWaiters {
  /** Notes that `child` waits for the Relatel contact; forgotten after `ttlMs` if nobody takes it. */
  add(relatelContactId: string, child: WaitingChild, now: Date, ttlMs: number): Promise<void>;
  /**
   * The children noted for the contact (not expired at `now`), removed from the notes. A note
   * is given to one caller only: to this take, or to a `withdraw` of it, never to both.
   */
  take(relatelContactId: string, now: Date): Promise<WaitingChild[]>;
  /** Removes the child's note; true when this call removed it (so no take has it or will). */
  withdraw(relatelContactId: string, child: Pick<WaitingChild, 'entity' | 'messageId'>): Promise<boolean>;
}

/** Makes waiting children visible in their queues now. */
export interface ChildWaker {
  wake(children: readonly WaitingChild[]): Promise<void>;
}

export class InMemoryContactWaiters implements ContactWaiters {
  private readonly notes = new Map<string, Map<string, { child: WaitingChild; expiresAt: number }>>();

  async add(relatelContactId: string, child: WaitingChild, now: Date, ttlMs: number): Promise<void> {
    const waiting = this.notes.get(relatelContactId) ?? new Map();
    waiting.set(`${child.entity}#${child.messageId}`, { child: { ...child }, expiresAt: now.getTime() + ttlMs });
    this.notes.set(relatelContactId, waiting);
  }

  async take(relatelContactId: string, now: Date): Promise<WaitingChild[]> {
    const waiting = this.notes.get(relatelContactId);
    this.notes.delete(relatelContactId);
    return [...(waiting?.values() ?? [])].filter((note) => note.expiresAt > now.getTime()).map((note) => note.child);
  }

  async withdraw(relatelContactId: string, child: Pick<WaitingChild, 'entity' | 'messageId'>): Promise<boolean> {
    return this.notes.get(relatelContactId)?.delete(`${child.entity}#${child.messageId}`) ?? false;
  }
}
