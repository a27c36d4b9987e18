/**
 * Relatel REST API v2 client: the little the sync reads back from Relatel. Webhook payloads
 * are not formally documented and may carry only an id, so the consumers hydrate a contact
 * from here; backfill and verify page through all contacts.
 *
 * Relatel wraps bodies by resource name (`{"contact": {...}}`, `{"contacts": [...]}`), issues
 * long-lived bearer tokens that users can revoke at any time (a 401 must surface loudly as an
 * auth error), and has no updated_at on contacts.
 */
import * as z from 'zod/mini';
import { authError, errorKindOfStatus, permanentError, SyncError, transientError } from '../errors.js';

export const RELATEL_DEFAULT_BASE_URL = 'https://app.relatel.dk/api/v2';

/** Relatel's page size limit for list endpoints. */
export const RELATEL_MAX_PAGE_SIZE = 100;

const relatelContactSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  name: z.optional(z.nullable(z.string())),
  number: z.optional(z.nullable(z.string())),
  email: z.optional(z.nullable(z.string())),
});
export type RelatelContact = z.infer<typeof relatelContactSchema>;

const contactAnswerSchema = z.looseObject({ contact: relatelContactSchema });
const contactsAnswerSchema = z.looseObject({ contacts: z.array(relatelContactSchema) });

export interface RelatelClient {
  /** The contact's current state; undefined when Relatel no longer has it (deleted). */
  getContact(id: string): Promise<RelatelContact | undefined>;
  /** One page of contacts with id >= `fromId`, in id order. */
  listContacts(options: { fromId?: string | number; limit?: number }): Promise<RelatelContact[]>;
}

export interface RelatelClientOptions {
  baseUrl?: string;
  /** Resolves the bearer token (from the secret store, cached by the caller). */
  token: () => Promise<string>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createRelatelClient(options: RelatelClientOptions): RelatelClient {
  const baseUrl = (options.baseUrl ?? RELATEL_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function get(path: string): Promise<unknown | undefined> {
    const token = await options.token();
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw transientError('Relatel API did not answer', { reason: 'relatel-unreachable', cause: error });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw relatelError(response.status);
    try {
      return await response.json();
    } catch (error) {
      throw transientError('Relatel API answered with a body that is not JSON', { reason: 'relatel-bad-body', status: response.status, cause: error });
    }
  }

  return {
    async getContact(id) {
      const body = await get(`/contacts/${encodeURIComponent(id)}`);
      if (body === undefined) return undefined;
      return parseAnswer(contactAnswerSchema, body).contact;
    },
    async listContacts({ fromId, limit = RELATEL_MAX_PAGE_SIZE }) {
      const query = new URLSearchParams({ limit: String(Math.min(limit, RELATEL_MAX_PAGE_SIZE)) });
      if (fromId !== undefined) query.set('id_gt_or_eq', String(fromId));
      const body = await get(`/contacts?${query}`);
      // The list exists whatever it holds: a 404 means the base URL is wrong, never "no contacts".
      if (body === undefined) {
        throw permanentError('Relatel API answered 404 for the contact list: check the base URL (it ends in /api/v2)', { reason: 'relatel-404', status: 404 });
      }
      return parseAnswer(contactsAnswerSchema, body).contacts;
    },
  };
}

function relatelError(status: number): SyncError {
  const kind = errorKindOfStatus(status);
  const reason = `relatel-${status}` as const;
  if (kind === 'auth') {
    return authError('Relatel rejected the API token (401): it may have been revoked; put a valid token in the Relatel secret', { reason, status });
  }
  if (kind === 'transient') return transientError(`Relatel API answered ${status}`, { reason, status });
  return permanentError(`Relatel API answered ${status}`, { reason, status });
}

function parseAnswer<S extends z.ZodMiniType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const paths = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw permanentError(`Relatel API answered with an unexpected shape at: ${paths}`, { reason: 'relatel-unexpected-shape' });
  }
  return result.data;
}
