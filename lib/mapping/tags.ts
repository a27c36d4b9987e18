/**
 * Tags. GHL stores tags lower-cased and compares them case-insensitively, and a `tags` field
 * in an update body replaces all of a contact's tags (including ones people added in GHL), so
 * after the first create the sync only adds and removes the difference between the tags it
 * last synced and the current ones. Tags added in GHL by people are never in either set, so
 * they are never removed.
 */

/** Trimmed, lower-cased, without empties and duplicates, sorted (code-unit order, locale-free). */
export function normaliseTags(tags: Iterable<string | null | undefined> | null | undefined): string[] {
  const unique = new Set<string>();
  for (const tag of tags ?? []) {
    const normalised = tag?.trim().toLowerCase();
    if (normalised) unique.add(normalised);
  }
  return [...unique].sort(compareCodeUnits);
}

export interface TagDiff {
  add: string[];
  remove: string[];
}

/** What to add and remove to get from the last synced tags to the current ones. */
export function diffTags(
  previous: Iterable<string | null | undefined> | null | undefined,
  next: Iterable<string | null | undefined> | null | undefined,
): TagDiff {
  const before = normaliseTags(previous);
  const after = normaliseTags(next);
  const beforeSet = new Set(before);
  const afterSet = new Set(after);
  return {
    add: after.filter((tag) => !beforeSet.has(tag)),
    remove: before.filter((tag) => !afterSet.has(tag)),
  };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
