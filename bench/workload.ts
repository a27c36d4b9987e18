/**
 * The throughput workload (issue 6, runs 3, 4 and 6): per contact ten deliveries with strictly
 * increasing occurred_at, 2,000 for 200 contacts:
 *
 *   7 that change data   contact.created (tags in the body), task.created, note.created,
 *                        call.ended (a call note), appointment.created, contact.updated (new
 *                        company, one tag more), task.completed
 *   2 no-op updates      contact.updated carrying what GHL already has (20 %)
 *   1 redelivery         a delivery repeated with its delivery id (10 %): half at once through
 *                        the webhook (SQS's deduplication window), half straight on the queue
 *                        as a late redelivery the window no longer catches
 *
 * Deliveries go out step by step across contacts (every contact's create, then every
 * contact's task, ...), so a contact's events stay in order while the queues all fill at once.
 */
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';

export const CONTACTS = 200;
export const DATA_CHANGING_PER_CONTACT = 7;

export interface Delivery {
  readonly event: RelatelEventFixture;
  readonly kind: 'change' | 'no-op' | 'redelivery' | 'late-redelivery';
}

export interface ExpectedContactState {
  relatelId: number;
  email: string;
  firstName: string;
  lastName: string;
  companyName: string;
  tags: string[];
  taskTitle: string;
  noteBody: string;
  appointmentTitle: string;
}

export interface ThroughputWorkload {
  readonly deliveries: readonly Delivery[];
  readonly expected: readonly ExpectedContactState[];
  readonly dataChanging: number;
}

const BASE_TIME = Date.parse('2026-03-02T08:00:00.000Z');
const COMPANY_NUMBER = '4570203040';

export function buildThroughputWorkload(options: { contacts?: number; runId: string; firstContactId?: number }): ThroughputWorkload {
  const count = options.contacts ?? CONTACTS;
  const firstId = options.firstContactId ?? 300_000;
  const steps: Delivery[][] = Array.from({ length: 10 }, () => []);
  const expected: ExpectedContactState[] = [];
  let clock = 0;
  let sequence = 0;
  const event = (type: string, occurredAtSecond: number, payload: Record<string, unknown>): RelatelEventFixture => ({
    delivery_id: `dlv_${options.runId}_${sequence++}`,
    event_type: type,
    occurred_at: new Date(BASE_TIME + occurredAtSecond * 1000).toISOString(),
    payload,
  });

  for (let n = 0; n < count; n++) {
    const id = firstId + n;
    const tick = () => (clock += 1);
    const number = `45${String(30_000_000 + n * 7).padStart(8, '0')}`;
    const contact = (version: 1 | 2) => ({
      id,
      name: `Kunde${n} Efternavn${n}`,
      first_name: `Kunde${n}`,
      last_name: `Efternavn${n}`,
      email: `bench.${options.runId}.${n}@example.dk`,
      number,
      company: `Firma ${n}${version === 2 ? ' ApS' : ''}`,
      tags: version === 1 ? ['kunde'] : ['kunde', 'vip'],
    });
    const task = { id: 400_000 + n, contact_id: id, title: `Ring op ${n}`, description: `Aftale ${n}`, due_at: '2026-03-10T10:00:00+01:00', assignee_id: 1207 };
    const created = event('contact.created', tick(), contact(1));
    const updated = event('contact.updated', tick() + 5, contact(2));
    const step = (index: number, delivery: Delivery) => steps[index]?.push(delivery);
    step(0, { kind: 'change', event: created });
    step(1, { kind: 'change', event: event('task.created', tick(), { ...task, status: 'open' }) });
    step(2, { kind: 'change', event: event('note.created', tick(), { id: 500_000 + n, contact_id: id, body: `Note ${n}`, employee_id: 1207 }) });
    step(3, {
      kind: 'change',
      event: event('call.ended', tick(), {
        call_uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        direction: 'inbound',
        status: 'answered',
        from_number: number,
        to_number: COMPANY_NUMBER,
        from_contact: { id, name: `Kunde${n} Efternavn${n}` },
        to_contact: null,
        started_at: '2026-03-02T09:10:02+01:00',
        answered_at: '2026-03-02T09:10:09+01:00',
        ended_at: '2026-03-02T09:13:48+01:00',
        endpoint_name: 'Salg',
      }),
    });
    step(4, {
      kind: 'change',
      event: event('appointment.created', tick(), {
        id: 600_000 + n,
        contact_id: id,
        title: `Besigtigelse ${n}`,
        starts_at: '2026-03-10T10:00:00+01:00',
        ends_at: '2026-03-10T11:00:00+01:00',
        timezone: 'Europe/Copenhagen',
        status: 'confirmed',
      }),
    });
    step(5, { kind: 'change', event: updated });
    step(6, { kind: 'no-op', event: event('contact.updated', tick() + 5, contact(2)) });
    step(7, { kind: 'change', event: event('task.completed', tick() + 5, { ...task, status: 'completed' }) });
    step(8, { kind: 'no-op', event: event('contact.updated', tick() + 6, contact(2)) });
    step(9, { kind: n % 2 === 0 ? 'redelivery' : 'late-redelivery', event: n % 4 < 2 ? updated : created });
    const last = contact(2);
    expected.push({
      relatelId: id,
      email: last.email,
      firstName: last.first_name,
      lastName: last.last_name,
      companyName: last.company,
      tags: [...last.tags].sort(),
      taskTitle: task.title,
      noteBody: `Note ${n}`,
      appointmentTitle: `Besigtigelse ${n}`,
    });
  }
  const deliveries = steps.flat();
  return { deliveries, expected, dataChanging: deliveries.filter((delivery) => delivery.kind === 'change').length };
}

