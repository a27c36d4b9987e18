/**
 * The GHL simulator's HTTP server. Around each GHL operation (routes.ts) it does what GHL's edge
 * does, in GHL's order: a route must exist, then bearer auth, then the family's Version header,
 * then the location's rate limit, then body validation; every answer carries the X-RateLimit-*
 * headers and a trace id. Injected faults wrap all of it (faults.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { faultingApiHandler, gatewayErrorReply, listenSimulator, releaseSignal, type SimExchange, type SimReply } from '../simulator-kit/http.js';
import { FaultSwitch } from '../simulator-kit/fault-switch.js';
import { RequestLog, type SimCounters, type SimRequestRecord } from '../simulator-kit/request-log.js';
import { handleAdminRequest } from '../simulator-kit/admin.js';
import { systemClock, type SimulatorClock } from './clock.js';
import {
  GhlError,
  badRequest,
  internalServerError,
  noRoute,
  tooManyRequests,
  scopeNotGranted,
  unauthorized,
  unprocessable,
} from './errors.js';
import type { FaultDecision, FaultSettings } from './faults.js';
import { ghlIdGenerator, seededRandom, type Random } from './random.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitSettings } from './rate-limit.js';
import { matchRoute, type LocationSettings, type Route } from './routes.js';
import { GHL_API_VERSIONS } from './spec.js';
import { isRecordKind, SIM_RECORD_KINDS, SimStore, type DuplicateField, type SimRecordKind, type SimAppointment, type SimContact, type SimNote, type SimTask } from './store.js';
import { isPlainObject, validateBody } from './validate.js';
import { rejectUnknownKeys } from './io.js';

/** What a fresh simulator is configured with; the local stack points its GHL settings here. */
export const GHL_SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  token: 'local-ghl-token',
  locationId: 'SimLocation000000001',
  calendarId: 'SimCalendar000000001',
  seed: 1,
  requestLogLimit: 10_000,
} as const;

export interface GhlSimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Bearer tokens accepted (Private Integration Tokens of the simulated location). */
  tokens?: readonly string[];
  locationId?: string;
  calendarIds?: readonly string[];
  allowDuplicates?: boolean;
  duplicateMatchOrder?: readonly DuplicateField[];
  /**
   * Scopes the tokens were created without (e.g. `locations.readonly`): a route that needs one
   * answers 401 as GHL does. Every scope is granted by default.
   */
  missingScopes?: readonly string[];
  rateLimit?: Partial<RateLimitSettings>;
  faults?: Partial<FaultSettings>;
  /** Seeds fault draws and generated ids, so a run can be replayed. */
  seed?: number;
  clock?: SimulatorClock;
  /** The request log keeps this many most recent entries; counters count everything. */
  requestLogLimit?: number;
}

export type { SimCounters, SimRequestRecord } from '../simulator-kit/request-log.js';

/** Read access to everything the simulator holds; every call returns a copy. */
export interface GhlSimulatorState {
  contacts(): SimContact[];
  contact(id: string): SimContact | undefined;
  tasks(contactId?: string): SimTask[];
  notes(contactId?: string): SimNote[];
  appointments(contactId?: string): SimAppointment[];
  requests(): SimRequestRecord[];
  counters(): SimCounters;
  snapshot(): GhlSimulatorSnapshot;
}

export interface GhlSimulatorSnapshot {
  locationId: string;
  calendarIds: string[];
  contacts: SimContact[];
  tasks: SimTask[];
  notes: SimNote[];
  appointments: SimAppointment[];
  counters: SimCounters;
  rateLimit: RateLimitSettings & { remaining: number; dailyRemaining: number };
  faults: FaultSettings;
  seed: number;
}

