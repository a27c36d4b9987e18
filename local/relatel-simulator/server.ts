/**
 * The Relatel simulator's HTTP server: Relatel's contacts API under `/api/v2` (contacts.ts) with
 * what is around it: a route must exist, then bearer auth (401), then the throttle (429 with
 * Retry-After), then the handler (400, 404, 422). Injected faults wrap all of it, drawn exactly as
 * the GHL simulator draws them (../ghl-simulator/faults.ts): 5xx, 429, no answer, slow answers,
 * and writes applied but answered 5xx or not at all. Controls are under `/__sim/`, as the GHL
 * simulator's (../simulator-kit/admin.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type SimulatorClock } from '../ghl-simulator/clock.js';
import type { FaultDecision, FaultSettings } from '../ghl-simulator/faults.js';
import { rejectUnknownKeys } from '../ghl-simulator/io.js';
import { handleAdminRequest } from '../simulator-kit/admin.js';
import { faultingApiHandler, gatewayErrorReply, listenSimulator, releaseSignal, type SimReply } from '../simulator-kit/http.js';
import { FaultSwitch } from '../simulator-kit/fault-switch.js';
import { RequestLog, type SimCounters, type SimRequestRecord } from '../simulator-kit/request-log.js';
import { checkFields, handleContactRoute, matchContactRoute, type Answer } from './contacts.js';
import { RelatelApiError, internalServerError, notFound, tooManyRequests, unauthorized } from './errors.js';
import { NO_RATE_LIMIT, Throttle, type RelatelRateLimitSettings } from './rate-limit.js';
import { RelatelStore, type ContactFields, type RelatelSimContact } from './store.js';

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

export async function startRelatelSimulator(options: RelatelSimulatorOptions = {}): Promise<RelatelSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? RELATEL_SIMULATOR_DEFAULTS.seed;
  const tokens = new Set(options.tokens ?? [RELATEL_SIMULATOR_DEFAULTS.token]);
  rejectUnknownKeys(options.rateLimit ?? {}, NO_RATE_LIMIT, 'rate limit');
  const initialRateLimit: RelatelRateLimitSettings = { ...NO_RATE_LIMIT, ...options.rateLimit };
  const logLimit = options.requestLogLimit ?? RELATEL_SIMULATOR_DEFAULTS.requestLogLimit;

  const faults = new FaultSwitch(options.faults ?? {}, seed);
  const store = new RelatelStore(options.firstId ?? RELATEL_SIMULATOR_DEFAULTS.firstId);
  const throttle = new Throttle(initialRateLimit, () => clock.now());
  const log = new RequestLog(logLimit, () => clock.now());
  const { released: stopped, release: releaseHeld } = releaseSignal();

  function apiReply(req: IncomingMessage, url: URL, rawBody: string, decision: FaultDecision): SimReply {
    if (decision.before === 'rate-limit') throw tooManyRequests(Math.ceil(throttle.current.intervalMs / 1000));
    const route = matchContactRoute(req.method ?? 'GET', url.pathname, url.searchParams);
    if (!route) throw notFound();
    authenticate(req, tokens);
    const allowed = throttle.tryConsume();
    if (!allowed.ok) throw tooManyRequests(allowed.retryAfterSeconds);
    return answerReply(handleContactRoute(route, url.searchParams, rawBody, store));
  }

  const handleApi = faultingApiHandler({
    clock,
    log,
    stopped,
    faults,
    exchange: (req, url, rawBody) => ({
      operation: matchContactRoute(req.method ?? 'GET', url.pathname, url.searchParams)?.operation ?? 'unknown',
      answer(decision) {
        try {
          return apiReply(req, url, rawBody, decision);
        } catch (error) {
          return errorReply(error instanceof RelatelApiError ? error : internalServerError());
        }
      },
      serverError: serverErrorReply,
      send,
    }),
  });

  const state: RelatelSimulatorState = {
    contacts: () => structuredClone([...store.contacts.values()].sort((a, b) => a.id - b.id)),
    contact: (id) => structuredClone(store.contacts.get(id)),
    requests: () => log.requests(),
    counters: () => log.counters(),
    snapshot: () => ({ contacts: state.contacts(), counters: state.counters(), rateLimit: throttle.current, faults: structuredClone(faults.current), seed }),
  };

  const control = {
    setFaults: (changes: Partial<FaultSettings> & { seed?: number }) => faults.set(changes),
    setRateLimit: (changes: Partial<RelatelRateLimitSettings>) => throttle.configure(changes),
    seedContact({ id, ...fields }: RelatelSeedContact): RelatelSimContact {
      if (id !== undefined && !(Number.isInteger(id) && id > 0)) throw new RangeError('seeded contact id must be a positive integer');
      if (id !== undefined && store.contacts.has(id)) throw new RangeError(`a contact with id ${id} exists already`);
      return structuredClone(store.create(seedFields(fields), id));
    },
    reset(): void {
      store.clear();
      faults.reset();
      throttle.configure(initialRateLimit);
      throttle.reset();
      log.clear();
    },
  };

  const server = await listenSimulator({
    host: options.host ?? RELATEL_SIMULATOR_DEFAULTS.host,
    port: options.port ?? 0,
    handle: (req, res, url) => (url.pathname.startsWith('/__sim/') ? handleAdminRequest(req, res, url, { state, ...control }) : handleApi(req, res, url)),
    fallback: (res) => send(res, errorReply(internalServerError())),
    release: releaseHeld,
  });

  return {
    url: server.url,
    apiBaseUrl: `${server.url}/api/v2`,
    port: server.port,
    tokens: [...tokens],
    state,
    ...control,
    stop: server.stop,
  };
}

/** A seeded contact is checked as the API checks a created one; what is wrong is named by field. */
function seedFields(fields: Omit<RelatelSeedContact, 'id'>): ContactFields & { name: string } {
  try {
    return checkFields(fields as Record<string, unknown>, { creating: true }) as ContactFields & { name: string };
  } catch (error) {
    const errors = error instanceof RelatelApiError ? (error.body['errors'] as Record<string, string[]> | undefined) : undefined;
    if (!errors) throw error;
    throw new RangeError(`invalid seeded contact: ${Object.entries(errors).map(([field, messages]) => `${field} ${messages.join(', ')}`).join('; ')}`);
  }
}

function authenticate(req: IncomingMessage, tokens: ReadonlySet<string>): void {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match || !tokens.has(match[1] as string)) throw unauthorized();
}

function answerReply(answer: Answer): SimReply {
  return { status: answer.status, ...(answer.body !== undefined && { json: answer.body }) };
}

function errorReply(error: RelatelApiError): SimReply {
  return { status: error.status, json: error.body, headers: error.headers };
}

/** 500 comes from the application as JSON; 502-504 from the proxy in front, as HTML. */
function serverErrorReply(status: number): SimReply {
  if (status === 500) return errorReply(internalServerError());
  return gatewayErrorReply(status);
}

function send(res: ServerResponse, reply: SimReply): void {
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
