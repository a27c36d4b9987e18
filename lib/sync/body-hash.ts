/**
 * Two-part body hashes. A contact's bodyHash holds its fields and its company, a task's its
 * fields and its completion: each part is written by its own GHL call, so a change one call
 * carries is told from a change only the other can carry. Stored as `fields:separate`; this
 * module is the only place that reads or writes that form.
 */

/** The two parts; an absent part is unknown (never written, or lost to a failure). */
export interface TwoPartHash {
  /** What the record's update call carries (PUT /contacts/{id}, PUT .../tasks/{id}). */
  readonly fields?: string;
  /** What only a separate call writes (a contact's company by upsert, a task's completion). */
  readonly separate?: string;
}

export type HashPart = keyof TwoPartHash;

/** The parts of a stored bodyHash; a single-part hash reads as its `fields`. */
export function parseTwoPartHash(stored: string | undefined): TwoPartHash {
  const [fields, separate] = (stored ?? '').split(':');
  return { ...(fields && { fields }), ...(separate && { separate }) };
}

/** The stored form of a two-part hash (`:` alone when both parts are unknown). */
export function formatTwoPartHash(hash: TwoPartHash): string {
  return `${hash.fields ?? ''}:${hash.separate ?? ''}`;
}

/** True when a stored bodyHash has two parts (contacts, tasks), false for a single one (notes, appointments). */
export function isTwoPartHash(stored: string | undefined): boolean {
  return stored?.includes(':') ?? false;
}
