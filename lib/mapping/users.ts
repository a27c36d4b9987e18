/**
 * Relatel employee -> GHL user, through the configured `users` map. An employee missing from a
 * map that is in use is reported (someone forgot to add them); with no map configured at all,
 * nobody is mapped and nothing is reported.
 */
import type { RelatelId } from './relatel-records.js';
import type { MappingIssue } from './result.js';

export function ghlUserOf(
  employeeId: RelatelId | null | undefined,
  users: Readonly<Record<string, string>>,
  field: string,
  issues: MappingIssue[],
): string | undefined {
  if (employeeId === null || employeeId === undefined || employeeId === '') return undefined;
  const key = String(employeeId);
  if (Object.prototype.hasOwnProperty.call(users, key)) return users[key];
  if (Object.keys(users).length > 0) issues.push({ field, reason: 'unmapped-user' });
  return undefined;
}
