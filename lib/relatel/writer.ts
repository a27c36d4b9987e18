/**
 * Relatel REST API v2, the writes of the GHL -> Relatel flow: create, update and delete a
 * contact in Relatel's company phonebook, and find contacts by number (so an existing Relatel
 * contact is linked, never duplicated).
 *
 * One attempt per call: retries belong to the consumer (the one retry policy, SQS redelivery),
 * which the error kinds steer: transient (429 with Retry-After honoured, 5xx, timeouts,
 * network), auth (401: the token was revoked), permanent (403, 422 and other 4xx). A create
 * that failed transiently may have happened anyway (its answer was lost): look the number up
 * before creating again.
 *
 * Bodies are wrapped by resource name (`{"contact": {...}}`), the token is a Bearer token, and
 * an optional `throttle` runs before every request (the flow's own small rate budget: Relatel
 * documents no limit).
 */
import * as z from 'zod/mini';
import { permanentError } from '../errors.js';
import type { RelatelContactValues } from '../mapping/relatel-contact.js';
import { RELATEL_DEFAULT_BASE_URL, RELATEL_MAX_PAGE_SIZE } from './client.js';
import { relatelErrorFromAnswer, relatelErrorFromFailure, type RelatelOperationLabel } from './errors.js';

const writtenContactSchema = z.looseObject({
  id: z.union([z.string().check(z.minLength(1)), z.number()]),
  name: z.nullish(z.string()),
  number: z.nullish(z.string()),
  email: z.nullish(z.string()),
});
/** A Relatel contact as its API answers a write or a lookup. */
export type RelatelWrittenContact = z.infer<typeof writtenContactSchema>;

const oneContactAnswer = z.looseObject({ contact: writtenContactSchema });
const contactListAnswer = z.looseObject({ contacts: z.array(writtenContactSchema) });

export type RelatelUpdateResult = { outcome: 'updated'; contact: RelatelWrittenContact } | { outcome: 'not-found' };
export type RelatelDeleteOutcome = 'deleted' | 'already-deleted';

export interface RelatelContactWriter {
  /** POST /contacts; answers the contact Relatel created. */
  createContact(values: RelatelContactValues): Promise<RelatelWrittenContact>;
  /**
   * PUT /contacts/:id with the full synced state: a name or e-mail the GHL contact no longer
   * has is sent as null, so Relatel does not keep a stale one. `not-found` when the contact
   * was deleted in Relatel (the caller decides whether to create it again).
   */
  updateContact(id: string, values: RelatelContactValues): Promise<RelatelUpdateResult>;
  /** DELETE /contacts/:id; a contact already gone is not an error. */
  deleteContact(id: string): Promise<RelatelDeleteOutcome>;
  /**
   * GET /contacts?number=...: the contacts whose number is exactly these digits (Relatel's
   * filter is not documented to be exact, so the answer is filtered again here).
   */
  findContactsByNumber(number: string): Promise<RelatelWrittenContact[]>;
}

export interface RelatelWriterOptions {
  baseUrl?: string;
  /** Resolves the bearer token (from the secret store, cached by the caller). */
  token: () => Promise<string>;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Runs before every request: the rate budget of the Relatel writer. */
  throttle?: () => Promise<void>;
  now?: () => number;
}

interface WriteRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** For messages: the path pattern, never a query. */
  label: RelatelOperationLabel;
  body?: unknown;
  /** Statuses answered to the caller instead of thrown. */
  accept?: readonly number[];
}

interface Answer {
  status: number;
  body: unknown;
}

/** Builds the Relatel write client over fetch. */
export function createRelatelWriter(options: RelatelWriterOptions): RelatelContactWriter {
  const baseUrl = (options.baseUrl ?? RELATEL_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;

  async function send(request: WriteRequest): Promise<Answer> {
    await options.throttle?.();
    const token = await options.token();
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await readBody(response);
    } catch (error) {
      throw relatelErrorFromFailure(request.label, error);
    }
    if (response.ok || request.accept?.includes(response.status)) return { status: response.status, body };
    throw relatelErrorFromAnswer(request.label, response.status, response.headers, body, now());
  }

  return {
    async createContact(values) {
      const answer = await send({ method: 'POST', path: '/contacts', label: 'POST /contacts', body: { contact: createBody(values) } });
      return parse(oneContactAnswer, answer, 'POST /contacts').contact;
    },

    async updateContact(id, values) {
      const label = 'PUT /contacts/:id';
      const answer = await send({ method: 'PUT', path: `/contacts/${encodeURIComponent(id)}`, label, body: { contact: updateBody(values) }, accept: [404] });
      if (answer.status === 404) return { outcome: 'not-found' };
      // Some APIs answer an update with 204 and no body: the values sent are then what Relatel holds.
      if (answer.body === undefined) return { outcome: 'updated', contact: { id, ...createBody(values) } };
      return { outcome: 'updated', contact: parse(oneContactAnswer, answer, label).contact };
    },

    async deleteContact(id) {
      const answer = await send({ method: 'DELETE', path: `/contacts/${encodeURIComponent(id)}`, label: 'DELETE /contacts/:id', accept: [404] });
      return answer.status === 404 ? 'already-deleted' : 'deleted';
    },

    async findContactsByNumber(number) {
      const digits = number.replace(/\D/g, '');
      if (digits === '') return [];
      const query = new URLSearchParams({ number: digits, limit: String(RELATEL_MAX_PAGE_SIZE) });
      const label = 'GET /contacts (by number)';
      const answer = await send({ method: 'GET', path: `/contacts?${query}`, label, accept: [404] });
      if (answer.status === 404) return [];
      return parse(contactListAnswer, answer, label).contacts.filter((contact) => (contact.number ?? '').replace(/\D/g, '') === digits);
    },
  };
}

/** A new contact carries only the fields that have values. */
function createBody(values: RelatelContactValues): RelatelContactValues {
  return { ...(values.name === undefined ? {} : { name: values.name }), number: values.number, ...(values.email === undefined ? {} : { email: values.email }) };
}

/** An update carries every synced field, null for one GHL no longer has. */
function updateBody(values: RelatelContactValues): { name: string | null; number: string; email: string | null } {
  return { name: values.name ?? null, number: values.number, email: values.email ?? null };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Kept for the status-based classification; a 2xx that needs a body fails in parse().
    return { unreadable: true };
  }
}

/**
 * A 2xx answer without the fields we need is Relatel changing shape under us. Permanent, not
 * transient: retrying a create whose answer we cannot read would create a duplicate.
 */
function parse<S extends z.ZodMiniType>(schema: S, answer: Answer, operation: RelatelOperationLabel): z.infer<S> {
  const result = schema.safeParse(answer.body);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
  throw permanentError(`Relatel answered ${operation} without the expected fields: ${fields}`, {
    reason: 'relatel-answer-unexpected',
    status: answer.status,
  });
}
