/**
 * A small, strict stand-in for GHL API v2 for client tests: it checks every request against
 * what the official OpenAPI specs (apps/contacts.json, apps/calendars.json, apps/oauth.json,
 * and GET /locations/{locationId} of apps/locations.json)
 * require, records what it saw, and answers with realistic GHL bodies.
 *
 * Checked: method and path exist in the spec; `Authorization: Bearer <accepted token>`;
 * `Version` of the path's family; `Accept: application/json`; JSON content type when a body
 * is sent; required query parameters; and the body, by the GHL simulator's own rules and
 * validator (local/ghl-simulator/spec.ts is the one place the request contract is written
 * down): required properties present, no property the spec does not list (so a `locationId`
 * where the spec has none is caught), types and enums. Value formats (e-mail, E.164, ISO
 * dates) are relaxed to their JSON type: the client passes values through unchanged, so they
 * are the mapping's business, and these tests use placeholders. A failed check is recorded in
 * `violations` AND answered as GHL would (401 for a bad token or Version, 422 for a bad body),
 * so a test sees both.
 *
 * Not a simulator: it keeps no records. Tests script the answers they need with `script()`.
 * The full GHL simulator of the local stack lives in local/ghl-simulator/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BODY_RULES, GHL_API_VERSIONS, type ApiFamily, type BodyRule, type FieldRule } from '../../local/ghl-simulator/spec.js';
import { isPlainObject as isObject, validateBody } from '../../local/ghl-simulator/validate.js';

interface RouteContext {
  params: Record<string, string>;
  body: Record<string, unknown>;
  query: URLSearchParams;
  server: SpecCheckingGhlServer;
}

interface RouteSpec {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: string;
  family: ApiFamily;
  requiredQuery?: readonly string[];
  body?: BodyRule;
  status: number;
  reply: (context: RouteContext) => unknown;
}

// Realistic answer bodies, shaped like the specs' response schemas.
let sequence = 0;
const newId = (prefix: string) => `${prefix}${(++sequence).toString().padStart(6, '0')}GhlSpecTest`.slice(0, 20);
const timestamp = () => '2026-05-04T10:15:30.000Z';

export function contactReply(id: string, fields: Record<string, unknown> = {}, locationId = 'loc-test'): Record<string, unknown> {
  return {
    id,
    locationId,
    firstName: 'Test',
    lastName: 'Person',
    email: 'test.person@example.com',
    phone: '+4512345678',
    tags: [],
    type: 'lead',
    dateAdded: timestamp(),
    dateUpdated: timestamp(),
    customFields: [],
    ...fields,
  };
}
const taskReply = (contactId: string, id: string, fields: Record<string, unknown> = {}) => ({
  id,
  title: 'Call back',
  body: 'Follow up',
  assignedTo: null,
  dueDate: '2026-05-05T10:00:00Z',
  completed: false,
  contactId,
  ...fields,
});
const noteReply = (contactId: string, id: string, fields: Record<string, unknown> = {}) => ({
  id,
  body: 'Note text',
  userId: null,
  dateAdded: timestamp(),
  contactId,
  ...fields,
});
const appointmentReply = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  calendarId: 'cal-test',
  locationId: 'loc-test',
  contactId: 'contact-test',
  startTime: '2026-05-06T09:00:00+02:00',
  endTime: '2026-05-06T09:30:00+02:00',
  title: 'Meeting',
  appointmentStatus: 'confirmed',
  meetingLocationType: 'default',
  isRecurring: false,
  ...fields,
});

const ROUTES: readonly RouteSpec[] = [
  // The location (apps/locations.json, scope locations.readonly)
  { operation: 'get-location', method: 'GET', pattern: '/locations/:locationId', family: 'locations', status: 200,
    reply: ({ params }) => ({ location: { id: params.locationId, companyId: 'company-test', name: 'Test sub-account', timezone: 'Europe/Copenhagen',
      settings: { allowDuplicateContact: false, allowDuplicateOpportunity: false, allowFacebookNameMerge: false, disableContactTimezone: false } } }) },
  // Contacts
  { operation: 'get-contacts', method: 'GET', pattern: '/contacts/', family: 'contacts', requiredQuery: ['locationId'], status: 200,
    reply: ({ query }) => ({ contacts: [contactReply(newId('c'), {}, query.get('locationId') ?? '')], count: 1 }) },
  { operation: 'search-contacts-advanced', method: 'POST', pattern: '/contacts/search', family: 'contacts', status: 200,
    body: BODY_RULES.searchContacts,
    reply: ({ body }) => ({ contacts: [contactReply(newId('c'), {}, String(body.locationId))], total: 1 }) },
  { operation: 'get-contacts-by-businessId', method: 'GET', pattern: '/contacts/business/:businessId', family: 'contacts',
    requiredQuery: ['locationId'], status: 200,
    reply: ({ params, query }) => ({ contacts: [contactReply(newId('c'), { businessId: params.businessId }, query.get('locationId') ?? '')], count: 1 }) },
  { operation: 'create-contact', method: 'POST', pattern: '/contacts/', family: 'contacts', status: 201,
    body: BODY_RULES.createContact,
    reply: ({ body }) => ({ contact: contactReply(newId('c'), body, String(body.locationId)) }) },
  { operation: 'upsert-contact', method: 'POST', pattern: '/contacts/upsert', family: 'contacts', status: 200,
    body: BODY_RULES.upsertContact,
    reply: ({ body }) => ({ new: true, contact: contactReply(newId('c'), body, String(body.locationId)), traceId: newId('t') }) },
  { operation: 'get-contact', method: 'GET', pattern: '/contacts/:contactId', family: 'contacts', status: 200,
    reply: ({ params }) => ({ contact: contactReply(params.contactId ?? '') }) },
  { operation: 'update-contact', method: 'PUT', pattern: '/contacts/:contactId', family: 'contacts', status: 200,
    body: BODY_RULES.updateContact,
    reply: ({ params, body }) => ({ succeded: true, contact: contactReply(params.contactId ?? '', body) }) },
  { operation: 'delete-contact', method: 'DELETE', pattern: '/contacts/:contactId', family: 'contacts', status: 200,
    reply: () => ({ succeded: true }) },
  { operation: 'add-tags', method: 'POST', pattern: '/contacts/:contactId/tags', family: 'contacts', status: 201,
    body: BODY_RULES.tags, reply: ({ body }) => ({ tags: body.tags }) },
  { operation: 'remove-tags', method: 'DELETE', pattern: '/contacts/:contactId/tags', family: 'contacts', status: 200,
    body: BODY_RULES.tags, reply: () => ({ tags: [] }) },
  // Tasks
  { operation: 'get-all-tasks', method: 'GET', pattern: '/contacts/:contactId/tasks', family: 'contacts', status: 200,
    reply: ({ params }) => ({ tasks: [taskReply(params.contactId ?? '', newId('k'))] }) },
  { operation: 'create-task', method: 'POST', pattern: '/contacts/:contactId/tasks', family: 'contacts', status: 201,
    body: BODY_RULES.createTask,
    reply: ({ params, body }) => ({ task: taskReply(params.contactId ?? '', newId('k'), body) }) },
  { operation: 'get-task', method: 'GET', pattern: '/contacts/:contactId/tasks/:taskId', family: 'contacts', status: 200,
    reply: ({ params }) => ({ task: taskReply(params.contactId ?? '', params.taskId ?? '') }) },
  { operation: 'update-task', method: 'PUT', pattern: '/contacts/:contactId/tasks/:taskId', family: 'contacts', status: 200,
    body: BODY_RULES.updateTask,
    reply: ({ params, body }) => ({ task: taskReply(params.contactId ?? '', params.taskId ?? '', body) }) },
  { operation: 'update-task-completed', method: 'PUT', pattern: '/contacts/:contactId/tasks/:taskId/completed', family: 'contacts',
    status: 200, body: BODY_RULES.taskCompleted,
    reply: ({ params, body }) => ({ task: taskReply(params.contactId ?? '', params.taskId ?? '', body) }) },
  { operation: 'delete-task', method: 'DELETE', pattern: '/contacts/:contactId/tasks/:taskId', family: 'contacts', status: 200,
    reply: () => ({ succeded: true }) },
  // Notes
  { operation: 'get-all-notes', method: 'GET', pattern: '/contacts/:contactId/notes', family: 'contacts', status: 200,
    reply: ({ params }) => ({ notes: [noteReply(params.contactId ?? '', newId('n'))] }) },
  { operation: 'create-note', method: 'POST', pattern: '/contacts/:contactId/notes', family: 'contacts', status: 201,
    body: BODY_RULES.createNote,
    reply: ({ params, body }) => ({ note: noteReply(params.contactId ?? '', newId('n'), body) }) },
  { operation: 'get-note', method: 'GET', pattern: '/contacts/:contactId/notes/:id', family: 'contacts', status: 200,
    reply: ({ params }) => ({ note: noteReply(params.contactId ?? '', params.id ?? '') }) },
  { operation: 'update-note', method: 'PUT', pattern: '/contacts/:contactId/notes/:id', family: 'contacts', status: 200,
    body: BODY_RULES.updateNote,
    reply: ({ params, body }) => ({ note: noteReply(params.contactId ?? '', params.id ?? '', body) }) },
  { operation: 'delete-note', method: 'DELETE', pattern: '/contacts/:contactId/notes/:id', family: 'contacts', status: 200,
    reply: () => ({ succeded: true }) },
  // Appointments
  { operation: 'get-appointments-for-contact', method: 'GET', pattern: '/contacts/:contactId/appointments', family: 'contacts',
    status: 200, reply: ({ params }) => ({ events: [appointmentReply(newId('e'), { contactId: params.contactId })] }) },
  { operation: 'create-appointment', method: 'POST', pattern: '/calendars/events/appointments', family: 'calendars', status: 200,
    body: BODY_RULES.createAppointment,
    reply: ({ body }) => appointmentReply(newId('e'), body) },
  { operation: 'edit-appointment', method: 'PUT', pattern: '/calendars/events/appointments/:eventId', family: 'calendars',
    status: 200, body: BODY_RULES.updateAppointment,
    reply: ({ params, body }) => appointmentReply(params.eventId ?? '', body) },
  { operation: 'get-appointment', method: 'GET', pattern: '/calendars/events/appointments/:eventId', family: 'calendars',
    status: 200, reply: ({ params }) => ({ event: appointmentReply(params.eventId ?? '', { groupId: 'g1', users: [] }) }) },
  { operation: 'delete-event', method: 'DELETE', pattern: '/calendars/events/:eventId', family: 'calendars', status: 201,
    body: BODY_RULES.deleteEvent, reply: () => ({ succeeded: true }) },
];

export interface RecordedRequest {
  operation: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON (or form fields for /oauth/token); undefined without a body. */
  body: Record<string, unknown> | undefined;
}

