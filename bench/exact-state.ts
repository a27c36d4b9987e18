/**
 * The contacts of the production-timing runs (burst, outage), the events that make and change
 * them, and the check that GHL holds exactly what those events say: every field of every
 * contact, its one task and its notes, nothing more.
 */
import type { GhlSimulatorSnapshot } from '../local/ghl-simulator/index.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';

const BASE_TIME = Date.parse('2026-03-02T08:00:00.000Z');

/** What GHL must hold for one Relatel contact after a run. */
export interface ExpectedContactRecord {
  readonly relatelId: number;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly phone: string;
  readonly companyName: string;
  readonly tags: readonly string[];
  readonly tasks: readonly { readonly title: string; readonly completed: boolean }[];
  readonly notes: readonly string[];
}

/** A Relatel contact payload; `version` changes the last name (a rename), nothing else. */
export function contactPayload(run: string, id: number, version: number) {
  const first = `Kunde${id}`;
  const last = `Efternavn${version}`;
  return {
    id,
    name: `${first} ${last}`,
    first_name: first,
    last_name: last,
    email: `bench.${run}.${id}@example.dk`,
    // Unique per contact: GHL's duplicate rule must never join two of them.
    number: `45${30_000_000 + (id % 10_000_000)}`,
    company: `Firma ${id}`,
    tags: ['kunde'],
  };
}

export const taskTitleOf = (contactId: number) => `Ring op ${contactId}`;
export const noteBodyOf = (contactId: number) => `Note ${contactId}`;

/** Builds events with delivery ids unique to the run and occurred_at one second apart, in the order asked for. */
export function eventMaker(run: string) {
  let sequence = 0;
  const make = (type: string, payload: Record<string, unknown>): RelatelEventFixture => {
    sequence += 1;
    return { delivery_id: `dlv_${run}_${sequence}`, event_type: type, occurred_at: new Date(BASE_TIME + sequence * 1_000).toISOString(), payload };
  };
  return {
    contact: (type: 'contact.created' | 'contact.updated', id: number, version: number) => make(type, contactPayload(run, id, version)),
    task: (contactId: number) =>
      make('task.created', { id: contactId, contact_id: contactId, title: taskTitleOf(contactId), description: 'Aftale', due_at: '2026-03-10T10:00:00+01:00', status: 'open', assignee_id: 1207 }),
    note: (contactId: number) => make('note.created', { id: contactId, contact_id: contactId, body: noteBodyOf(contactId), employee_id: 1207 }),
  };
}

/** The expected record of a contact at `version`, with the children it was given. */
export function expectedContact(run: string, id: number, version: number, children: { task: boolean; note: boolean }): ExpectedContactRecord {
  const payload = contactPayload(run, id, version);
  return {
    relatelId: id,
    email: payload.email,
    firstName: payload.first_name,
    lastName: payload.last_name,
    phone: `+${payload.number}`,
    companyName: payload.company,
    tags: [...payload.tags].sort(),
    tasks: children.task ? [{ title: taskTitleOf(id), completed: false }] : [],
    notes: children.note ? [noteBodyOf(id)] : [],
  };
}

/** The contact as Relatel's API holds it (name, number, e-mail), for seeding the Relatel simulator. */
export function relatelContactOf(want: ExpectedContactRecord): { id: number; name: string; number: string; email: string } {
  return { id: want.relatelId, name: `${want.firstName} ${want.lastName}`, number: want.phone.replace(/^\+/, ''), email: want.email };
}

/**
 * Every way GHL's state differs from `expected`, one line each (empty: exact). With `complete`
 * GHL must hold nothing else either; without it only the contacts listed are checked (the part
 * of a run already due while later events still arrive).
 */
export function stateDifferences(state: Pick<GhlSimulatorSnapshot, 'contacts' | 'tasks' | 'notes'>, expected: readonly ExpectedContactRecord[], complete: boolean): string[] {
  const differences: string[] = [];
  const byEmail = groupBy(state.contacts, (contact) => contact.email ?? '');
  const tasksOf = groupBy(state.tasks, (task) => task.contactId);
  const notesOf = groupBy(state.notes, (note) => note.contactId);
  for (const want of expected) {
    const matching = byEmail.get(want.email) ?? [];
    const got = matching[0];
    if (matching.length !== 1 || got === undefined) {
      differences.push(`contact ${want.relatelId}: ${matching.length} GHL contacts with its e-mail`);
      continue;
    }
    const fields: Record<string, [unknown, unknown]> = {
      firstName: [got.firstName, want.firstName],
      lastName: [got.lastName, want.lastName],
      phone: [got.phone, want.phone],
      companyName: [got.companyName, want.companyName],
      tags: [JSON.stringify([...got.tags].sort()), JSON.stringify(want.tags)],
      tasks: [JSON.stringify((tasksOf.get(got.id) ?? []).map((task) => ({ title: task.title, completed: task.completed }))), JSON.stringify(want.tasks)],
      notes: [JSON.stringify((notesOf.get(got.id) ?? []).map((note) => note.body).sort()), JSON.stringify(want.notes)],
    };
    for (const [field, [actual, wanted]] of Object.entries(fields)) {
      if (actual !== wanted) differences.push(`contact ${want.relatelId}: ${field} ${String(actual)}, expected ${String(wanted)}`);
    }
  }
  if (complete) {
    const count = (pick: (want: ExpectedContactRecord) => number) => expected.reduce((sum, want) => sum + pick(want), 0);
    if (state.contacts.length !== expected.length) differences.push(`${state.contacts.length} GHL contacts, expected ${expected.length}`);
    if (state.tasks.length !== count((want) => want.tasks.length)) differences.push(`${state.tasks.length} GHL tasks, expected ${count((want) => want.tasks.length)}`);
    if (state.notes.length !== count((want) => want.notes.length)) differences.push(`${state.notes.length} GHL notes, expected ${count((want) => want.notes.length)}`);
  }
  return differences;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
