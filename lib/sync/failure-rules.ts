/**
 * Every rule for what the sync state becomes when a plan fails part-way, so the record's next
 * event (this one retried, or another: a newer version, a delete, possibly after this one was
 * parked) decides on what GHL may hold now rather than on what the state knew before. The
 * rules, case by case, and why: docs/SYNC.md#after-a-failure.
 */
import { mayHaveBeenApplied } from '../ghl/errors.js';
import { normaliseTags } from '../mapping/tags.js';
import { formatTwoPartHash, isTwoPartHash, parseTwoPartHash, type HashPart } from './body-hash.js';
import { contactCreateInDoubt } from './created-contact.js';
import type { SyncDependencies } from './dependencies.js';
import { createInDoubtOf, isCreate } from './executor.js';
import type { GhlOperation, WritePlan } from './plan.js';
import type { CreateInDoubt, RecordSyncState } from './state.js';

/** How far a plan got: the operations that succeeded, and the id its create produced. */
export interface PlanProgress {
  applied: GhlOperation[];
  createdId?: string;
}

/** Saves what a failed plan leaves in the state (`claimed`: the state it started from, claim included). */
export async function recordFailure(claimed: RecordSyncState, plan: WritePlan, progress: PlanProgress, error: unknown, deps: SyncDependencies): Promise<void> {
  const failed = plan.operations[progress.applied.length];
  const inDoubt = failed !== undefined && mayHaveBeenApplied(error) ? failed : undefined;
  const next = plan.creates ? afterFailedCreate(claimed, plan, progress.createdId, error, deps) : afterFailedUpdate(claimed, plan, progress.applied, inDoubt);
  if (next === undefined) return;
  try {
    await deps.state.save(next, claimed.version);
  } catch {
    // Someone wrote the state since: their write decides. A claim's lease expires by itself.
  }
}

function tagsOf(operation: GhlOperation): string[] {
  if (operation.op === 'contact.addTags' || operation.op === 'contact.removeTags') return operation.tags;
  return operation.op === 'contact.create' ? operation.link.tags : [];
}

/** An update: what succeeded is recorded, what may have been applied is unknown, what was never sent changes nothing. */
function afterFailedUpdate(claimed: RecordSyncState, plan: WritePlan, applied: readonly GhlOperation[], inDoubt: GhlOperation | undefined): RecordSyncState | undefined {
  const next: RecordSyncState = { ...claimed };
  const bodyHash = bodyHashAfterFailure(claimed.bodyHash, plan.next.bodyHash, applied, inDoubt);
  if (bodyHash === undefined) delete next.bodyHash;
  else next.bodyHash = bodyHash;

  const added = applied.flatMap((op) => (op.op === 'contact.addTags' ? op.tags : []));
  const removed = applied.flatMap((op) => (op.op === 'contact.removeTags' ? op.tags : []));
  if (added.length > 0 || removed.length > 0) {
    const gone = new Set(normaliseTags(removed));
    next.tags = normaliseTags([...(claimed.tags ?? []), ...added]).filter((tag) => !gone.has(tag));
  }
  const settled = new Set(normaliseTags([...added, ...removed]));
  const doubt = normaliseTags([...(claimed.tagsInDoubt ?? []).filter((tag) => !settled.has(tag)), ...(inDoubt ? tagsOf(inDoubt) : [])]);
  if (doubt.length > 0) next.tagsInDoubt = doubt;
  else delete next.tagsInDoubt;

  const known = (state: RecordSyncState) => JSON.stringify([state.bodyHash, state.tags, state.tagsInDoubt]);
  return known(next) === known(claimed) ? undefined : next;
}

