/** Notes: the GHL body a Relatel note should have, and the plan that gets it there. */
import type { RelatelNote } from '../../events/schemas.js';
import type { GhlCreateNoteBody, GhlUpdateNoteBody } from '../../ghl/types.js';
import { hashBody } from '../../mapping/hash.js';
import { mapNoteToCreateBody, mapNoteToUpdateBody } from '../../mapping/notes.js';
import { dedupeIssues } from '../../mapping/result.js';
import { applyPlan } from '../apply-plan.js';
import { childRecord } from '../child-record.js';
import type { SyncDependencies, SyncOutcomes } from '../dependencies.js';
import type { EntityHandlers } from '../handlers.js';
import { noOp, planGuards, type ChildContext, type EventFacts, type GhlOperation, type StateChange, type SyncPlan } from '../plan.js';
import type { RecordSyncState } from '../state.js';

export interface DesiredNote {
  createBody: GhlCreateNoteBody;
  updateBody: GhlUpdateNoteBody;
  bodyHash: string;
}

/** The plan of a note event (and of a call's note): pure. */
export function planNoteSync(event: EventFacts, state: RecordSyncState | undefined, desired: DesiredNote | undefined, parent: ChildContext): SyncPlan {
  const { ghlContactId } = parent;
  const guarded = planGuards(event, state, (noteId) => ({ op: 'note.delete', contactId: state?.ghlContactId ?? ghlContactId, noteId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: desired.bodyHash, ghlContactId };
  if (state?.ghlId === undefined) {
    return { kind: 'write', operations: [{ op: 'note.create', contactId: ghlContactId, body: desired.createBody }], creates: true, next };
  }
  if (desired.bodyHash === state.bodyHash || Object.keys(desired.updateBody).length === 0) return noOp(event);
  const operation: GhlOperation = { op: 'note.update', contactId: state.ghlContactId ?? ghlContactId, noteId: state.ghlId, body: desired.updateBody };
  return { kind: 'write', operations: [operation], creates: false, next };
}

async function syncNote({ payload }: { payload: RelatelNote }, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcomes> {
  const { relatelId, state, ghlContactId } = await childRecord('notes', payload, facts, deps);
  let desired;
  if (!facts.isDelete) {
    const update = mapNoteToUpdateBody(payload, deps.mapping);
    // A create needs a body; an update of a note GHL already has may be thin.
    const create = state?.ghlId === undefined ? mapNoteToCreateBody(payload, deps.mapping) : { body: { body: '' }, issues: [] };
    deps.onMappingIssues?.(dedupeIssues([...create.issues, ...update.issues]));
    desired = { createBody: create.body, updateBody: update.body, bodyHash: hashBody(update.body) };
  }
  const plan = planNoteSync(facts, state, desired, { ghlContactId });
  return [await applyPlan('notes', relatelId, state, plan, deps)];
}

/** What each note event type of lib/entities.ts does (a finished call: calls.ts). */
export const noteHandlers: Omit<EntityHandlers<'notes'>, 'call'> = {
  upsert: syncNote,
  delete: syncNote,
};
