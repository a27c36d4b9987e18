/**
 * The GHL half of `npm run verify`: for each record the sync state links to a GHL record (or a
 * random sample of them), GET it from GHL and report it
 *  - missing:   GHL no longer has it (deleted there, behind the sync's back);
 *  - different: GHL has it, but not as the sync last wrote it (a contact's fields differ from
 *               what Relatel's data maps to, a task's completion, a record under another contact).
 * Ids, entity and field names only, never values.
 *
 * Repair (`--repair`) goes through the consumers, the one place that writes to GHL: for a
 * contact, the sync state's body hash is dropped (so the next event writes the contact whatever
 * it last wrote) and a `contact.updated` event is enqueued on the contacts queue, as backfill
 * does. The consumer's PUT then finds a missing contact gone and writes it again (or, when the
 * mapping lets GHL's deletions win, leaves it deleted), and overwrites a different one.
 * Tasks, notes and appointments cannot be read from Relatel's API, so no event can be made of
 * them: they are reported, and heal on their next Relatel event.
 */
import type { Entity } from '../entities.js';
import type { GhlClient, GhlContact } from '../ghl/client.js';
import type { QueueSender } from '../ingest/ports.js';
import type { MappingConfig } from '../mapping/config.js';
import { mapContactToUpdateBody } from '../mapping/contacts.js';
import type { RelatelClient } from '../relatel/client.js';
import { parseTwoPartHash } from '../sync/body-hash.js';
import { allStates, type RecordSyncState, type SyncStateStore } from '../sync/state.js';
import { backfillMessage, newRunId } from './backfill.js';

export interface GhlDrift {
  entity: Entity;
  relatelId: string;
  ghlId: string;
  /** `not-in-ghl`, or what differs: `fields: email, lastName`, `completed`, `contact`. */
  reason: string;
}

export interface GhlDriftReport {
  /** Records the sync state links to a GHL record. */
  linked: number;
  /** Of those, read from GHL (all of them, or the sample). */
  checked: number;
  /** Left deleted on purpose (the mapping lets GHL's deletions win): not read. */
  leftDeletedInGhl: number;
  inSync: number;
  missing: GhlDrift[];
  different: GhlDrift[];
  /** With repair: the contacts whose healing event was enqueued. */
  repairEnqueued: string[];
}

export interface VerifyGhlDependencies {
  ghl: Pick<GhlClient, 'getContact' | 'getTask' | 'getNote' | 'getAppointment'>;
  state: Pick<SyncStateStore, 'listStates' | 'get' | 'save'>;
  /** Relatel's current contact, to compare a GHL contact's fields with (and to repair it). */
  relatel: Pick<RelatelClient, 'getContact'>;
  mapping: MappingConfig;
  /** Needed for repair only. */
  queue?: QueueSender;
  now?: () => Date;
  random?: () => number;
}

export interface VerifyGhlOptions {
  entities?: readonly Entity[];
  /** Read only this many linked records, picked at random. */
  sample?: number;
  repair?: boolean;
  /** Told after each record read: for a progress line on long runs. */
  onProgress?: (checked: number, total: number) => void;
}

const ALL_ENTITIES: readonly Entity[] = ['contacts', 'tasks', 'notes', 'appointments'];

/** Reads every linked record (or a sample) from GHL and reports the missing and different ones. */
export async function verifyGhl(deps: VerifyGhlDependencies, options: VerifyGhlOptions = {}): Promise<GhlDriftReport> {
  if (options.repair && deps.queue === undefined) throw new Error('repair needs a queue to enqueue the healing events on');
  const report: GhlDriftReport = { linked: 0, checked: 0, leftDeletedInGhl: 0, inSync: 0, missing: [], different: [], repairEnqueued: [] };
  const linked: RecordSyncState[] = [];
  for (const entity of options.entities ?? ALL_ENTITIES) {
    for await (const state of allStates(deps.state as SyncStateStore, entity)) {
      if (state.ghlId === undefined || state.deleted) continue;
      if (state.deletedInGhl) report.leftDeletedInGhl += 1;
      else linked.push(state);
    }
  }
  report.linked = linked.length;
  const chosen = options.sample === undefined ? linked : sampleOf(linked, options.sample, deps.random ?? Math.random);
  const runId = newRunId(deps.now?.() ?? new Date());

  for (const state of chosen) {
    const reason = await driftOf(state, deps);
    report.checked += 1;
    options.onProgress?.(report.checked, chosen.length);
    if (reason === undefined) {
      report.inSync += 1;
      continue;
    }
    const drift: GhlDrift = { entity: state.entity, relatelId: state.relatelId, ghlId: state.ghlId!, reason };
    (reason === NOT_IN_GHL ? report.missing : report.different).push(drift);
    if (options.repair && state.entity === 'contacts' && (await repairContact(state, runId, deps))) report.repairEnqueued.push(state.relatelId);
  }
  return report;
}

