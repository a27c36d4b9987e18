/**
 * Finding a contact that an unanswered POST /contacts/ may have made, when GHL cannot match it:
 * a contact without e-mail and phone (upsert and the duplicate rule match by those only). The
 * state may keep no personal data to search by, so the search asks GHL for the contacts it
 * added while the create was out (`dateAdded`), and compares each, hashed, with what the create
 * sent. Why this key, and what it cannot tell apart: docs/SYNC.md#contacts-nothing-can-match.
 */
import { transientError } from '../errors.js';
import type { GhlClient, GhlContact, GhlContactCreateInput } from '../ghl/client.js';
import type { MappingConfig } from '../mapping/config.js';
import { hashBody } from '../mapping/hash.js';
import type { ContactCreateInDoubt } from './state.js';

/**
 * GHL's search is an index that follows writes with a delay it does not document: a contact
 * searched for at once may not be found yet. The search waits this long after the failed create.
 */
export const CONTACT_SEARCH_DELAY_MS = 30_000;
/** GHL stamps dateAdded on its own clock: the searched window is this much wider on each side. */
const CLOCK_MARGIN_MS = 60_000;
const PAGE_LIMIT = 100;
/** 2,000 contacts added in about two minutes: past that the answer is not trusted to be complete. */
const MAX_PAGES = 20;

/** True when GHL can match the contact by itself (an e-mail or phone), so no search is needed. */
export function isMatchable(body: { email?: string | null; phone?: string | null }): boolean {
  return Boolean(body.email) || Boolean(body.phone);
}

/**
 * What a failed POST /contacts/ leaves to search for: nothing for a contact GHL can match (the
 * retry's upsert finds it), else the hashed key and the times between which it was sent.
 */
export function contactCreateInDoubt(body: GhlContactCreateInput, sentFrom: string, sentUntil: string, mapping: MappingConfig): ContactCreateInDoubt | undefined {
  if (isMatchable(body)) return undefined;
  const relatelId = relatelIdFieldOf(mapping);
  const sentRelatelId = relatelId === undefined ? undefined : body.customFields?.find((field) => field.id === relatelId)?.field_value;
  return { kind: 'contact.create', key: contactKey(body.firstName, body.lastName, sentRelatelId), sentFrom, sentUntil };
}

/**
 * The contact an earlier create left in GHL, or undefined. Fails (transient) while GHL's search
 * may not show it yet, or when it answered too many contacts to be read whole.
 */
export async function findCreatedContact(ghl: GhlClient, doubt: ContactCreateInDoubt, mapping: MappingConfig, now: Date): Promise<string | undefined> {
  const waitMs = Date.parse(doubt.sentUntil) + CONTACT_SEARCH_DELAY_MS - now.getTime();
  if (waitMs > 0) {
    throw transientError('A contact create may have reached GHL: searching for it once GHL can find it', { reason: 'create-in-doubt', retryAfterMs: waitMs });
  }
  const relatelId = relatelIdFieldOf(mapping);
  const window = {
    gte: new Date(Date.parse(doubt.sentFrom) - CLOCK_MARGIN_MS).toISOString(),
    lte: new Date(Date.parse(doubt.sentUntil) + CLOCK_MARGIN_MS).toISOString(),
  };
  const matches: string[] = [];
  for (let page = 1; ; page += 1) {
    if (page > MAX_PAGES) throw transientError('Too many contacts added around a contact create in doubt to search them all', { reason: 'create-in-doubt' });
    const contacts = await ghl.searchContacts({ filters: [{ field: 'dateAdded', operator: 'range', value: window }], page, pageLimit: PAGE_LIMIT });
    matches.push(...contacts.filter((contact) => isCandidate(contact, doubt.key, relatelId)).map((contact) => contact.id));
    if (contacts.length < PAGE_LIMIT) break;
  }
  // Two alike: one may be another record's. A duplicate a person can merge is the lesser harm
  // than linking two Relatel contacts to one GHL contact, so neither is adopted.
  const distinct = [...new Set(matches)];
  return distinct.length === 1 ? distinct[0] : undefined;
}

/** Ours had neither e-mail nor phone, and carries the name (and Relatel id, if mapped) it was sent with. */
function isCandidate(contact: GhlContact, key: string, relatelIdField: string | undefined): boolean {
  if (isMatchable(contact)) return false;
  const fields = (contact['customFields'] ?? []) as { id?: unknown; value?: unknown }[];
  const relatelId = relatelIdField === undefined ? undefined : fields.find((field) => field.id === relatelIdField)?.value;
  return contactKey(contact.firstName, contact.lastName, relatelId) === key;
}

/** Names without regard to case or surrounding space (GHL searches and may store them so). */
function contactKey(firstName: unknown, lastName: unknown, relatelId: unknown): string {
  const text = (value: unknown) => (value === undefined || value === null || value === '' ? null : String(value).trim().toLowerCase());
  return hashBody({ contact: [text(firstName), text(lastName)], relatelId: text(relatelId) });
}

/** The GHL custom field the mapping writes the Relatel contact's id to, if any (contacts.customFields.id). */
function relatelIdFieldOf(mapping: MappingConfig): string | undefined {
  return mapping.contacts.customFields['id'];
}
