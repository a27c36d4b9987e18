/**
 * The Relatel simulator's HTTP server: Relatel's contacts API under `/api/v2` (contacts.ts) with
 * what is around it: a route must exist, then bearer auth (401), then the throttle (429 with
 * Retry-After), then the handler (400, 404, 422). Injected faults wrap all of it, drawn exactly as
 * the GHL simulator draws them (../ghl-simulator/faults.ts): 5xx, 429, no answer, slow answers,
 * and writes applied but answered 5xx or not at all. Controls are under `/__sim/` (admin.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type SimulatorClock } from '../ghl-simulator/clock.js';
import { NO_FAULTS, checkFaults, decideFaults, type FaultDecision, type FaultKind, type FaultSettings } from '../ghl-simulator/faults.js';
import { readBody, rejectUnknownKeys } from '../ghl-simulator/io.js';
import { seededRandom, type Random } from '../ghl-simulator/random.js';
import type { SimCounters, SimRequestRecord } from '../ghl-simulator/server.js';
import { handleRelatelAdminRequest } from './admin.js';
import { checkFields, handleContactRoute, matchContactRoute, type Answer } from './contacts.js';
import { RelatelApiError, internalServerError, notFound, tooManyRequests, unauthorized } from './errors.js';
import { NO_RATE_LIMIT, Throttle, type RelatelRateLimitSettings } from './rate-limit.js';
import { RelatelStore, type RelatelSimContact } from './store.js';

/** What a fresh simulator is configured with; the local stack points its Relatel settings here. */
export const RELATEL_SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  token: 'local-relatel-token',
  /** Ids of created contacts count up from here. */
  firstId: 1000,
  seed: 1,
  requestLogLimit: 10_000,
} as const;

export interface RelatelSimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Bearer tokens accepted (several = a rotation in progress). */
  tokens?: readonly string[];
  firstId?: number;
  /** None by default: Relatel documents no limit. */
  rateLimit?: Partial<RelatelRateLimitSettings>;
  faults?: Partial<FaultSettings>;
  /** Seeds the fault draws, so a run can be replayed. */
  seed?: number;
  clock?: SimulatorClock;
  /** The request log keeps this many most recent entries; counters count everything. */
  requestLogLimit?: number;
}

/** A contact to put in place as if made in Relatel's app: an `id` of your choice, or the next one. */
export interface RelatelSeedContact {
  id?: number;
  name: string;
  number?: string | null;
  email?: string | null;
}

/** Read access to everything the simulator holds; every call returns a copy. */
export interface RelatelSimulatorState {
  contacts(): RelatelSimContact[];
  contact(id: number): RelatelSimContact | undefined;
  requests(): SimRequestRecord[];
  counters(): SimCounters;
  snapshot(): RelatelSimulatorSnapshot;
}

export interface RelatelSimulatorSnapshot {
  contacts: RelatelSimContact[];
  counters: SimCounters;
  rateLimit: RelatelRateLimitSettings;
  faults: FaultSettings;
  seed: number;
}

export interface RelatelSimulator {
  /** The server's root (`/__sim/` lives here). */
  url: string;
  /** What a Relatel client takes as its base URL (RELATEL_API_BASE_URL): `<url>/api/v2`. */
  apiBaseUrl: string;
  port: number;
  tokens: readonly string[];
  state: RelatelSimulatorState;
  /** Changes some fault settings; `seed` restarts the fault draws from that seed. */
  setFaults(changes: Partial<FaultSettings> & { seed?: number }): FaultSettings;
  /** `{ maxPerInterval: 0 }` answers every request 429; `{ maxPerInterval: null }` lifts the limit. */
  setRateLimit(changes: Partial<RelatelRateLimitSettings>): RelatelRateLimitSettings;
  seedContact(contact: RelatelSeedContact): RelatelSimContact;
  /** Back to how it started: no contacts, empty log, initial settings and seed. */
  reset(): void;
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

export async function startRelatelSimulator(options: RelatelSimulatorOptions = {}): Promise<RelatelSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? RELATEL_SIMULATOR_DEFAULTS.seed;
  const tokens = new Set(options.tokens ?? [RELATEL_SIMULATOR_DEFAULTS.token]);
  rejectUnknownKeys(options.faults ?? {}, NO_FAULTS, 'fault');
  const initialFaults = checkFaults({ ...NO_FAULTS, ...options.faults });
  rejectUnknownKeys(options.rateLimit ?? {}, NO_RATE_LIMIT, 'rate limit');
  const initialRateLimit: RelatelRateLimitSettings = { ...NO_RATE_LIMIT, ...options.rateLimit };
  const logLimit = options.requestLogLimit ?? RELATEL_SIMULATOR_DEFAULTS.requestLogLimit;