/** A scripted answer: replaces the default answer of the next matching request. */
export interface ScriptedReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (until the server closes): for timeout tests. */
  hang?: boolean;
}

/** GHL's error bodies. */
export const ghlErrors = {
  badRequest: (message = 'Bad Request') => ({ statusCode: 400, message, traceId: newId('t') }),
  unauthorized: (message = 'Invalid token: access token is invalid') => ({ statusCode: 401, message, error: 'Unauthorized', traceId: newId('t') }),
  forbidden: () => ({ statusCode: 403, message: 'The token does not have access to this location.', traceId: newId('t') }),
  notFound: (message = 'Not Found') => ({ statusCode: 404, message, traceId: newId('t') }),
  unprocessable: (messages: string[]) => ({ statusCode: 422, message: messages, error: 'Unprocessable Entity', traceId: newId('t') }),
  tooManyRequests: () => ({ statusCode: 429, message: 'Too many requests', traceId: newId('t') }),
  serverError: () => ({ statusCode: 500, message: 'Internal server error', traceId: newId('t') }),
  duplicateContact: (contactId: string, matchingField = 'email') => ({
    statusCode: 400,
    message: 'This location does not allow duplicated contacts.',
    meta: { contactId, matchingField },
    traceId: newId('t'),
  }),
};

