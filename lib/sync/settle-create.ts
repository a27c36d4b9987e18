/**
 * Settling a create in doubt: a create that failed after it may have reached GHL leaves its
 * hashed key in the state (failure-rules.ts), and the record's next event searches GHL for it
 * before planning, whatever that event is. Why the search cannot wait for the failed event's
 * own retry: docs/SYNC.md#creates-in-doubt.
 */
import type { Entity } from '../entities.js';
import { createInProgressError } from './apply-plan.js';
import type { GhlContactCreateInput } from '../ghl/client.js';
import { contactCreateInDoubt, findCreatedContact } from './created-contact.js';
import type { SyncDependencies } from './dependencies.js';
import { findCreatedByKey } from './executor.js';
import { isClaimFresh, isOlderThanApplied, type CreateInDoubt, type RecordSyncState } from './state.js';

/**
 * A record's sync state, with any create in doubt settled first. Found: the failed attempt's
 * event was applied after all, and is recorded as its success would have been (GHL id, body
 * hash, occurred_at), so the plan updates the record only if this event differs. Not found:
 * the create never happened.
 */
export async function readRecordState(entity: Entity, relatelId: string, deps: SyncDependencies): Promise<RecordSyncState | undefined> {
  const state = await deps.state.get(entity, relatelId);
  const doubt = state?.createInDoubt;
  if (state === undefined || doubt === undefined || state.ghlId !== undefined) return state;
  if (isClaimFresh(state, deps.now(), deps.createLeaseMs)) throw createInProgressError(entity, relatelId, state, deps);
  return settle(state, doubt, deps);
}

/**
 * A contact's create whose claim ran out with no outcome recorded (its holder died, perhaps after
 * GHL's write) has no key to search by. For a contact GHL cannot match, the key is taken from
 * this event's create body and the create is searched for as sent between the claim and the
 * lease's end; a contact GHL matches needs no search (its upsert finds it). Found, only the GHL
 * id is recorded: the dead attempt may have sent an older version, so the plan writes this one.
 */
export async function settleAbandonedContactCreate(
  state: RecordSyncState | undefined,
  createBody: GhlContactCreateInput,
  deps: SyncDependencies,
): Promise<RecordSyncState | undefined> {
  if (state?.pendingCreateSince === undefined || state.ghlId !== undefined || state.createInDoubt !== undefined) return state;
  // A live holder's claim: applyPlan's own claim refuses it and the event waits out the lease.
  if (isClaimFresh(state, deps.now(), deps.createLeaseMs)) return state;
  const sentUntil = Math.min(Date.parse(state.pendingCreateSince) + deps.createLeaseMs, deps.now().getTime());
  const doubt = contactCreateInDoubt(createBody, state.pendingCreateSince, new Date(sentUntil).toISOString(), deps.mapping);
  return doubt === undefined ? state : settle(state, doubt, deps);
}

async function settle(state: RecordSyncState, doubt: CreateInDoubt, deps: SyncDependencies): Promise<RecordSyncState> {
  const found =
    doubt.kind === 'contact.create' ? await findCreatedContact(deps.ghl, doubt, deps.mapping, deps.now()) : await findCreatedByKey(deps.ghl, doubt);
  const { createInDoubt: _settled, pendingCreateSince: _claim, ...rest } = state;
  if (found === undefined) return deps.state.save(rest, state.version);
  const applied: RecordSyncState = { ...rest, ghlId: found, ...(doubt.kind !== 'contact.create' && { ghlContactId: doubt.contactId }) };
  if (doubt.bodyHash !== undefined) applied.bodyHash = doubt.bodyHash;
  if (doubt.occurredAt !== undefined && !isOlderThanApplied(state, doubt.occurredAt)) applied.lastOccurredAt = doubt.occurredAt;
  return deps.state.save(applied, state.version);
}
