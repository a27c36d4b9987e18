/**
 * A stable fingerprint of a GHL body, stored in the sync state so that an event which would
 * write the same body again costs no GHL call. Canonical JSON (object keys sorted at every
 * level, array order kept, `undefined` properties left out exactly as JSON.stringify does) so
 * that equal bodies hash equal however they were assembled; SHA-256 in hex.
 */
import { createHash } from 'node:crypto';

export function hashBody(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // Honour toJSON (e.g. Date) before sorting, as JSON.stringify would.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
  if (plain === null || typeof plain !== 'object') return plain;
  if (Array.isArray(plain)) return plain.map(sortKeys);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(plain).sort()) sorted[key] = sortKeys((plain as Record<string, unknown>)[key]);
  return sorted;
}