export function relatelContactIdOf(event: RelatelEventFixture): number {
  const payload = event.payload as { id?: number; contact_id?: number; from_contact?: { id: number } };
  if (event.event_type.startsWith('contact.')) return payload.id as number;
  if (event.event_type === 'call.ended') return payload.from_contact?.id as number;
  return payload.contact_id as number;
}

/** What GHL must hold after the workload, one line per difference (empty: nothing lost or wrong). */
export function differencesFromExpected(
  state: {
    contacts: { id: string; email?: string; firstName?: string; lastName?: string; companyName?: string; tags: string[] }[];
    tasks: { contactId: string; title: string; completed: boolean }[];
    notes: { contactId: string; body: string }[];
    appointments: { contactId: string; title: string }[];
  },
  expected: readonly ExpectedContactState[],
  options: { strictTags?: boolean; companyName?: boolean } = {},
): string[] {
  const differences: string[] = [];
  if (state.contacts.length !== expected.length) differences.push(`${state.contacts.length} GHL contacts, expected ${expected.length}`);
  for (const want of expected) {
    const matching = state.contacts.filter((contact) => contact.email === want.email);
    const got = matching[0];
    if (matching.length !== 1 || got === undefined) {
      differences.push(`contact ${want.relatelId}: ${matching.length} GHL contacts with its e-mail`);
      continue;
    }
    if (got.firstName?.toLowerCase() !== want.firstName.toLowerCase()) differences.push(`contact ${want.relatelId}: firstName`);
    if (got.lastName?.toLowerCase() !== want.lastName.toLowerCase()) differences.push(`contact ${want.relatelId}: lastName`);
    if (options.companyName !== false && got.companyName !== want.companyName) differences.push(`contact ${want.relatelId}: companyName`);
    const tags = [...got.tags].sort();
    const tagsOk = options.strictTags === false ? want.tags.every((tag) => tags.includes(tag)) : JSON.stringify(tags) === JSON.stringify(want.tags);
    if (!tagsOk) differences.push(`contact ${want.relatelId}: tags ${JSON.stringify(tags)}`);
    const tasks = state.tasks.filter((task) => task.contactId === got.id);
    if (tasks.length !== 1 || tasks[0]?.title !== want.taskTitle || !tasks[0]?.completed) differences.push(`contact ${want.relatelId}: tasks ${JSON.stringify(tasks.map((t) => [t.title, t.completed]))}`);
    const notes = state.notes.filter((note) => note.contactId === got.id);
    if (notes.length !== 2 || !notes.some((note) => note.body === want.noteBody)) differences.push(`contact ${want.relatelId}: ${notes.length} notes`);
    const appointments = state.appointments.filter((appointment) => appointment.contactId === got.id);
    if (appointments.length !== 1 || appointments[0]?.title !== want.appointmentTitle) differences.push(`contact ${want.relatelId}: ${appointments.length} appointments`);
  }
  return differences;
}
