/**
 * What every mapping returns besides its body: issues, i.e. values it had to leave out. An
 * issue names the field and why, never the value, so callers can count and log them freely.
 */
export type MappingIssueReason =
  | 'invalid-phone'
  | 'invalid-email'
  | 'invalid-date'
  | 'invalid-timezone'
  | 'unknown-status'
  | 'unmapped-user'
  | 'unsupported-custom-field-value'
  /** A known contact's new company: only an upsert can set it, and GHL matches one by e-mail or phone. */
  | 'company-needs-email-or-phone';

export interface MappingIssue {
  /** The Relatel field, e.g. `number`, `due_at`, `custom:vat_number`. */
  field: string;
  reason: MappingIssueReason;
}

export interface Mapped<B> {
  body: B;
  issues: MappingIssue[];
}

/**
 * GHL treats a `null` as "clear this field" and some properties reject it outright, so bodies
 * carry only the keys that have values.
 */
export function withoutUndefined<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as T;
}

/** Issues of several mappings of one record, each field and reason once. */
export function dedupeIssues(issues: readonly MappingIssue[]): MappingIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}:${issue.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