/** A create: refused, it leaves nothing; unanswered, a create in doubt; succeeded before a later operation failed, its GHL id. */
function afterFailedCreate(claimed: RecordSyncState, plan: WritePlan, createdId: string | undefined, error: unknown, deps: SyncDependencies): RecordSyncState {
  const touchedTags = plan.operations.flatMap(tagsOf);
  let next: RecordSyncState = { ...claimed };
  if (createdId === undefined && !mayHaveBeenApplied(error)) {
    // GHL refused the create (a 4xx) or it was never sent: nothing to search for later.
    const { pendingCreateSince: _claim, createInDoubt: _doubt, ...released } = next;
    next = released;
  } else if (createdId === undefined) {
    const create = plan.operations[0];
    const found = create === undefined ? undefined : searchKeyOf(create, claimed, deps);
    const doubt: CreateInDoubt | undefined = found && {
      ...found,
      ...(plan.next.bodyHash !== undefined && { bodyHash: plan.next.bodyHash }),
      ...(plan.next.lastOccurredAt !== undefined && { occurredAt: plan.next.lastOccurredAt }),
    };
    // The claim is released (an expired pendingCreateSince) but kept visible, so the next event searches GHL first.
    next = { ...next, pendingCreateSince: new Date(0).toISOString(), ...(doubt && { createInDoubt: doubt }) };
  } else {
    const { pendingCreateSince: _claim, createInDoubt: _doubt, ...rest } = next;
    const { bodyHash: _unknown, ...created } = rest;
    next = { ...created, ghlId: createdId, ...(plan.next.ghlContactId !== undefined && { ghlContactId: plan.next.ghlContactId }) };
  }
  if (touchedTags.length > 0) next.tagsInDoubt = normaliseTags([...(claimed.tagsInDoubt ?? []), ...touchedTags]);
  return next;
}

/**
 * What to search GHL for before creating again: a task's, note's or appointment's key, or a
 * contact's that GHL cannot match (sent between the claim and now); none for a contact GHL
 * matches by itself (the retry's upsert or duplicate rule finds it).
 */
function searchKeyOf(create: GhlOperation, claimed: RecordSyncState, deps: SyncDependencies): CreateInDoubt | undefined {
  if (isCreate(create)) return createInDoubtOf(create);
  if (create.op !== 'contact.create') return undefined;
  const now = deps.now().toISOString();
  return contactCreateInDoubt(create.body, claimed.pendingCreateSince ?? now, now, deps.mapping);
}

/**
 * The bodyHash to keep after a write plan failed part-way, so the next event writes again only
 * what GHL may not hold: a part written by an operation that succeeded takes its new value, the
 * part of an operation that may or may not have been applied (`inDoubt`) becomes unknown, and a
 * part no sent operation touched keeps its value.
 */
export function bodyHashAfterFailure(
  before: string | undefined,
  wanted: string | undefined,
  applied: readonly GhlOperation[],
  inDoubt: GhlOperation | undefined,
): string | undefined {
  const parts: { -readonly [P in HashPart]?: string } = { ...parseTwoPartHash(before) };
  const target = parseTwoPartHash(wanted);
  let whole: string | undefined | null = null;
  for (const operation of applied) {
    const part = hashPartOf(operation);
    if (part === 'whole') whole = wanted;
    else if (part !== undefined) setPart(parts, part, target[part]);
  }
  const doubtful = inDoubt === undefined ? undefined : hashPartOf(inDoubt);
  if (doubtful === 'whole') return undefined;
  if (doubtful !== undefined) setPart(parts, doubtful, undefined);
  if (whole !== null) return whole;
  if (!isTwoPartHash(before) && !isTwoPartHash(wanted)) return before;
  return parts.fields === undefined && parts.separate === undefined ? undefined : formatTwoPartHash(parts);
}

function setPart(parts: { -readonly [P in HashPart]?: string }, part: HashPart, value: string | undefined): void {
  if (value === undefined) delete parts[part];
  else parts[part] = value;
}

/** Which part of a bodyHash an update writes, or the whole single-part hash (notes, appointments). */
function hashPartOf(operation: GhlOperation): HashPart | 'whole' | undefined {
  switch (operation.op) {
    case 'contact.update':
    case 'task.update':
      return 'fields';
    case 'contact.upsert':
    case 'task.complete':
      return 'separate';
    case 'note.update':
    case 'appointment.update':
      return 'whole';
    default:
      return undefined;
  }
}
