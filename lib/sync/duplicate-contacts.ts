/**
 * Whether the GHL location refuses duplicate contacts, which decides how a new contact is
 * written (entities/contacts.ts):
 *  - 'forbidden': POST /contacts/ with the tags in the body, one call. GHL itself refuses a
 *    second contact with the same e-mail or phone and names the existing one, which is then
 *    linked as upsert would link it;
 *  - anything else: upsert without tags, then the tag call. On a location that allows
 *    duplicates a plain create could add a second contact for someone GHL already has, and
 *    upsert's `tags` would replace that contact's tags.
 *
 * The setting is read from GHL (GET /locations/{id}, scope `locations.readonly`) and kept for a
 * while per Lambda environment: one read per environment and TTL, not one per contact. When it
 * cannot be read the answer is 'unknown' and the sync takes the safe path: a missing scope is
 * reported once (the fix is the token's scopes), a failed read is retried a minute later.
 */
import { CachedValue } from '../cached-value.js';
import type { GhlClient } from '../ghl/client.js';

export type DuplicateContactsRule = 'forbidden' | 'allowed' | 'unknown';

/** Reads the rule; never throws (a read that fails answers 'unknown'). */
export type DuplicateContactsLookup = () => Promise<DuplicateContactsRule>;

export interface DuplicateContactsLookupOptions {
  /** How long a read setting is trusted: a changed setting is seen within this time. */
  ttlMs?: number;
  /** How long after a failed read (GHL down, rate budget spent) the next read is tried. */
  retryAfterFailureMs?: number;
  now?: () => number;
  /** Told once per environment when the token may not read the setting. */
  onUnreadable?: () => void;
  /** Told when a read fails (the error is GHL's, without personal data). */
  onReadFailed?: (error: unknown) => void;
}

export const DUPLICATE_CONTACTS_TTL_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 60_000;

export function duplicateContactsLookup(ghl: Pick<GhlClient, 'getLocationSettings'>, options: DuplicateContactsLookupOptions = {}): DuplicateContactsLookup {
  const ttlMs = options.ttlMs ?? DUPLICATE_CONTACTS_TTL_MS;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? RETRY_AFTER_FAILURE_MS;
  let reportedUnreadable = false;

  const read = async (): Promise<{ rule: DuplicateContactsRule; failed: boolean }> => {
    try {
      const settings = await ghl.getLocationSettings();
      if (settings === undefined && !reportedUnreadable) {
        reportedUnreadable = true;
        options.onUnreadable?.();
      }
      return { rule: ruleOf(settings?.allowDuplicateContact), failed: false };
    } catch (error) {
      options.onReadFailed?.(error);
      return { rule: 'unknown', failed: true };
    }
  };
  // Concurrent contacts of one batch share one read.
  const cached = new CachedValue(read, {
    ttlMs,
    ttlMsOf: (read) => (read.failed ? retryAfterFailureMs : ttlMs),
    ...(options.now && { now: options.now }),
  });
  return async () => (await cached.get()).rule;
}

function ruleOf(allowDuplicateContact: boolean | undefined): DuplicateContactsRule {
  if (allowDuplicateContact === false) return 'forbidden';
  if (allowDuplicateContact === true) return 'allowed';
  return 'unknown';
}
