/**
 * Benchmark 6's baseline: the same workload synced the way a simple integration does it, bench
 * only. Each event: look the contact up in GHL by query, then create or update it, then add
 * its tags (children: look the contact up, then write the child). No deduplication, no no-op
 * skip, no shared rate limiter: a 429 is waited out (the interval GHL names) and the request
 * sent again, so the baseline loses nothing and pays in time instead. One worker per entity,
 * as our four consumers, each taking its events in delivery order.
 */
import { GHL_API_VERSIONS } from '../lib/ghl/types.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';
import { entityOfFixture } from '../test/factories/relatel-events.js';
import type { Delivery } from './workload.js';

export interface NaiveTarget {
  baseUrl: string;
  token: string;
  locationId: string;
  calendarId: string;
}

export interface NaiveRunResult {
  readonly requests: number;
  readonly rateLimited: number;
  readonly drainMs: number;
}

type Json = Record<string, unknown>;

export async function runNaiveConsumer(target: NaiveTarget, deliveries: readonly Delivery[]): Promise<NaiveRunResult> {
  let requests = 0;
  let rateLimited = 0;
  // A Relatel contact's e-mail, as the simple integration would read it from Relatel's API.
  const emailOf = new Map<number, string>();
  for (const { event } of deliveries) {
    const payload = event.payload as { id?: number; email?: string };
    if (event.event_type.startsWith('contact.') && payload.id !== undefined && payload.email) emailOf.set(payload.id, payload.email);
  }

  const call = async (method: string, path: string, family: 'contacts' | 'calendars', body?: Json): Promise<Json> => {
    for (let attempt = 1; ; attempt++) {
      requests++;
      const response = await fetch(`${target.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          version: GHL_API_VERSIONS[family],
          accept: 'application/json',
          ...(body && { 'content-type': 'application/json' }),
        },
        ...(body && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 429 && attempt < 100) {
        rateLimited++;
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('x-ratelimit-interval-milliseconds') ?? 1000)));
        continue;
      }
      if (!response.ok) throw new Error(`naive consumer: ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
      return text === '' ? {} : (JSON.parse(text) as Json);
    }
  };

  const findContact = async (email: string): Promise<string | undefined> => {
    const found = await call('GET', `/contacts/?locationId=${target.locationId}&query=${encodeURIComponent(email)}`, 'contacts');
    return ((found.contacts as { id: string }[] | undefined) ?? [])[0]?.id;
  };
  const contactIdFor = async (relatelId: number): Promise<string> => {
    const id = await findContact(emailOf.get(relatelId) ?? '');
    if (id === undefined) throw new Error(`naive consumer: contact ${relatelId} not in GHL yet`);
    return id;
  };

  const handle = async (event: RelatelEventFixture): Promise<void> => {
    const p = event.payload as Json & { id: number; contact_id: number };
    switch (event.event_type) {
      case 'contact.created':
      case 'contact.updated': {
        const body = { firstName: p.first_name, lastName: p.last_name, email: p.email, phone: `+${String(p.number)}`, companyName: p.company };
        const existing = await findContact(String(p.email));
        const id = existing ?? ((await call('POST', '/contacts/', 'contacts', { ...body, locationId: target.locationId })).contact as { id: string }).id;
        // GHL's update refuses companyName (the create takes it): the simple way drops it there.
        if (existing) await call('PUT', `/contacts/${id}`, 'contacts', { ...body, companyName: undefined });
        await call('POST', `/contacts/${id}/tags`, 'contacts', { tags: p.tags as string[] });
        return;
      }
      case 'task.created': {
        const id = await contactIdFor(p.contact_id);
        await call('POST', `/contacts/${id}/tasks`, 'contacts', { title: p.title, body: p.description, dueDate: new Date(String(p.due_at)).toISOString(), completed: false });
        return;
      }
      case 'task.completed': {
        const id = await contactIdFor(p.contact_id);
        const tasks = ((await call('GET', `/contacts/${id}/tasks`, 'contacts')).tasks as { id: string; title: string }[] | undefined) ?? [];
        const task = tasks.find((candidate) => candidate.title === p.title);
        if (task) await call('PUT', `/contacts/${id}/tasks/${task.id}/completed`, 'contacts', { completed: true });
        return;
      }
      case 'note.created': {
        const id = await contactIdFor(p.contact_id);
        await call('POST', `/contacts/${id}/notes`, 'contacts', { body: p.body });
        return;
      }
      case 'call.ended': {
        const id = await contactIdFor((p.from_contact as { id: number }).id);
        await call('POST', `/contacts/${id}/notes`, 'contacts', { body: `Opkald ${String(p.direction)} ${String(p.started_at)}` });
        return;
      }
      case 'appointment.created': {
        const id = await contactIdFor(p.contact_id);
        await call('POST', '/calendars/events/appointments', 'calendars', {
          calendarId: target.calendarId,
          locationId: target.locationId,
          contactId: id,
          title: p.title,
          startTime: new Date(String(p.starts_at)).toISOString(),
          endTime: new Date(String(p.ends_at)).toISOString(),
        });
        return;
      }
      default:
        throw new Error(`naive consumer: no handling for ${event.event_type}`);
    }
  };

  const started = performance.now();
  const queues = new Map<string, RelatelEventFixture[]>();
  for (const { event } of deliveries) queues.set(entityOfFixture(event), [...(queues.get(entityOfFixture(event)) ?? []), event]);
  await Promise.all(
    [...queues.values()].map(async (events) => {
      for (const event of events) {
        // A child whose contact is not in GHL yet is retried later, as a webhook retry would.
        for (let attempt = 1; ; attempt++) {
          try {
            await handle(event);
            break;
          } catch (error) {
            if (attempt >= 60 || !String((error as Error).message).includes('not in GHL yet')) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      }
    }),
  );
  return { requests, rateLimited, drainMs: performance.now() - started };
}
