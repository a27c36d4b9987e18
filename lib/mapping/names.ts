/**
 * Relatel keeps one `name`; GHL wants firstName/lastName. The rule, chosen because Danish
 * names put middle names before the surname ("Anna Marie Jensen"): the last word is the
 * last name, everything before it (inner spacing kept as written) is the first name. A single
 * word is a first name only. Surrounding whitespace is the only thing ever dropped.
 */
export interface NameParts {
  firstName?: string;
  lastName?: string;
}

// `\s` is exactly the whitespace String.prototype.trim removes (all of it in the BMP, so a
// code-unit scan is safe).
const isWhitespace = (char: string) => /\s/.test(char);

export function splitName(name: string | null | undefined): NameParts {
  const trimmed = name?.trim() ?? '';
  if (trimmed === '') return {};
  let lastNameStart = trimmed.length;
  while (lastNameStart > 0 && !isWhitespace(trimmed.charAt(lastNameStart - 1))) lastNameStart -= 1;
  if (lastNameStart === 0) return { firstName: trimmed };
  let firstNameEnd = lastNameStart - 1;
  while (isWhitespace(trimmed.charAt(firstNameEnd - 1))) firstNameEnd -= 1;
  return { firstName: trimmed.slice(0, firstNameEnd), lastName: trimmed.slice(lastNameStart) };
}

/** Explicit first_name/last_name win over splitting `name`, even if only one of them is given. */
export function contactNameParts(record: {
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
}): NameParts {
  const first = record.first_name?.trim();
  const last = record.last_name?.trim();
  if (first || last) return { ...(first ? { firstName: first } : {}), ...(last ? { lastName: last } : {}) };
  return splitName(record.name);
}
