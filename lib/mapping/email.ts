/**
 * E-mail addresses: trimmed and lower-cased (GHL matches duplicates on e-mail, and Relatel
 * users type addresses in any case), and dropped when they are not addresses at all, since
 * GHL answers 422 to a malformed `email` and would reject the whole contact.
 */
import * as z from 'zod/mini';

const emailSchema = z.email();

export type EmailNormalisation = { ok: true; email: string } | { ok: false; reason: 'empty' | 'invalid' };

export function normaliseEmail(raw: string | null | undefined): EmailNormalisation {
  const email = raw?.trim().toLowerCase() ?? '';
  if (email === '') return { ok: false, reason: 'empty' };
  return emailSchema.safeParse(email).success ? { ok: true, email } : { ok: false, reason: 'invalid' };
}
