/**
 * Compares what the GHL simulator holds with a workload's expected state, field by field, and
 * reports every difference at once (a failing e2e run should say everything it found).
 */
import type { GhlSimulator } from '../../local/ghl-simulator/index.js';
import type { Workload } from './workload.js';

export interface StateComparison {
  differences: string[];
  counts: { contacts: number; tasks: number; notes: number; appointments: number };
}

export function compareWithExpected(simulator: GhlSimulator, expected: Workload['expected']): StateComparison {
  const contacts = simulator.state.contacts();
  const tasks = simulator.state.tasks();
  const notes = simulator.state.notes();
  const differences: string[] = [];
  const ghlIdOf = new Map<string, string>();

  for (const want of expected.contacts) {
    const matching = contacts.filter((contact) => contact.email === want.email);
    if (matching.length !== 1) {
      differences.push(`contact ${want.relatelId}: ${matching.length} GHL contacts with its final e-mail`);
      continue;
    }
    const got = matching[0] as (typeof contacts)[number];
    ghlIdOf.set(want.relatelId, got.id);
    const fields = {
      firstName: [got.firstName, want.firstName],
      lastName: [got.lastName, want.lastName],
      phone: [got.phone, want.phone],
      companyName: [got.companyName, want.companyName],
      tags: [JSON.stringify([...got.tags].sort()), JSON.stringify(want.tags)],
    };
    for (const [field, [actual, wanted]] of Object.entries(fields)) {
      if (actual !== wanted) differences.push(`contact ${want.relatelId}: ${field} is ${String(actual)}, expected ${String(wanted)}`);
    }
  }
  if (contacts.length !== expected.contacts.length) differences.push(`${contacts.length} GHL contacts, expected ${expected.contacts.length}`);

  for (const want of expected.tasks) {
    const contactId = ghlIdOf.get(want.relatelContactId);
    if (contactId === undefined) continue;
    const matching = tasks.filter((task) => task.contactId === contactId);
    if (matching.length !== 1) {
      differences.push(`tasks of contact ${want.relatelContactId}: ${matching.length}, expected 1`);
      continue;
    }
    const got = matching[0] as (typeof tasks)[number];
    if (got.title !== want.title) differences.push(`task of ${want.relatelContactId}: title ${got.title}, expected ${want.title}`);
    if (got.body !== want.body) differences.push(`task of ${want.relatelContactId}: body ${String(got.body)}, expected ${want.body}`);
    if (Date.parse(got.dueDate) !== Date.parse(want.dueDate)) differences.push(`task of ${want.relatelContactId}: dueDate ${got.dueDate}, expected ${want.dueDate}`);
    if (got.completed !== want.completed) differences.push(`task of ${want.relatelContactId}: completed ${got.completed}, expected ${want.completed}`);
  }
  if (tasks.length !== expected.tasks.length) differences.push(`${tasks.length} GHL tasks, expected ${expected.tasks.length}`);

  for (const want of expected.notes) {
    const contactId = ghlIdOf.get(want.relatelContactId);
    if (contactId === undefined) continue;
    const bodies = notes.filter((note) => note.contactId === contactId).map((note) => note.body);
    if (JSON.stringify(bodies) !== JSON.stringify([want.body])) {
      differences.push(`notes of contact ${want.relatelContactId}: ${JSON.stringify(bodies)}, expected ${JSON.stringify([want.body])}`);
    }
  }
  if (notes.length !== expected.notes.length) differences.push(`${notes.length} GHL notes, expected ${expected.notes.length}`);

  return {
    differences,
    counts: { contacts: contacts.length, tasks: tasks.length, notes: notes.length, appointments: simulator.state.appointments().length },
  };
}
