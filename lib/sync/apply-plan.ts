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
import { confirmGone, ghlDeletionsWin, mayBeGone, RecordGoneError, withoutLink, type GoneVerdict } from './heal.js';
import { skipped, SYNCED } from './outcome.js';
import type { SyncPlan, WritePlan } from './plan.js';
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
  if (base.deletedInGhl && ghlDeletionsWin(deps.mapping) && !plan.next.deleted) {
    // Deleted in GHL, and GHL's deletions win: left deleted. A delete still runs (a tombstone).
    return applyPlan(entity, relatelId, state, { kind: 'skip', reason: 'deleted-in-ghl', next: { lastOccurredAt: plan.next.lastOccurredAt } }, deps);
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
    const failed = plan.operations[progress.applied.length];
    let gone;
    try {
      gone = failed !== undefined && mayBeGone(error) ? await confirmGone(deps.ghl, failed, current, progress.createdId) : undefined;
    } catch (readError) {
      // The GET that was to decide failed (GHL down, say): the event comes back and asks again.
      await recordFailure(current, plan, progress, error, deps);
      throw readError;
    }
    if (gone === undefined) {
      await recordFailure(current, plan, progress, error, deps);
      throw error;
    }
    return afterGone(current, plan, gone, progress.applied.length + 1, deps);
  }
  return recordSuccess(current, plan, result.createdId, result.calls, deps);
}

/** Saves what a plan that went through leaves: its state change, and the GHL id it created or kept. */
async function recordSuccess(current: RecordSyncState, plan: WritePlan, createdId: string | undefined, calls: number, deps: SyncDependencies): Promise<SyncOutcome> {
  const { pendingCreateSince: _claim, createInDoubt: _doubt, deletedInGhl: _gone, ...rest } = current;
  // Tags this plan synced are known again; a plan that left tags alone leaves their doubt too.
  if (plan.next.tags !== undefined) delete rest.tagsInDoubt;
  const ghlId = createdId ?? current.ghlId;
  const next: RecordSyncState = { ...rest, ...plan.next, ...(ghlId !== undefined && { ghlId }) };
  if (plan.next.deleted) delete next.ghlId;
  await deps.state.save(next, current.version);
  return { entity: current.entity, relatelId: current.relatelId, outcome: SYNCED, ...(ghlId !== undefined && { ghlId }), ghlCalls: calls };
}

/**
 * A write found its record gone from GHL (heal.ts). A delete has nothing left to do. Otherwise,
 * when GHL's deletions win, the record is left deleted and its events from now on skipped; when
 * Relatel wins, its link is cleared and RecordGoneError has the event run again, to write it anew.
 */
async function afterGone(current: RecordSyncState, plan: WritePlan, gone: GoneVerdict, calls: number, deps: SyncDependencies): Promise<SyncOutcome> {
  if (plan.next.deleted) return recordSuccess(current, plan, undefined, calls, deps);
  const { pendingCreateSince: _claim, createInDoubt: _doubt, ...released } = current;
  if (ghlDeletionsWin(deps.mapping)) {
    const next: RecordSyncState = { ...released, deletedInGhl: true, ...(plan.next.lastOccurredAt && { lastOccurredAt: plan.next.lastOccurredAt }) };
    await deps.state.save(next, current.version);
    return { entity: current.entity, relatelId: current.relatelId, outcome: skipped('deleted-in-ghl'), ghlCalls: calls };
  }
  await deps.state.save(withoutLink(released), current.version);
  throw new RecordGoneError(current.entity, current.relatelId, gone);
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
