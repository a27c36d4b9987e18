/**
 * GHL contact -> Relatel contact, for caller ID in Relatel's company phonebook (issue 13).
 *
 * Relatel keeps three fields: `name` (one string), `number` (digits with the country code and
 * no `+`, `4571999999`) and `email`. A contact qualifies when it has a valid phone number
 * (caller ID needs one) and, when the configuration names a tag, carries that tag; a contact
 * that stops qualifying is the writer's to remove (only if the sync created it).
 *
 * The fingerprint (`relatelContactHash`) is what echo suppression compares: the sync stores the
 * hash of the values it wrote to Relatel, and a Relatel `contact.updated` whose contact hashes
 * the same is its own write coming back. So the hash is taken over values normalised the way
 * either side may present them (whitespace, e-mail case, a number with `+` or spaces), and the
 * mapping's hash equals the hash of the same contact as Relatel hands it back.
 */
import type { CountryCode } from 'libphonenumber-js/min';
import * as z from 'zod/mini';
import { normaliseEmail } from './email.js';
import { hashBody } from './hash.js';
import { normalisePhone } from './phone.js';
import type { MappingIssue } from './result.js';
import { normaliseTags } from './tags.js';

/**
 * The GHL -> Relatel section of the mapping configuration (for `mappingConfigSchema` in
 * lib/mapping/config.ts, e.g. as `relatel: section(relatelContactConfigSchema)`).
 */
export const relatelContactConfigSchema = z.strictObject({
  /** Only GHL contacts carrying this tag go to Relatel (compared like GHL does, case-insensitively); absent: every contact with a phone. */
  onlyWithTag: z.optional(z.string().check(z.minLength(1))),
});
export type RelatelContactConfig = z.output<typeof relatelContactConfigSchema>;

/** The GHL contact fields the mapping reads; `GhlContactSnapshot` (lib/events/ghl-schemas.ts) fits. */
export interface GhlContactFields {
  firstName?: string | null;
  lastName?: string | null;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  tags?: readonly string[] | null;
}

/** A Relatel contact body (to be wrapped as `{"contact": {...}}`): only fields with values. */
export interface RelatelContactValues {
  name?: string;
  /** Digits with the country code, no `+`: `4571999999`. */
  number: string;
  email?: string;
}

export type RelatelContactDisqualification = 'no-phone' | 'invalid-phone' | 'missing-tag';

export type RelatelContactMapping =
  | { qualifies: true; values: RelatelContactValues; hash: string; issues: MappingIssue[] }
  | { qualifies: false; reason: RelatelContactDisqualification };

export interface RelatelContactMappingOptions {
  /** Country of numbers written without a country code. */
  defaultCountry: CountryCode;
  onlyWithTag?: string | undefined;
}

/** Maps a GHL contact to Relatel's values and their fingerprint, or says why it does not qualify. */
export function mapGhlContactToRelatel(contact: GhlContactFields, options: RelatelContactMappingOptions): RelatelContactMapping {
  if (options.onlyWithTag !== undefined && !carriesTag(contact.tags, options.onlyWithTag)) return { qualifies: false, reason: 'missing-tag' };
  const phone = normalisePhone(contact.phone, options.defaultCountry);
  if (!phone.ok) return { qualifies: false, reason: phone.reason === 'empty' ? 'no-phone' : 'invalid-phone' };

  const issues: MappingIssue[] = [];
  const email = normaliseEmail(contact.email);
  if (!email.ok && email.reason === 'invalid') issues.push({ field: 'email', reason: 'invalid-email' });
  const name = relatelNameOf(contact);
  const values: RelatelContactValues = {
    ...(name === undefined ? {} : { name }),
    number: relatelNumberFromE164(phone.e164),
    ...(email.ok ? { email: email.email } : {}),
  };
  return { qualifies: true, values, hash: relatelContactHash(values), issues };
}

/** Relatel's one name: first and last name joined, else GHL's full name; undefined when blank. */
export function relatelNameOf(contact: Pick<GhlContactFields, 'firstName' | 'lastName' | 'name'>): string | undefined {
  const joined = collapseSpaces([contact.firstName, contact.lastName].map((part) => part ?? '').join(' '));
  if (joined !== '') return joined;
  const name = collapseSpaces(contact.name ?? '');
  return name === '' ? undefined : name;
}

/** `+4571999999` -> `4571999999`, the form Relatel stores. */
export function relatelNumberFromE164(e164: string): string {
  return e164.startsWith('+') ? e164.slice(1) : e164;
}

/**
 * The fingerprint of a Relatel contact's synced values, however they are presented: the
 * mapping's values, or a contact read back from Relatel (nulls, a number with `+` or spaces,
 * an e-mail in another case). Fields the sync does not write (`id`, `number_formatted`, ...)
 * are ignored. SHA-256 hex of the canonical JSON of the normalised values.
 */
export function relatelContactHash(contact: { name?: string | null; number?: string | null; email?: string | null }): string {
  const name = collapseSpaces(contact.name ?? '');
  const number = (contact.number ?? '').replace(/\D/g, '');
  const email = (contact.email ?? '').trim().toLowerCase();
  return hashBody({
    ...(name === '' ? {} : { name }),
    ...(number === '' ? {} : { number }),
    ...(email === '' ? {} : { email }),
  });
}

function carriesTag(tags: readonly string[] | null | undefined, tag: string): boolean {
  const [wanted] = normaliseTags([tag]);
  return wanted !== undefined && normaliseTags(tags).includes(wanted);
}

function collapseSpaces(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}
