/** Helpers for the GHL simulator tests: a bare HTTP client, body factories and a fake clock. */
import { afterEach } from 'vitest';
import {
  GHL_API_VERSIONS,
  startGhlSimulator,
  type GhlSimulator,
  type GhlSimulatorOptions,
  type SimulatorClock,
} from '../../../local/ghl-simulator/index.js';

export interface GhlAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Defaults to the Version of the path's API family; null sends none. */
  version?: string | null;
  /** Defaults to the simulator's token; null sends no Authorization header. */
  token?: string | null;
  signal?: AbortSignal;
}

const running: GhlSimulator[] = [];

/** Starts a simulator that is stopped after the current test. */
export async function simulator(options: GhlSimulatorOptions = {}): Promise<GhlSimulator> {
  const sim = await startGhlSimulator(options);
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

export async function call<T = any>(
  sim: GhlSimulator,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<GhlAnswer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = options.token === undefined ? sim.tokens[0] : options.token;
  if (token !== null && token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const version = options.version === undefined ? versionFor(path) : options.version;
  if (version !== null) headers['Version'] = version;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, body: isJson ? JSON.parse(text) : text, headers: response.headers };
}

export function versionFor(path: string): string {
  return path.startsWith('/calendars') ? GHL_API_VERSIONS.calendars : GHL_API_VERSIONS.contacts;
}

// ---- body factories ----

let sequence = 0;

export function contactBody(sim: GhlSimulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    locationId: sim.locationId,
    firstName: 'Mette',
    lastName: `Hansen${sequence}`,
    email: `mette.hansen${sequence}@example.dk`,
    phone: `+45201${String(sequence).padStart(5, '0')}`,
    ...overrides,
  };
}

export async function createContact(sim: GhlSimulator, overrides: Record<string, unknown> = {}) {
  const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, overrides) });
  if (answer.status !== 201) throw new Error(`contact not created: ${answer.status}`);
  return answer.body.contact as { id: string; [field: string]: unknown };
}

export function taskBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: 'Call back', body: 'About the offer', dueDate: '2026-03-02T09:00:00Z', completed: false, ...overrides };
}

export function noteBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { body: 'Customer asked for a quote', ...overrides };
}

export function appointmentBody(
  sim: GhlSimulator,
  contactId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    calendarId: sim.calendarIds[0],
    locationId: sim.locationId,
    contactId,
    startTime: '2026-03-02T10:00:00+01:00',
    endTime: '2026-03-02T10:30:00+01:00',
    title: 'Intro meeting',
    appointmentStatus: 'confirmed',
    toNotify: false,
    ignoreFreeSlotValidation: true,
    ...overrides,
  };
}

// ---- clocks ----

export interface FakeClock extends SimulatorClock {
  advance(ms: number): void;
  /** Every sleep the simulator asked for, in order. */
  readonly sleeps: number[];
}

/** Time stands still until advanced; sleeps return at once (or never, with `sleepsForever`). */
export function fakeClock(start = Date.UTC(2026, 0, 5, 12, 0, 0), sleepsForever = false): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return sleepsForever ? new Promise<void>(() => {}) : Promise.resolve();
    },
    sleeps,
  };
}
