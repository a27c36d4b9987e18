/** What a task, note or appointment (a record that hangs on a contact) starts planning from. */
import type { Entity } from '../entities.js';
import { createInProgressError } from './apply-plan.js';
import { ghlContactIdOf } from './contact-wait.js';
import type { SyncDependencies } from './dependencies.js';
import type { EventFacts } from './plan.js';
import { readRecordState } from './settle-create.js';
import { isClaimFresh, type RecordSyncState } from './state.js';

export interface ChildRecord {
  relatelId: string;
  state: RecordSyncState | undefined;
  ghlContactId: string;
}

/**
 * A task's, note's or appointment's sync state and the GHL id of the contact it hangs on.
 *  - A delete of a record GHL never got needs no contact: it only leaves a tombstone (waiting
 *    for the contact could park the delete, and a late create would then resurrect the record).
 *  - But a delete of a record whose create another worker is running (a fresh claim) waits for
 *    it: "nothing to delete" now would leave its record in GHL for good.
 * The cases in full: docs/SYNC.md#deletes-of-records-never-in-ghl.
 */
export async function childRecord(
  entity: Exclude<Entity, 'contacts'>,
  payload: { id: string | number; contact_id: string | number },
  facts: EventFacts,
  deps: SyncDependencies,
): Promise<ChildRecord> {
  const relatelId = String(payload.id);
  const state = await readRecordState(entity, relatelId, deps);
  const neverInGhl = facts.isDelete && state?.ghlId === undefined;
  if (neverInGhl && state !== undefined && isClaimFresh(state, deps.now(), deps.createLeaseMs)) {
    throw createInProgressError(entity, relatelId, state, deps);
  }
  const ghlContactId = state?.ghlContactId ?? (neverInGhl ? NO_CONTACT_NEEDED : await ghlContactIdOf(payload.contact_id, deps));
  return { relatelId, state, ghlContactId };
}

/** Never sent to GHL: a plan for a delete of a record without a GHL twin has no operations. */
const NO_CONTACT_NEEDED = '';
