/**
 * The contacts endpoints of Relatel's REST API v2 (RELATEL.md), as pure handlers over the store:
 * GET/POST `/contacts`, GET/PUT/DELETE `/contacts/:id`, and lookup by number as the list's
 * `number` filter. Bodies are wrapped by resource name (`{"contact": {...}}`).
 */
import { isPlainObject } from '../ghl-simulator/validate.js';
import { badRequest, notFound, unprocessable } from './errors.js';
import type { ContactFields, RelatelSimContact, RelatelStore } from './store.js';

/** Relatel's page size limit; a larger `limit` is served as this many. */
export const MAX_PAGE_SIZE = 100;

export type ContactOperation = 'contacts.list' | 'contacts.lookup' | 'contacts.get' | 'contacts.create' | 'contacts.update' | 'contacts.delete';

export interface ContactRoute {
  operation: ContactOperation;
  /** The contact id in the path; NaN when it is not an integer (answered 404, as Relatel finds nothing). */
  id?: number;
}

export interface Answer {
  status: number;
  body?: unknown;
}

const API_PREFIX = '/api/v2';

/** The route a request is for; undefined when Relatel has none (404). */
export function matchContactRoute(method: string, pathname: string, query: URLSearchParams): ContactRoute | undefined {
  if (!pathname.startsWith(`${API_PREFIX}/`)) return undefined;
  const segments = pathname.slice(API_PREFIX.length + 1).replace(/\/$/, '').split('/');
  if (segments[0] !== 'contacts' || segments.length > 2) return undefined;
  if (segments.length === 1) {
    if (method === 'GET') return { operation: query.has('number') ? 'contacts.lookup' : 'contacts.list' };
    return method === 'POST' ? { operation: 'contacts.create' } : undefined;
  }
  const raw = segments[1] ?? '';
  const id = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const operation = ({ GET: 'contacts.get', PUT: 'contacts.update', DELETE: 'contacts.delete' } as const)[method as 'GET' | 'PUT' | 'DELETE'];
  return operation && { operation, id };
}

export function handleContactRoute(route: ContactRoute, query: URLSearchParams, rawBody: string, store: RelatelStore): Answer {
  switch (route.operation) {
    case 'contacts.list':
    case 'contacts.lookup':
      return { status: 200, body: { contacts: store.list(listQuery(query)).map(render) } };
    case 'contacts.create': {
      const fields = checkFields(contactParam(rawBody), { creating: true });
      return { status: 201, body: { contact: render(store.create(fields as ContactFields & { name: string })) } };
    }
    case 'contacts.get':
      return { status: 200, body: { contact: render(found(store.contacts.get(route.id ?? Number.NaN))) } };
    case 'contacts.update': {
      const existing = found(store.contacts.get(route.id ?? Number.NaN));
      const fields = checkFields(contactParam(rawBody), { creating: false });
      return { status: 200, body: { contact: render(store.update(existing.id, fields) ?? existing) } };
    }
    case 'contacts.delete':
      if (!store.delete(route.id ?? Number.NaN)) throw notFound();
      return { status: 204 };
  }
}

function found(contact: RelatelSimContact | undefined): RelatelSimContact {
  if (!contact) throw notFound();
  return contact;
}

function render(contact: RelatelSimContact): RelatelSimContact {
  return { ...contact };
}

function listQuery(query: URLSearchParams): { fromId?: number; number?: string; limit: number } {
  const limit = positiveInteger(query, 'limit') ?? MAX_PAGE_SIZE;
  const fromId = positiveInteger(query, 'id_gt_or_eq');
  const rawNumber = query.get('number');
  // A number that cannot be one matches nothing, rather than every contact.
  const number = rawNumber === null ? undefined : (normalizeNumber(rawNumber) ?? `invalid:${rawNumber}`);
  return { limit: Math.min(limit, MAX_PAGE_SIZE), ...(fromId !== undefined && { fromId }), ...(number !== undefined && { number }) };
}

function positiveInteger(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequest(`${name} must be a positive integer`);
  return Number(raw);
}

/** The `contact` object of a body; a missing one is a 400, as Rails' required params answer. */
function contactParam(rawBody: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
  const contact = isPlainObject(parsed) ? parsed['contact'] : undefined;
  if (!isPlainObject(contact) || Object.keys(contact).length === 0) throw badRequest('param is missing or the value is empty: contact');
  return contact;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The writable fields of a contact body, checked; every problem is one message under its field
 * (422). Unknown and read-only fields (`id`, `number_formatted`) are ignored, as Rails' permitted
 * parameters drop them.
 */
export function checkFields(input: Record<string, unknown>, { creating }: { creating: boolean }): ContactFields {
  const errors: Record<string, string[]> = {};
  const fields: ContactFields = {};
  const name = input['name'];
  if (name !== undefined || creating) {
    if (typeof name !== 'string' || name.trim() === '') errors['name'] = ["can't be blank"];
    else fields.name = name.trim();
  }
  const number = input['number'];
  if (number === null || number === '') fields.number = null;
  else if (number !== undefined) {
    const normalized = typeof number === 'string' || typeof number === 'number' ? normalizeNumber(String(number)) : undefined;
    if (normalized === undefined) errors['number'] = ['is invalid'];
    else fields.number = normalized;
  }
  const email = input['email'];
  if (email === null || email === '') fields.email = null;
  else if (email !== undefined) {
    if (typeof email !== 'string' || !EMAIL.test(email.trim())) errors['email'] = ['is invalid'];
    else fields.email = email.trim();
  }
  if (Object.keys(errors).length > 0) throw unprocessable(errors);
  return fields;
}

/** `+45 71 99 99 99`, `0045 71999999`, `4571999999` -> `4571999999`; undefined when not 8-15 digits once separators go. */
export function normalizeNumber(raw: string): string | undefined {
  const digits = raw.replace(/[\s\-().]/g, '').replace(/^(\+|00)/, '');
  return /^\d{8,15}$/.test(digits) ? digits : undefined;
}