  let faults = initialFaults;
  let faultRandom: Random = seededRandom(seed);
  const store = new RelatelStore(options.firstId ?? RELATEL_SIMULATOR_DEFAULTS.firstId);
  const throttle = new Throttle(initialRateLimit, () => clock.now());
  let log: SimRequestRecord[] = [];
  let counters = emptyCounters();
  let seq = 0;
  let releaseHeld: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });

  function record(entry: Omit<SimRequestRecord, 'seq' | 'at'>): void {
    seq += 1;
    log.push({ seq, at: new Date(clock.now()).toISOString(), ...entry });
    if (log.length > logLimit) log.splice(0, log.length - logLimit);
    counters.total += 1;
    bump(counters.byStatus, String(entry.status));
    bump(counters.byOperation, entry.operation);
    for (const fault of entry.faults) bump(counters.byFault, fault);
  }

  /** Never answers: holds the request until the client gives up, or drops the connection. */
  async function withhold(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (faults.timeoutMode === 'hang') {
      const clientGone = new Promise<void>((resolve) => res.once('close', () => resolve()));
      await Promise.race([clientGone, clock.sleep(faults.hangMs), stopped]);
    }
    req.socket.destroy();
  }

  function apiReply(req: IncomingMessage, url: URL, rawBody: string, decision: FaultDecision): Reply {
    if (decision.before === 'server-error') return serverErrorReply(decision.serverErrorStatus);
    if (decision.before === 'rate-limit') throw tooManyRequests(Math.ceil(throttle.current.intervalMs / 1000));
    const route = matchContactRoute(req.method ?? 'GET', url.pathname, url.searchParams);
    if (!route) throw notFound();
    authenticate(req, tokens);
    const allowed = throttle.tryConsume();
    if (!allowed.ok) throw tooManyRequests(allowed.retryAfterSeconds);
    return answerReply(handleContactRoute(route, url.searchParams, rawBody, store));
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    // Drawn on arrival, before any await, so the draws follow request order.
    const decision = decideFaults(faults, faultRandom);
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const operation = matchContactRoute(method, url.pathname, url.searchParams)?.operation ?? 'unknown';
    const seen: FaultKind[] = [];
    // The path only: a query may carry a phone number.
    const finish = (status: number) => record({ method, path: url.pathname, operation, status, durationMs: performance.now() - started, faults: seen });

    if (decision.slowMs > 0) {
      seen.push('slow');
      await clock.sleep(decision.slowMs);
    }
    if (decision.before) seen.push(decision.before);
    if (decision.before === 'timeout') {
      await withhold(req, res);
      return finish(0);
    }

    let reply: Reply;
    try {
      reply = apiReply(req, url, rawBody, decision);
    } catch (error) {
      reply = errorReply(error instanceof RelatelApiError ? error : internalServerError());
    }

    const appliedWrite = method !== 'GET' && reply.status < 300 && decision.before === undefined;
    if (appliedWrite && decision.afterWrite) {
      seen.push(decision.afterWrite);
      if (decision.afterWrite === 'after-write-timeout') {
        await withhold(req, res);
        return finish(0);
      }
      reply = serverErrorReply(decision.serverErrorStatus);
    }
    send(res, reply);
    finish(reply.status);
  }

  const state: RelatelSimulatorState = {
    contacts: () => structuredClone([...store.contacts.values()].sort((a, b) => a.id - b.id)),
    contact: (id) => structuredClone(store.contacts.get(id)),
    requests: () => structuredClone(log),
    counters: () => structuredClone(counters),
    snapshot: () => ({ contacts: state.contacts(), counters: state.counters(), rateLimit: throttle.current, faults: structuredClone(faults), seed }),
  };

  const control = {
    setFaults({ seed: newSeed, ...changes }: Partial<FaultSettings> & { seed?: number }): FaultSettings {
      rejectUnknownKeys(changes, NO_FAULTS, 'fault');
      faults = checkFaults({ ...faults, ...changes });
      if (newSeed !== undefined) faultRandom = seededRandom(newSeed);
      return structuredClone(faults);
    },
    setRateLimit: (changes: Partial<RelatelRateLimitSettings>) => throttle.configure(changes),
    seedContact({ id, ...fields }: RelatelSeedContact): RelatelSimContact {
      if (id !== undefined && !(Number.isInteger(id) && id > 0)) throw new RangeError('seeded contact id must be a positive integer');
      if (id !== undefined && store.contacts.has(id)) throw new RangeError(`a contact with id ${id} exists already`);
      const checked = checkFields(fields as Record<string, unknown>, { creating: true }) as RelatelSeedContact;
      return structuredClone(store.create(checked, id));
    },
    reset(): void {
      store.clear();
      faults = initialFaults;
      faultRandom = seededRandom(seed);
      throttle.configure(initialRateLimit);
      throttle.reset();
      log = [];
      counters = emptyCounters();
      seq = 0;
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const handled = url.pathname.startsWith('/__sim/') ? handleRelatelAdminRequest(req, res, url, { state, ...control }) : handleApi(req, res, url);
    handled.catch(() => {
      if (!res.headersSent) send(res, errorReply(internalServerError()));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? RELATEL_SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  const url = `http://${address}:${port}`;

  return {
    url,
    apiBaseUrl: `${url}/api/v2`,
    port,
    tokens: [...tokens],
    state,
    ...control,
    stop: () => {
      // Idempotent: a test may stop it and its teardown stop it again.
      stopping ??= new Promise<void>((resolve, reject) => {
        releaseHeld();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

function authenticate(req: IncomingMessage, tokens: ReadonlySet<string>): void {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match || !tokens.has(match[1] as string)) throw unauthorized();
}

function answerReply(answer: Answer): Reply {
  return { status: answer.status, ...(answer.body !== undefined && { json: answer.body }) };
}

function errorReply(error: RelatelApiError): Reply {
  return { status: error.status, json: error.body, headers: error.headers };
}

/** 500 comes from the application as JSON; 502-504 from the proxy in front, as HTML. */
function serverErrorReply(status: number): Reply {
  if (status === 500) return errorReply(internalServerError());
  return { status, html: `<html><head><title>${status}</title></head><body><h1>${status}</h1></body></html>` };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.html !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8' }).end(reply.html);
  } else if (reply.json === undefined) {
    res.writeHead(reply.status).end();
  } else {
    res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply.json));
  }
}

function emptyCounters(): SimCounters {
  return { total: 0, byStatus: {}, byOperation: {}, byFault: {} };
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