export const DEFAULT_RATE_LIMIT_HEADERS: Readonly<Record<string, string>> = {
  'X-RateLimit-Max': '100',
  'X-RateLimit-Remaining': '99',
  'X-RateLimit-Interval-Milliseconds': '10000',
  'X-RateLimit-Limit-Daily': '200000',
  'X-RateLimit-Daily-Remaining': '199999',
};

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  locationId: string;
}

export class SpecCheckingGhlServer {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly acceptedTokens = new Set<string>();
  /** Refresh tokens GHL would honour; each works once (a refresh returns a new one). */
  readonly validRefreshTokens = new Set<string>();
  oauthApp?: OAuthApp;
  private readonly scripts: { operation: string; reply: ScriptedReply }[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private issued = 0;
  private server?: Server;
  url = '';

  constructor(tokens: string[] = ['pit-test-token']) {
    for (const token of tokens) this.acceptedTokens.add(token);
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Forgets requests, violations, scripts and issued OAuth tokens (accepted tokens stay). */
  reset(): this {
    this.requests.length = 0;
    this.violations.length = 0;
    this.scripts.length = 0;
    this.issued = 0;
    return this;
  }

  /** The next request of `operation` (spec operationId, e.g. `create-contact`) gets this answer. */
  script(operation: string, reply: ScriptedReply, times = 1): this {
    for (let i = 0; i < times; i++) this.scripts.push({ operation, reply });
    return this;
  }

  /** Scripted answers no request has used yet (a test that leaves some scripted the wrong thing). */
  get unusedScripts(): number {
    return this.scripts.length;
  }

  requestsOf(operation: string): RecordedRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const raw = await readBody(request);
    const method = request.method ?? 'GET';
    if (method === 'POST' && url.pathname === '/oauth/token') return this.handleOAuth(request, response, raw);

    const match = matchRoute(method, url.pathname);
    if (!match) {
      this.violations.push(`${method} ${url.pathname} is not an operation of the spec`);
      return send(response, 404, ghlErrors.notFound(`Cannot ${method} ${url.pathname}`));
    }
    const { route, params } = match;
    const body = parseJsonBody(raw);
    const recorded: RecordedRequest = {
      operation: route.operation,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: pickHeaders(request),
      body: isObject(body) ? body : undefined,
    };
    this.requests.push(recorded);
    const problems: string[] = [];
    const fail = (status: number, problem: string, reply: unknown) => {
      this.violations.push(`${route.operation}: ${problem}`);
      return send(response, status, reply);
    };

    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) return fail(401, 'no bearer Authorization header', ghlErrors.unauthorized());
    const version = GHL_API_VERSIONS[route.family];
    if (request.headers.version !== version) {
      return fail(401, `Version header must be ${version}, was ${String(request.headers.version)}`, ghlErrors.unauthorized('Version header is invalid'));
    }
    if (request.headers.accept !== 'application/json') problems.push('Accept must be application/json');
    for (const name of route.requiredQuery ?? []) if (!url.searchParams.get(name)) problems.push(`query ${name} is required`);
    if (route.body) {
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) problems.push('Content-Type must be application/json');
      if (!isObject(body)) problems.push('a JSON object body is required');
      else problems.push(...validateBody(typesOnly(route.body), body));
    } else if (raw.length > 0) {
      problems.push('this operation takes no body');
    }
    if (problems.length > 0) return fail(422, problems.join('; '), ghlErrors.unprocessable(problems));
    // A well-formed request with a token GHL does not know: a real 401, not a client bug.
    if (!this.acceptedTokens.has(token)) return send(response, 401, ghlErrors.unauthorized());