export interface GhlSimulator {
  url: string;
  port: number;
  locationId: string;
  calendarIds: readonly string[];
  tokens: readonly string[];
  state: GhlSimulatorState;
  /** Changes some fault settings; `seed` restarts the fault draws from that seed. */
  setFaults(changes: Partial<FaultSettings> & { seed?: number }): FaultSettings;
  setRateLimit(changes: Partial<RateLimitSettings>): RateLimitSettings;
  /** Puts a contact in place as if created in GHL's UI (e.g. one with a businessId). */
  seedContact(fields: Record<string, unknown>): SimContact;
  /**
   * Deletes a record as a person would in GHL's UI, behind the sync's back (a contact takes its
   * tasks and notes with it, as in GHL); answers whether it existed.
   */
  deleteRecord(kind: SimRecordKind, id: string): boolean;
  /** Back to how it started: empty state, fresh budgets, initial settings and seed. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startGhlSimulator(options: GhlSimulatorOptions = {}): Promise<GhlSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? GHL_SIMULATOR_DEFAULTS.seed;
  const tokens = new Set(options.tokens ?? [GHL_SIMULATOR_DEFAULTS.token]);
  const missingScopes = new Set(options.missingScopes ?? []);
  const location: LocationSettings = {
    locationId: options.locationId ?? GHL_SIMULATOR_DEFAULTS.locationId,
    calendarIds: [...(options.calendarIds ?? [GHL_SIMULATOR_DEFAULTS.calendarId])],
    allowDuplicates: options.allowDuplicates ?? false,
    duplicateMatchOrder: [...(options.duplicateMatchOrder ?? ['email', 'phone'])],
  };
  rejectUnknownKeys(options.rateLimit ?? {}, DEFAULT_RATE_LIMIT, 'rate limit');
  const initialRateLimit: RateLimitSettings = { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
  const logLimit = options.requestLogLimit ?? GHL_SIMULATOR_DEFAULTS.requestLogLimit;

  const faults = new FaultSwitch(options.faults ?? {}, seed);
  let idRandom: Random = seededRandom(seed ^ 0x5bd1e995);
  const store = new SimStore(ghlIdGenerator(() => idRandom()), () => clock.now());
  const limiter = new RateLimiter(initialRateLimit, () => clock.now());
  const log = new RequestLog(logLimit, () => clock.now());
  const { released: stopped, release: releaseHeld } = releaseSignal();

  function apiReply(req: IncomingMessage, url: URL, rawBody: string, traceId: string, decision: FaultDecision): SimReply {
    // An edge 429 looks like a spent budget, whatever the counters say.
    if (decision.before === 'rate-limit') return { ...errorReply(tooManyRequests()), headers: { 'X-RateLimit-Remaining': '0' } };
    const matched = matchRoute(req.method ?? 'GET', url.pathname);
    if (!matched) throw noRoute(req.method ?? 'GET', url.pathname);
    authenticate(req, tokens);
    checkVersion(req, matched.route);
    if (matched.route.scope !== undefined && missingScopes.has(matched.route.scope)) throw scopeNotGranted();
    if (!limiter.tryConsume()) throw tooManyRequests();
    const body = parseBody(matched.route, rawBody);
    const answer = matched.route.handle({ params: matched.params, query: url.searchParams, body, store, location, traceId });
    return { status: answer.status, json: answer.body };
  }

  const handleApi = faultingApiHandler({
    clock,
    log,
    stopped,
    faults,
    exchange(req, url, rawBody): SimExchange {
      const traceId = randomUUID();
      return {
        operation: matchRoute(req.method ?? 'GET', url.pathname)?.route.operation ?? 'unknown',
        answer(decision) {
          try {
            return apiReply(req, url, rawBody, traceId, decision);
          } catch (error) {
            return errorReply(error instanceof GhlError ? error : internalServerError());
          }
        },
        serverError: serverErrorReply,
        send: (res, reply) => send(res, reply, { ...limiter.headers(), 'X-Trace-Id': traceId, ...reply.headers }, traceId),
      };
    },
  });

  const state: GhlSimulatorState = {
    contacts: () => structuredClone([...store.contacts.values()]),
    contact: (id) => structuredClone(store.contacts.get(id)),
    tasks: (contactId) => structuredClone([...store.tasks.values()].filter((t) => contactId === undefined || t.contactId === contactId)),
    notes: (contactId) => structuredClone([...store.notes.values()].filter((n) => contactId === undefined || n.contactId === contactId)),
    appointments: (contactId) =>
      structuredClone([...store.appointments.values()].filter((a) => contactId === undefined || a.contactId === contactId)),
    requests: () => log.requests(),
    counters: () => log.counters(),
    snapshot: () => ({
      locationId: location.locationId,
      calendarIds: [...location.calendarIds],
      contacts: state.contacts(),
      tasks: state.tasks(),
      notes: state.notes(),
      appointments: state.appointments(),
      counters: state.counters(),
      rateLimit: { ...limiter.current, ...limiter.status() },
      faults: structuredClone(faults.current),
      seed,
    }),
  };

  const control = {
    setFaults: (changes: Partial<FaultSettings> & { seed?: number }) => faults.set(changes),
    setRateLimit: (changes: Partial<RateLimitSettings>) => limiter.configure(changes),
    seedContact(fields: Record<string, unknown>): SimContact {
      const contact = store.createContact(location.locationId, fields);
      if (typeof fields['businessId'] === 'string') contact.businessId = fields['businessId'];
      return structuredClone(contact);
    },
    deleteRecord(kind: string, id: string): boolean {
      if (!isRecordKind(kind)) throw new TypeError(`kind must be one of ${SIM_RECORD_KINDS.join(', ')}`);
      return store.deleteRecord(kind, id);
    },
    reset(): void {
      store.clear();
      faults.reset();
      idRandom = seededRandom(seed ^ 0x5bd1e995);
      limiter.configure(initialRateLimit);
      limiter.reset();
      log.clear();
    },
  };

  const server = await listenSimulator({
    host: options.host ?? GHL_SIMULATOR_DEFAULTS.host,
    port: options.port ?? 0,
    handle: (req, res, url) => (url.pathname.startsWith('/__sim/') ? handleAdminRequest(req, res, url, { state, ...control }) : handleApi(req, res, url)),
    fallback: (res) => send(res, errorReply(internalServerError()), {}, randomUUID()),
    release: releaseHeld,
  });

  return {
    url: server.url,
    port: server.port,
    locationId: location.locationId,
    calendarIds: location.calendarIds,
    tokens: [...tokens],
    state,
    ...control,
    stop: server.stop,
  };
}

function authenticate(req: IncomingMessage, tokens: ReadonlySet<string>): void {
  const header = req.headers.authorization;
  if (!header) throw unauthorized('Authorization header is missing');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match || !tokens.has(match[1] as string)) throw unauthorized('Invalid token: access token is invalid');
}

/** GHL answers a missing or wrong Version with 401, like a bad token. */
function checkVersion(req: IncomingMessage, route: Route): void {
  const version = req.headers['version'];
  if (version === undefined) throw unauthorized('Version header is missing');
  if (version !== GHL_API_VERSIONS[route.family]) throw unauthorized('Version header is invalid for this endpoint');
}

function parseBody(route: Route, rawBody: string): Record<string, unknown> {
  if (!route.body) return {};
  if (rawBody.trim() === '') return checked(route, {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw badRequest('Unexpected token in JSON body');
  }
  if (!isPlainObject(parsed)) throw badRequest('Body must be a JSON object');
  return checked(route, parsed);
}

function checked(route: Route, body: Record<string, unknown>): Record<string, unknown> {
  const messages = validateBody(route.body ?? { fields: {}, required: [] }, body);
  if (messages.length > 0) throw unprocessable(messages);
  return body;
}

function errorReply(error: GhlError): SimReply {
  return { status: error.status, json: error.body };
}

/** 500 comes from GHL's services as JSON; 502-504 come from the gateway in front, as HTML. */
function serverErrorReply(status: number): SimReply {
  if (status === 500) return errorReply(internalServerError());
  return gatewayErrorReply(status);
}

function send(res: ServerResponse, reply: SimReply, headers: Record<string, string>, traceId: string): void {
  if (res.destroyed) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (reply.html !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8' }).end(reply.html);
    return;
  }
  // Error bodies carry the traceId, as GHL's do, so a client can log it with the failure.
  const json = reply.status >= 400 && isPlainObject(reply.json) ? { ...reply.json, traceId } : reply.json;
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(json));
}
