/**
 * Relatel's webhook signature:
 *
 *   Relatel-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]
 *   v1 = hex(HMAC-SHA256(signing secret, "<t>.<raw body>"))
 *
 * Several v1 values may be present (Relatel signs with every active secret while it rotates);
 * any one matching any of our secrets passes. The timestamp bounds replays to a window of
 * +/- `toleranceSeconds` around our clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RELATEL_SIGNATURE_HEADER = 'relatel-signature';
export const RELATEL_DELIVERY_ID_HEADER = 'relatel-delivery-id';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** Why a signature was refused; for logs and metrics, never for the caller. */
export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';
export type SignatureVerdict = { valid: true } | { valid: false; reason: SignatureFailure };

export interface ParsedSignatureHeader {
  readonly timestamp: number;
  /** The v1 digests, 32 bytes each. */
  readonly digests: readonly Buffer[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Parses the header; undefined when it is malformed: not exactly one `t`, a `t` that is not
 * whole seconds, no `v1`, or a `v1` that is not a SHA-256 hex digest. Other schemes (`v0=`, a
 * future `v2=`) are ignored, so Relatel can add one without breaking us.
 */
export function parseRelatelSignatureHeader(header: string): ParsedSignatureHeader | undefined {
  const timestamps: string[] = [];
  const digests: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === 'v1') {
      if (!SHA256_HEX.test(value)) return undefined;
      digests.push(Buffer.from(value, 'hex'));
    }
  }
  const [timestamp] = timestamps;
  if (timestamps.length !== 1 || timestamp === undefined || !UNIX_SECONDS.test(timestamp) || digests.length === 0) {
    return undefined;
  }
  return { timestamp: Number(timestamp), digests };
}

export interface VerifySignatureInput {
  /** The `Relatel-Signature` header, undefined when absent. */
  header: string | undefined;
  /** The body exactly as received: its bytes are what Relatel signed. */
  rawBody: string | Uint8Array;
  /** Every secret currently accepted (current and previous during a rotation). */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}

export function verifyRelatelSignature(input: VerifySignatureInput): SignatureVerdict {
  if (input.header === undefined || input.header.trim() === '') return { valid: false, reason: 'missing' };
  const parsed = parseRelatelSignatureHeader(input.header);
  if (parsed === undefined) return { valid: false, reason: 'malformed' };
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - parsed.timestamp) > tolerance) return { valid: false, reason: 'stale' };
  let matched = false;
  for (const secret of input.secrets) {
    const expected = signatureDigest(secret, parsed.timestamp, input.rawBody);
    for (const digest of parsed.digests) {
      // Both are 32-byte SHA-256 digests (the header parser guarantees it), as timingSafeEqual
      // requires; every candidate is compared, so the time taken does not reveal which matched.
      if (timingSafeEqual(expected, digest)) matched = true;
    }
  }
  return matched ? { valid: true } : { valid: false, reason: 'mismatch' };
}

/** HMAC-SHA256(secret, "<t>.<raw body>"), computed over the body's bytes without copying them. */
export function signatureDigest(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest();
}

/**
 * The `Relatel-Signature` header Relatel would send for this body: for tests, examples and the
 * local `send` command. Pass several secrets to sign as Relatel does during a rotation.
 */
export function signRelatelPayload(
  rawBody: string | Uint8Array,
  secrets: string | readonly string[],
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): string {
  const signatures = (typeof secrets === 'string' ? [secrets] : secrets).map(
    (secret) => `v1=${signatureDigest(secret, timestampSeconds, rawBody).toString('hex')}`,
  );
  return [`t=${timestampSeconds}`, ...signatures].join(',');
}
