/**
 * What a plan is, and the rules every entity's plan shares. A plan (the entity modules in
 * entities/ make them) is pure: the event, what the sync state knows about its record and the
 * GHL body the entity wants in, a decision out. apply-plan.ts carries it out: the executor
 * (executor.ts) makes the GHL calls, then the state is saved.
 *
 * The rules, in order (1 to 3 here, 4 and 5 in each entity's module):
 *  1. An event older than the last applied one is skipped (`stale`): newest wins.
 *  2. A record whose delete was applied stays deleted (`deleted`): Relatel ids are not reused,
 *     so a late update must not resurrect it.
 *  3. A delete removes the GHL twin if there is one, and leaves a tombstone.
 *  4. A record with no GHL twin is created. A contact GHL may already have (same e-mail or
 *     phone) is linked, not duplicated: where the location forbids duplicates, by one POST
 *     /contacts/ carrying the tags (GHL answers with the existing contact instead of making a
 *     second one); elsewhere, by upsert and then the tag call.
 *  5. A record with a twin is written only where something changed: the body by its hash, tags
 *     by their difference from the last synced set. Nothing changed: `no-op`, no GHL call.
 */
import type { GhlAppointmentCreateInput, GhlContactCreateInput, GhlContactUpsertInput } from '../ghl/client.js';
import type {
  GhlCreateNoteBody,
  GhlCreateTaskBody,
  GhlUpdateAppointmentBody,
  GhlUpdateContactBody,
  GhlUpdateNoteBody,
  GhlUpdateTaskBody,
} from '../ghl/types.js';
import type { SkipReason } from './outcome.js';
import { isOlderThanApplied, type RecordSyncState } from './state.js';

/** One GHL API call, as data (bodies without locationId: the client adds it where GHL wants it). `ref: 'created'` means "the id the create op of this plan returns". */
export type GhlOperation =
  /**
   * With `contactId`: the contact is in GHL already and the upsert only sets what PUT cannot
   * carry (the company), matching it by the e-mail or phone the plan's PUT just wrote. It must
   * match that contact; the executor undoes and fails one that creates another (executor.ts).
   */
  | { op: 'contact.upsert'; body: GhlContactUpsertInput; contactId?: string }
  /**
   * POST /contacts/ with the tags in the body: only on a location that forbids duplicates. If
   * GHL answers that it has the contact already, the executor links it the way the upsert path
   * does (`link`: upsert without tags, then add the tags), so its own tags are kept.
   */
  | { op: 'contact.create'; body: GhlContactCreateInput; link: { body: GhlContactUpsertInput; tags: string[] } }
  | { op: 'contact.update'; contactId: string; body: GhlUpdateContactBody }
  | { op: 'contact.delete'; contactId: string }
  | { op: 'contact.addTags'; contactId: IdRef; tags: string[] }
  | { op: 'contact.removeTags'; contactId: IdRef; tags: string[] }
  | { op: 'task.create'; contactId: string; body: GhlCreateTaskBody }
  | { op: 'task.update'; contactId: string; taskId: string; body: GhlUpdateTaskBody }
  | { op: 'task.complete'; contactId: string; taskId: string; completed: boolean }
  | { op: 'task.delete'; contactId: string; taskId: string }
  | { op: 'note.create'; contactId: string; body: GhlCreateNoteBody }
  | { op: 'note.update'; contactId: string; noteId: string; body: GhlUpdateNoteBody }
  | { op: 'note.delete'; contactId: string; noteId: string }
  | { op: 'appointment.create'; body: GhlAppointmentCreateInput }
  | { op: 'appointment.update'; appointmentId: string; body: GhlUpdateAppointmentBody }
  | { op: 'appointment.delete'; appointmentId: string };

/** An id known when planning, or the id the plan's create operation will return. */
export type IdRef = string | { ref: 'created' };

/** The skips a plan decides (the others are decided before planning). */
export type PlanSkipReason = Extract<SkipReason, 'stale' | 'deleted' | 'no-op' | 'nothing-to-delete' | 'deleted-in-ghl'>;

export type SyncPlan =
  | {
      kind: 'skip';
      reason: PlanSkipReason;
      /** State to record anyway (e.g. a newer lastOccurredAt, a tombstone); absent: nothing to save. */
      next?: StateChange;
    }
  | {
      kind: 'write';
      /** In order; at most one create, first. */
      operations: GhlOperation[];
      /** True when the first operation creates the GHL record (the executor claims it first). */
      creates: boolean;
      next: StateChange;
    };

/** A plan that calls GHL. */
export type WritePlan = Extract<SyncPlan, { kind: 'write' }>;

/** What to write into the record's state once the operations succeeded. */
export type StateChange = Partial<Pick<RecordSyncState, 'ghlContactId' | 'lastOccurredAt' | 'bodyHash' | 'tags' | 'deleted'>>;

export interface EventFacts {
  occurredAt: string;
  /** Delete events remove the GHL twin; everything else writes it. */
  isDelete: boolean;
}

/** Rules 1 to 3, shared by every entity. Undefined: go on and plan a write. */
export function planGuards(event: EventFacts, state: RecordSyncState | undefined, deleteOp: (ghlId: string) => GhlOperation): SyncPlan | undefined {
  if (isOlderThanApplied(state, event.occurredAt)) return { kind: 'skip', reason: 'stale' };
  if (state?.deleted) return { kind: 'skip', reason: 'deleted' };
  if (!event.isDelete) return undefined;
  const next: StateChange = { deleted: true, lastOccurredAt: event.occurredAt };
  if (state?.ghlId === undefined) return { kind: 'skip', reason: 'nothing-to-delete', next };
  return { kind: 'write', operations: [deleteOp(state.ghlId)], creates: false, next };
}

/** Rule 5's "nothing changed": still record the newer occurred_at, so older events stay stale. */
export function noOp(event: EventFacts): SyncPlan {
  return { kind: 'skip', reason: 'no-op', next: { lastOccurredAt: event.occurredAt } };
}

/** A record that hangs on a contact: the contact's GHL id is resolved before planning. */
export interface ChildContext {
  ghlContactId: string;
}
