/**
 * A delivery-chaos workload and the GHL state it must end in. Per contact, ten events with
 * strictly increasing occurred_at: the contact created and updated twice, a task created,
 * updated and completed, a note created and updated, and a second note created and deleted.
 * The expected state is what applying them in occurred_at order gives: the last version of
 * every record, deleted records absent. Delivery order is then shuffled, some deliveries are
 * repeated (at once, and after SQS's deduplication window), and children arrive before their
 * contact as often as not.
 */
import { entityOfFixture, type RelatelEventFixture } from '../factories/relatel-events.js';
// Seeded, so a failing shuffle can be replayed.
import { seededRandom } from '../../local/ghl-simulator/random.js';

export const EVENTS_PER_CONTACT = 10;

export interface ExpectedContact {
  relatelId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  companyName: string;
  tags: string[];
}

export interface ExpectedTask {
  relatelContactId: string;
  title: string;
  body: string;
  dueDate: string;
  completed: boolean;
}

export interface ExpectedNote {
  relatelContactId: string;
  body: string;
}

export interface Workload {
  /** In occurred_at order. */
  events: RelatelEventFixture[];
  expected: { contacts: ExpectedContact[]; tasks: ExpectedTask[]; notes: ExpectedNote[] };
}

const BASE_TIME = Date.parse('2026-03-02T08:00:00.000Z');

export function buildWorkload(contactCount: number, options: { firstContactId?: number; runId?: string } = {}): Workload {
  const firstId = options.firstContactId ?? 700_000;
  const runId = options.runId ?? 'w';
  const events: RelatelEventFixture[] = [];
  const expected: Workload['expected'] = { contacts: [], tasks: [], notes: [] };
  let clock = 0;
  const event = (type: string, payload: Record<string, unknown>): void => {
    clock += 1;
    events.push({
      delivery_id: `dlv_${runId}_${events.length}`,
      event_type: type,
      occurred_at: new Date(BASE_TIME + clock * 1000).toISOString(),
      payload,
    });
  };

  for (let n = 0; n < contactCount; n++) {
    const contactId = firstId + n;
    const versions = [1, 2, 3].map((v) => contactVersion(contactId, n, v));
    // Interleaved as in life: the contact changes while its task and notes are worked on.
    event('contact.created', versions[0] as Record<string, unknown>);
    const task = { id: 800_000 + n, contact_id: contactId, assignee_id: 1207 };
    event('task.created', { ...task, title: `Ring op ${n}`, description: `Aftale ${n}`, due_at: '2026-03-10T10:00:00+01:00', status: 'open' });
    event('note.created', { id: 900_000 + n, contact_id: contactId, body: `Første note ${n}`, employee_id: 1207 });
    event('contact.updated', versions[1] as Record<string, unknown>);
    event('task.updated', { ...task, title: `Ring op igen ${n}`, description: `Aftale ${n} flyttet`, due_at: '2026-03-12T14:30:00+01:00', status: 'open' });
    event('note.created', { id: 950_000 + n, contact_id: contactId, body: `Kladde ${n}`, employee_id: 1207 });
    event('note.updated', { id: 900_000 + n, contact_id: contactId, body: `Rettet note ${n}`, employee_id: 1207 });
    event('task.completed', { ...task, title: `Ring op igen ${n}`, description: `Aftale ${n} flyttet`, due_at: '2026-03-12T14:30:00+01:00', status: 'completed' });
    event('note.deleted', { id: 950_000 + n, contact_id: contactId });
    event('contact.updated', versions[2] as Record<string, unknown>);

    const last = versions[2] as ReturnType<typeof contactVersion>;
    expected.contacts.push({
      relatelId: String(contactId),
      firstName: last.first_name,
      lastName: last.last_name,
      email: last.email,
      phone: `+${last.number}`,
      companyName: last.company,
      tags: [...last.tags].sort(),
    });
    expected.tasks.push({
      relatelContactId: String(contactId),
      title: `Ring op igen ${n}`,
      body: `Aftale ${n} flyttet`,
      dueDate: '2026-03-12T13:30:00.000Z',
      completed: true,
    });
    expected.notes.push({ relatelContactId: String(contactId), body: `Rettet note ${n}` });
  }
  return { events, expected };
}

function contactVersion(contactId: number, n: number, version: number) {
  const first = `Kunde${n}`;
  const last = `Efternavn${version}`;
  return {
    id: contactId,
    name: `${first} ${last}`,
    first_name: first,
    last_name: last,
    // Unique per contact and version, so GHL's duplicate rule never joins two contacts.
    email: `kunde${n}.v${version}@example.dk`,
    number: `453${String(n % 1000).padStart(3, '0')}${version}${String(Math.floor(n / 1000)).padStart(3, '0')}`,
    company: `Firma ${n} v${version}`,
    tags: version === 1 ? ['kunde'] : version === 2 ? ['kunde', 'vip'] : ['kunde', 'aarhus'],
  };
}

/** The FIFO group the webhook gives an event: its contact. */
export function groupIdOfEvent(event: RelatelEventFixture): string {
  const payload = event.payload as { id?: number; contact_id?: number };
  return String(entityOfFixture(event) === 'contacts' ? payload.id : payload.contact_id);
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export interface DeliveryPlan {
  /** Webhook deliveries, in sending order (a repeated delivery appears twice). */
  deliveries: RelatelEventFixture[];
  /** Events delivered once more straight to the queue after all else, as after the dedup window. */
  lateRedeliveries: RelatelEventFixture[];
}

/** Shuffled order, 10% of deliveries repeated through the webhook, 5% redelivered late. */
export function chaoticDeliveries(events: readonly RelatelEventFixture[], seed: number): DeliveryPlan {
  const random = seededRandom(seed);
  const deliveries = shuffled(events, random);
  const repeats = deliveries.filter(() => random() < 0.1);
  const lateRedeliveries = events.filter(() => random() < 0.05);
  return { deliveries: shuffled([...deliveries, ...repeats], random), lateRedeliveries };
}
