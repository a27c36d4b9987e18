/**
 * No personal data in logs (issue 5): a full run at DEBUG level, with metrics on, GHL failing
 * some requests and one event parked, while every byte the process writes to stdout or stderr
 * and every console call is captured. None of the personal values the events carried (names,
 * e-mails, phone numbers, companies, tags, appointment locations, note, task and appointment
 * texts) may appear in any of it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEvent } from '../../local/send.js';
import type { RelatelEventFixture } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';
import { buildWorkload } from './workload.js';

const EXAMPLES = [
  'webhook.test', 'contact.created', 'call.ended', 'contact.updated', 'note.created', 'task.created', 'appointment.created',
  'note.updated', 'note.deleted', 'task.updated', 'appointment.updated', 'appointment.cancelled', 'appointment.deleted',
  'task.completed', 'task.deleted', 'contact.deleted',
];
const workload = buildWorkload(10, { runId: 'hygiene', firstContactId: 710_000 });
const refusedTask: RelatelEventFixture = {
  delivery_id: 'dlv_hygiene_refused',
  event_type: 'task.created',
  occurred_at: '2026-03-02T09:00:00.000Z',
  payload: { id: 899_998, contact_id: 710_000, title: 'Ring til Mette Kirstine', description: 'mette.hansen@example.dk', due_at: '9999-12-31T23:30:00-05:00' },
};
const sentEvents: RelatelEventFixture[] = [...EXAMPLES.map((name) => loadEvent(name) as RelatelEventFixture), ...workload.events, refusedTask];

const captured: string[] = [];
let e2e: E2eStack;

function captureEverything(): void {
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      // Swallowed: the point is to read them, not to flood the test output.
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write);
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      captured.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
}

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  captureEverything();
  e2e = await startE2eStack({
    logLevel: 'DEBUG',
    print: (line) => console.log(line),
    simulator: { seed: 3, faults: { serverErrorRate: 0.2, rateLimitRate: 0.1, timeoutRate: 0.05, afterWriteServerErrorRate: 0.05 } },
    queues: { visibilityTimeoutSeconds: 4, maxReceiveCount: 30 },
  });
  for (const name of EXAMPLES) {
    await e2e.send(loadEvent(name) as RelatelEventFixture);
    await e2e.drained();
  }
  // Relatel holds every contact its webhooks name: a child ahead of its contact reads it there.
  e2e.relatelHolds(workload.events);
  for (const event of [...workload.events, refusedTask]) await e2e.send(event);
  await e2e.drained(150_000);
}, 200_000);

afterAll(async () => {
  await e2e?.stop();
  vi.restoreAllMocks();
});

/**
 * Every personal field the payloads carry (test/factories, examples/): who a contact is (names,
 * e-mail, company, tags), where an appointment happens, what a note, task or appointment says.
 * `endpoint_name` is the company's own phone line ("Salg"), not a person's.
 */
const PERSONAL_TEXT_FIELDS = ['name', 'first_name', 'last_name', 'email', 'company', 'tags', 'location', 'body', 'description', 'title'];
const PHONE_FIELDS = ['number', 'from_number', 'to_number'];

/** Every personal value the events carried, in the forms it may take on the way to GHL. */
function personalValues(events: RelatelEventFixture[]): string[] {
  const values = new Set<string>();
  const visit = (key: string, value: unknown): void => {
    // A list keeps its field's name: each tag is a tag.
    if (Array.isArray(value)) return value.forEach((item) => visit(key, item));
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(k, v);
      return;
    }
    if (typeof value !== 'string' || value.trim().length < 4) return;
    if (PERSONAL_TEXT_FIELDS.includes(key) || (key.endsWith('_name') && key !== 'endpoint_name')) {
      values.add(value);
      values.add(value.toLowerCase());
    }
    if (PHONE_FIELDS.includes(key)) {
      values.add(value);
      values.add(`+${value}`);
      // As the call note writes it: +45 71 99 99 99.
      values.add(`+${value.slice(0, 2)} ${value.slice(2).replace(/(\d{2})(?=\d)/g, '$1 ')}`);
    }
  };
  for (const event of events) visit('', event.payload);
  return [...values];
}

describe('log hygiene over a full run', () => {
  it('captured the run: handler logs, metrics, the stack output and the parked event', () => {
    const text = captured.join('');
    expect(text).toContain('"service":"webhook"');
    expect(text).toContain('"service":"consumer-contacts"');
    expect(text).toContain('CloudWatchMetrics');
    expect(text).toMatch(/synced\s+contacts\s+\d+ -> \S+\s+contact\.created/);
    expect(text).toContain('Event parked in the DLQ');
  });

  it('looks for every kind of personal field the events carry', () => {
    const values = personalValues(sentEvents);
    // One of each, from examples/: a company, an address, a tag, a note's text, a task's title.
    expect(values).toEqual(
      expect.arrayContaining(['Hansen Tømrer ApS', 'Vestergade 12, 8000 Aarhus C', 'aarhus', 'Ringede angående tilbud på tag. Vender tilbage fredag.', 'Send tilbud']),
    );
  });

  it('wrote no e-mail, phone number, name, company, address, tag or text of any event', () => {
    const text = captured.join('');
    const leaked = personalValues(sentEvents).filter((value) => text.includes(value));
    expect(leaked).toEqual([]);
  });
});