export function hasGhlDrift(report: GhlDriftReport): boolean {
  return report.missing.length + report.different.length > 0;
}

const NOT_IN_GHL = 'not-in-ghl';

/** What is wrong with one linked record in GHL; undefined when nothing is. */
async function driftOf(state: RecordSyncState, deps: VerifyGhlDependencies): Promise<string | undefined> {
  const ghlId = state.ghlId!;
  const contactId = state.ghlContactId ?? '';
  switch (state.entity) {
    case 'contacts': {
      const contact = await deps.ghl.getContact(ghlId);
      if (contact === undefined) return NOT_IN_GHL;
      const relatel = await deps.relatel.getContact(state.relatelId);
      // Relatel deleted it: the Relatel half of verify reports it as orphaned.
      if (relatel === undefined) return undefined;
      const fields = differingFields(contact, mapContactToUpdateBody(relatel, deps.mapping));
      return fields.length === 0 ? undefined : `fields: ${fields.join(', ')}`;
    }
    case 'tasks': {
      const task = await deps.ghl.getTask(contactId, ghlId);
      if (task === undefined) return NOT_IN_GHL;
      const completed = parseTwoPartHash(state.bodyHash).separate;
      if (completed !== undefined && String(task.completed) !== completed) return 'completed';
      return undefined;
    }
    case 'notes':
      return (await deps.ghl.getNote(contactId, ghlId)) === undefined ? NOT_IN_GHL : undefined;
    case 'appointments': {
      const appointment = await deps.ghl.getAppointment(ghlId);
      if (appointment === undefined) return NOT_IN_GHL;
      return state.ghlContactId !== undefined && appointment.contactId !== state.ghlContactId ? 'contact' : undefined;
    }
  }
}

/** The compared fields: what a PUT writes that GHL answers back as it was written. */
const COMPARED_FIELDS = ['firstName', 'lastName', 'email', 'phone'] as const;

/** Names of the fields where GHL's contact differs from what Relatel's data maps to (e-mail without case). */
function differingFields(contact: GhlContact, mapped: ReturnType<typeof mapContactToUpdateBody>): string[] {
  const differs = (wanted: string | undefined, actual: unknown, ignoreCase: boolean) => {
    if (wanted === undefined) return false; // a field Relatel leaves empty is never written
    const have = typeof actual === 'string' ? actual : '';
    return ignoreCase ? wanted.toLowerCase() !== have.toLowerCase() : wanted !== have;
  };
  const fields: string[] = COMPARED_FIELDS.filter((field) => differs(mapped.body[field], contact[field], field === 'email'));
  if (differs(mapped.companyName, contact.companyName, false)) fields.push('companyName');
  return fields;
}

/**
 * Makes the contact's next event write it whatever it last wrote (its body hash dropped), and
 * enqueues that event from Relatel's current data. False when Relatel no longer has the contact
 * or the state changed since it was read (a consumer is at it: the next verify will tell).
 */
async function repairContact(state: RecordSyncState, runId: string, deps: VerifyGhlDependencies): Promise<boolean> {
  const contact = await deps.relatel.getContact(state.relatelId);
  if (contact === undefined) return false;
  const message = backfillMessage(contact, runId, deps.now?.() ?? new Date());
  if (message === undefined) return false;
  const current = await deps.state.get('contacts', state.relatelId);
  if (current === undefined || current.ghlId !== state.ghlId || current.version !== state.version) return false;
  const { bodyHash: _forgotten, ...forced } = current;
  await deps.state.save(forced, current.version);
  await deps.queue!.send(message);
  return true;
}

/** `size` of `items`, picked at random (a partial Fisher-Yates shuffle of a copy). */
function sampleOf<T>(items: readonly T[], size: number, random: () => number): T[] {
  const copy = [...items];
  const count = Math.min(size, copy.length);
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}