    const scripted = this.takeScript(route.operation);
    if (scripted?.hang) {
      this.hanging.add(response);
      return;
    }
    if (scripted) return send(response, scripted.status ?? 200, scripted.body, scripted.headers);
    const reply = route.reply({ params, body: isObject(body) ? body : {}, query: url.searchParams, server: this });
    return send(response, route.status, reply);
  }

  private handleOAuth(request: IncomingMessage, response: ServerResponse, raw: string) {
    const form = new URLSearchParams(raw);
    const fields = Object.fromEntries(form);
    this.requests.push({
      operation: 'get-access-token',
      method: 'POST',
      path: '/oauth/token',
      query: {},
      headers: pickHeaders(request),
      body: fields,
    });
    const problems: string[] = [];
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      problems.push('Content-Type must be application/x-www-form-urlencoded');
    }
    const allowed = ['client_id', 'client_secret', 'grant_type', 'code', 'refresh_token', 'user_type', 'redirect_uri'];
    for (const name of Object.keys(fields)) if (!allowed.includes(name)) problems.push(`property ${name} should not exist`);
    for (const name of ['client_id', 'client_secret', 'grant_type']) if (!fields[name]) problems.push(`${name} is required`);
    if (fields.grant_type !== 'refresh_token') problems.push('grant_type must be refresh_token');
    if (!fields.refresh_token) problems.push('refresh_token is required');
    if (fields.user_type !== 'Location') problems.push('user_type must be Location');
    if (problems.length > 0) {
      this.violations.push(`get-access-token: ${problems.join('; ')}`);
      return send(response, 422, ghlErrors.unprocessable(problems));
    }
    const app = this.oauthApp;
    if (!app || fields.client_id !== app.clientId || fields.client_secret !== app.clientSecret) {
      return send(response, 401, ghlErrors.unauthorized('Invalid client credentials'));
    }
    if (!this.validRefreshTokens.delete(fields.refresh_token ?? '')) {
      return send(response, 401, ghlErrors.unauthorized('Invalid grant: refresh token is invalid'));
    }
    this.issued += 1;
    const accessToken = `oauth-access-${this.issued}`;
    const refreshToken = `oauth-refresh-${this.issued}`;
    this.acceptedTokens.add(accessToken);
    this.validRefreshTokens.add(refreshToken);
    return send(response, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 86399,
      refresh_token: refreshToken,
      scope: 'contacts.write contacts.readonly calendars/events.write',
      userType: 'Location',
      locationId: app.locationId,
      companyId: 'company-test',
      userId: 'user-test',
    });
  }

  private takeScript(operation: string): ScriptedReply | undefined {
    const index = this.scripts.findIndex((script) => script.operation === operation);
    if (index < 0) return undefined;
    return this.scripts.splice(index, 1)[0]?.reply;
  }
}

export async function startSpecCheckingGhlServer(tokens?: string[]): Promise<SpecCheckingGhlServer> {
  return new SpecCheckingGhlServer(tokens).start();
}

function matchRoute(method: string, path: string): { route: RouteSpec; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const source = route.pattern.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = new RegExp(`^${source}$`).exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
      return { route, params };
    }
  }
  return undefined;
}

/** The rule with value formats relaxed to their JSON type (nullable where the spec says so). */
function typesOnly(rule: BodyRule): BodyRule {
  const relax = (field: FieldRule): FieldRule => (typeof field === 'string' ? (FORMAT_TYPES[field] ?? field) : field);
  const fields = Object.fromEntries(Object.entries(rule.fields).map(([name, field]) => [name, relax(field)]));
  return { fields, required: rule.required };
}

const FORMAT_TYPES: Partial<Record<Extract<FieldRule, string>, FieldRule>> = {
  email: 'nullableString',
  phone: 'nullableString',
  isoDate: 'string',
  isoDateTimeWithOffset: 'string',
};

function parseJsonBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function pickHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    authorization: header('authorization'),
    version: header('version'),
    accept: header('accept'),
    'content-type': header('content-type'),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json', ...DEFAULT_RATE_LIMIT_HEADERS, ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}
