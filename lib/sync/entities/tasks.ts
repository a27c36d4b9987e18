/**
 * Tasks: the GHL body a Relatel task should have, and the plan that gets it there. Completion
 * has its own GHL endpoint (GHL runs its "task completed" automations from it), so a task's
 * bodyHash has two parts and completing a task, the commonest change, costs that one call.
 */
import type { RelatelTask } from '../../events/schemas.js';
import type { GhlCreateTaskBody, GhlUpdateTaskBody } from '../../ghl/types.js';
import { hashBody } from '../../mapping/hash.js';
import { dedupeIssues } from '../../mapping/result.js';
import { mapTaskToCreateBody, mapTaskToUpdateBody } from '../../mapping/tasks.js';
import { applyPlan } from '../apply-plan.js';
import { formatTwoPartHash, parseTwoPartHash } from '../body-hash.js';
import { childRecord } from '../child-record.js';
import type { SyncDependencies, SyncOutcomes } from '../dependencies.js';
import type { EntityHandlers } from '../handlers.js';
import { noOp, planGuards, type ChildContext, type EventFacts, type GhlOperation, type StateChange, type SyncPlan } from '../plan.js';
import type { RecordSyncState } from '../state.js';

export interface DesiredTask {
  createBody: GhlCreateTaskBody;
  /** Only the fields the event carried (Relatel has no task API to read the rest from). */
  updateBody: GhlUpdateTaskBody;
  /** Hash of the update body without `completed`, which GHL sets through its own endpoint. */
  fieldsHash: string;
}

/** A task's bodyHash: its fields and its completion (body-hash.ts). */
export function taskBodyHash(fieldsHash: string | undefined, completed: boolean | undefined): string {
  return formatTwoPartHash({ ...(fieldsHash && { fields: fieldsHash }), ...(completed !== undefined && { separate: String(completed) }) });
}

/** The fields part of a task's bodyHash. */
export function taskFieldsHash(body: GhlUpdateTaskBody): string {
  const { completed: _ownEndpoint, ...fields } = body;
  return hashBody(fields);
}

/** The plan of a task event (and of a missed call's callback task): pure. */
export function planTaskSync(event: EventFacts, state: RecordSyncState | undefined, desired: DesiredTask | undefined, parent: ChildContext): SyncPlan {
  const { ghlContactId } = parent;
  const guarded = planGuards(event, state, (taskId) => ({ op: 'task.delete', contactId: state?.ghlContactId ?? ghlContactId, taskId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const { completed, ...fields } = desired.updateBody;
  const hasFields = Object.keys(fields).length > 0;
  if (state?.ghlId === undefined) {
    const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: taskBodyHash(desired.fieldsHash, desired.createBody.completed), ghlContactId };
    return { kind: 'write', operations: [{ op: 'task.create', contactId: ghlContactId, body: desired.createBody }], creates: true, next };
  }
  const taskId = state.ghlId;
  const contactId = state.ghlContactId ?? ghlContactId;
  const last = parseTwoPartHash(state.bodyHash);
  const operations: GhlOperation[] = [];
  if (hasFields && desired.fieldsHash !== last.fields) operations.push({ op: 'task.update', contactId, taskId, body: fields });
  if (completed !== undefined && String(completed) !== last.separate) operations.push({ op: 'task.complete', contactId, taskId, completed });
  if (operations.length === 0) return noOp(event);
  // A thin event (say a bare task.completed) says nothing of the fields: their hash stays.
  const fieldsHash = hasFields ? desired.fieldsHash : last.fields;
  const completedNow = completed ?? (last.separate === undefined ? undefined : last.separate === 'true');
  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: taskBodyHash(fieldsHash, completedNow), ghlContactId };
  return { kind: 'write', operations, creates: false, next };
}

/** Syncs a task event; `completes`: the event type says the task is completed whatever its payload says. */
const syncTask = (completes: boolean) => async ({ payload }: { payload: RelatelTask }, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcomes> => {
  const { relatelId, state, ghlContactId } = await childRecord('tasks', payload, facts, deps);
  const task = completes ? { ...payload, status: 'completed' as const } : payload;
  // The default due date of a task without one is relative to the event, not to the clock: a
  // retry after an ambiguous create failure must build the same body, or the search for what
  // the failed attempt created (by title and due date) misses it and GHL gets a duplicate.
  const create = mapTaskToCreateBody(task, deps.mapping, Date.parse(facts.occurredAt));
  const update = mapTaskToUpdateBody(task, deps.mapping);
  deps.onMappingIssues?.(dedupeIssues([...create.issues, ...update.issues]));
  const desired = facts.isDelete ? undefined : { createBody: create.body, updateBody: update.body, fieldsHash: taskFieldsHash(update.body) };
  const plan = planTaskSync(facts, state, desired, { ghlContactId });
  return [await applyPlan('tasks', relatelId, state, plan, deps)];
};

/** What each task event type of lib/entities.ts does. */
export const taskHandlers: EntityHandlers<'tasks'> = {
  upsert: syncTask(false),
  complete: syncTask(true),
  delete: syncTask(false),
};
