/**
 * Phone numbers to E.164, which is what GHL matches duplicates on.
 *
 * libphonenumber-js with its `min` metadata (see docs/MAPPING.md for the bundle size): `min`
 * validates a number by its length per country, not by digit patterns, which is enough to tell
 * a plausible number from garbage and keeps about 65 KB of regular expressions out of the Lambda.
 *
 * Relatel writes numbers as digits with the country code and no `+` (`4571999999`); people
 * also type national numbers (`71999999`), `00`-prefixed or `+`-prefixed ones with spaces.
 * A bare digit string is read, in this order, as:
 *   1. the default country's calling code + a national number (`4571999999` -> +4571999999);
 *   2. a national number of the default country (`71999999` -> +4571999999), so the home
 *      market's short numbers are never mistaken for a foreign country code;
 *   3. any other country's calling code + national number (`4917612345678` -> +4917612345678).
 */
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/min';

export type PhoneNormalisation =
  | { ok: true; e164: string }
  /** `empty`: nothing to send; `invalid`: something was there but is not a phone number. */
  | { ok: false; reason: 'empty' | 'invalid' };

const SEPARATORS = /[\s().\-\u00a0/]/g;

export function normalisePhone(raw: string | number | null | undefined, defaultCountry: CountryCode): PhoneNormalisation {
  if (raw === null || raw === undefined) return { ok: false, reason: 'empty' };
  const compact = String(raw).replace(SEPARATORS, '');
  if (compact === '') return { ok: false, reason: 'empty' };
  const parsed = parseCandidates(compact, defaultCountry);
  return parsed ? { ok: true, e164: parsed.number } : { ok: false, reason: 'invalid' };
}

function parseCandidates(compact: string, defaultCountry: CountryCode): PhoneNumber | undefined {
  if (compact.startsWith('+')) return validInternational(compact);
  if (!/^\d+$/.test(compact)) return undefined;
  if (compact.startsWith('00')) return validInternational(`+${compact.slice(2)}`);
  const international = validInternational(`+${compact}`);
  if (international?.countryCallingCode === getCountryCallingCode(defaultCountry)) return international;
  return validNational(compact, defaultCountry) ?? international;
}

function validInternational(candidate: string): PhoneNumber | undefined {
  if (!/^\+\d+$/.test(candidate)) return undefined;
  const parsed = parsePhoneNumberFromString(candidate);
  return parsed?.isValid() ? parsed : undefined;
}

function validNational(digits: string, country: CountryCode): PhoneNumber | undefined {
  const parsed = parsePhoneNumberFromString(digits, country);
  return parsed?.isValid() && parsed.country === country ? parsed : undefined;
}

/** For people (note texts, task titles): `+45 71 99 99 99`. Expects an E.164 number. */
export function formatPhoneForDisplay(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** The display form of a raw Relatel number: formatted when valid, else the raw text trimmed. */
export function displayPhone(raw: string | null | undefined, defaultCountry: CountryCode): string | undefined {
  const normalised = normalisePhone(raw, defaultCountry);
  if (normalised.ok) return formatPhoneForDisplay(normalised.e164);
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}
