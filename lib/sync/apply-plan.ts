/**
 * Carries a plan out: claims the record's create (a conditional write, so two workers never both
 * create it), runs the operations through the executor, and records the new state. Order of
 * writes and why it is safe under at-least-once delivery: docs/SYNC.md#order-of-writes.
 */
import type { Entity } from '../entities.js';
import { transientError } from '../errors.js';
import type { SyncDependencies, SyncOutcome } from './dependencies.js';
import { executeOperations } from './executor.js';
import { recordFailure, type PlanProgress } from './failure-rules.js';
import { skipped, SYNCED } from './outcome.js';
import type { SyncPlan } from './plan.js';
import type { RecordSyncState } from './state.js';

/** Applies a plan to a record whose state was `state`; answers what became of the record. */
export async function applyPlan(
  entity: Entity,
  relatelId: string,
  state: RecordSyncState | undefined,
  plan: SyncPlan,
  deps: SyncDependencies,
): Promise<SyncOutcome> {
  const base: RecordSyncState = state ?? { entity, relatelId, version: 0 };
  if (plan.kind === 'skip') {
    if (plan.next !== undefined) await deps.state.save({ ...base, ...plan.next }, base.version);
    return { entity, relatelId, outcome: skipped(plan.reason), ...(base.ghlId && { ghlId: base.ghlId }), ghlCalls: 0 };
  }

  let current = base;
  const mayHaveCreated = plan.creates && base.pendingCreateSince !== undefined;
  if (plan.creates) {
    const claim = await deps.state.claimCreate(entity, relatelId, deps.now(), deps.createLeaseMs);
    if (!claim.claimed) {
      // 'exists': another worker created it since we read the state; decide again on a retry.
      if (claim.reason === 'exists') throw transientError(`Another worker created ${entity} ${relatelId}`, { reason: 'state-conflict' });
      throw createInProgressError(entity, relatelId, claim.state, deps);
    }
    current = claim.state;
  }

  let result;
  const progress: PlanProgress = { applied: [] };
  try {
    result = await executeOperations(deps.ghl, plan.operations, {
      mayHaveCreated,
      onCreated: (id) => (progress.createdId = id),
      onApplied: (operation) => progress.applied.push(operation),
    });
  } catch (error) {
    await recordFailure(current, plan, progress, error, deps);
    throw error;
  }

  const { pendingCreateSince: _claim, createInDoubt: _doubt, ...rest } = current;
  // Tags this plan synced are known again; a plan that left tags alone leaves their doubt too.
  if (plan.next.tags !== undefined) delete rest.tagsInDoubt;
  const ghlId = result.createdId ?? current.ghlId;
  const next: RecordSyncState = { ...rest, ...plan.next, ...(ghlId !== undefined && { ghlId }) };
  if (plan.next.deleted) delete next.ghlId;
  await deps.state.save(next, current.version);
  return { entity, relatelId, outcome: SYNCED, ...(ghlId !== undefined && { ghlId }), ghlCalls: result.calls };
}

/**
 * The error for a record whose create another worker holds a fresh claim on. The retry waits
 * out the lease (retryAfterMs): the holder usually died between GHL's write and the state's,
 * and only the claim's expiry lets the next attempt search GHL for what it left
 * (docs/SYNC.md#creates-in-doubt).
 */
export function createInProgressError(entity: Entity, relatelId: string, claim: RecordSyncState, deps: Pick<SyncDependencies, 'createLeaseMs' | 'now'>) {
  const claimedAt = Date.parse(claim.pendingCreateSince ?? '');
  const leaseLeftMs = Number.isNaN(claimedAt) ? undefined : Math.max(0, claimedAt + deps.createLeaseMs - deps.now().getTime());
  return transientError(`Another worker is creating ${entity} ${relatelId}`, {
    reason: 'create-in-progress',
    ...(leaseLeftMs !== undefined && { retryAfterMs: leaseLeftMs }),
  });
}
