/**
 * Calls: a finished call becomes a note on the remote party's contact, and an unanswered inbound
 * call also a "call back" task; their bodies are built here and planned by the note and task
 * plans. A caller Relatel has no contact for still gets a GHL contact, matched or created by
 * phone number through upsert, so no call goes unlogged.
 */
import type { RelatelCall } from '../../events/schemas.js';
import { callRemoteParty, mapCallToCallbackTaskBody, mapCallToNoteBody } from '../../mapping/calls.js';
import { hashBody } from '../../mapping/hash.js';
import { applyPlan } from '../apply-plan.js';
import { ghlContactIdOf } from '../contact-wait.js';
import type { SyncDependencies, SyncOutcomes } from '../dependencies.js';
import type { EntityHandlers } from '../handlers.js';
import { skipped } from '../outcome.js';
import type { EventFacts } from '../plan.js';
import { readRecordState } from '../settle-create.js';
import { planNoteSync } from './notes.js';
import { planTaskSync, taskFieldsHash } from './tasks.js';

/** Calls have no Relatel note id: the call's uuid names the note (and its callback task). */
export const callRecordId = (callUuid: string) => `call:${callUuid}`;

async function syncCall({ payload: call }: { payload: RelatelCall }, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcomes> {
  const recordId = callRecordId(call.call_uuid);
  const party = callRemoteParty(call, deps.mapping);
  const noteState = await readRecordState('notes', recordId, deps);
  let ghlCalls = 0;
  let ghlContactId = noteState?.ghlContactId;
  if (ghlContactId === undefined && party.relatelContactId !== undefined) {
    ghlContactId = await ghlContactIdOf(party.relatelContactId, deps);
  }
  if (ghlContactId === undefined) {
    // A hidden or invalid number and no Relatel contact: there is no one to log the call on.
    // Counted, not parked: a human could do nothing with it either.
    if (party.phone === undefined) return [{ entity: 'notes', relatelId: recordId, outcome: skipped('no-party'), ghlCalls: 0 }];
    ghlCalls += 1;
    // The phone alone: upsert overwrites what it sends on a GHL contact it matches, and a
    // caller GHL already knows keeps its own source (say, the ad it came from).
    ghlContactId = (await deps.ghl.upsertContact({ phone: party.phone })).contact.id;
  }

  const note = mapCallToNoteBody(call, deps.mapping);
  const noteDesired = { createBody: note.body, updateBody: note.body, bodyHash: hashBody(note.body) };
  const noteOutcome = await applyPlan('notes', recordId, noteState, planNoteSync(facts, noteState, noteDesired, { ghlContactId }), deps);
  const outcomes: SyncOutcomes = [{ ...noteOutcome, ghlCalls: noteOutcome.ghlCalls + ghlCalls }];

  const callback = mapCallToCallbackTaskBody(call, deps.mapping);
  if (callback !== undefined) {
    const taskState = await readRecordState('tasks', recordId, deps);
    const desired = { createBody: callback.body, updateBody: callback.body, fieldsHash: taskFieldsHash(callback.body) };
    outcomes.push(await applyPlan('tasks', recordId, taskState, planTaskSync(facts, taskState, desired, { ghlContactId }), deps));
  }
  return outcomes;
}

/** What `call.ended` (routed to the notes queue, lib/entities.ts) does. */
export const callHandlers: Pick<EntityHandlers<'notes'>, 'call'> = {
  call: syncCall,
};
