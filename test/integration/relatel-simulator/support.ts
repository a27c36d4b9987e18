/** Helpers for the Relatel simulator tests: simulators stopped after each test and a bare HTTP client. */
import { afterEach } from 'vitest';
import { startRelatelSimulator, type RelatelSimulator, type RelatelSimulatorOptions } from '../../../local/relatel-simulator/index.js';

export interface RelatelAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

const running: RelatelSimulator[] = [];

/** Starts a simulator that is stopped after the current test. */
export async function relatelSimulator(options: RelatelSimulatorOptions = {}): Promise<RelatelSimulator> {
  const sim = await startRelatelSimulator(options);
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

/** A request to the API (`path` below `/api/v2`), with the simulator's token unless `token` says otherwise (null: none). */
export async function call<T = any>(
  sim: RelatelSimulator,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null } = {},
): Promise<RelatelAnswer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = options.token === undefined ? sim.tokens[0] : options.token;
  if (token !== null && token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sim.apiBaseUrl}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, body: isJson ? JSON.parse(text) : text, headers: response.headers };
}

/** `count` contacts seeded with ids from `firstId`, numbers 45200000nn. */
export function seedContacts(sim: RelatelSimulator, count: number, firstId = 1): void {
  for (let i = 0; i < count; i += 1) {
    sim.seedContact({ id: firstId + i, name: `Kunde ${firstId + i}`, number: `4520${String(firstId + i).padStart(6, '0')}` });
  }
}
