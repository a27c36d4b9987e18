/**
 * Authentication of the GHL door (`POST /webhooks/ghl`), two kinds of caller:
 *
 * 1. Marketplace-app webhooks, signed by GHL over the JSON payload, base64:
 *      x-ghl-signature: Ed25519              (current; the official SDK prefers it)
 *      x-wh-signature:  RSA-SHA256 PKCS#1 v1.5 (legacy; retired by GHL in 2026)
 *    Verified over the raw bytes first; GHL's SDK verifies over `JSON.stringify(parsed body)`,
 *    so the compact re-serialisation is the fallback. Freshness comes from the payload's own
 *    `timestamp` (signed with it), checked by `checkGhlReplayWindow` once the body is parsed.
 * 2. Workflow webhooks, which GHL does not sign: a shared secret the user puts in the
 *    workflow's webhook action, compared in constant time (`verifyGhlWorkflowSecret`).
 *
 * Which signature wins: Ed25519 is checked first, RSA only after it. Either valid signature
 * by a configured key passes, because the sender chooses which headers to send: refusing a
 * valid RSA signature next to a failing Ed25519 one would stop no forger (who would simply
 * leave the Ed25519 header out) but would drop every event while an Ed25519 key rotation is
 * not yet configured, and GHL does not redeliver after a 401. The verdict names the scheme
 * that passed, so such a rescue shows in the logs; to refuse legacy signatures altogether,
 * configure no RSA key.
 */
import { createHash, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config.js';
import { DEFAULT_GHL_REPLAY_WINDOW_SECONDS, GHL_WEBHOOK_ED25519_PUBLIC_KEY_PEM, GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM } from './ghl-keys.js';

export const GHL_ED25519_SIGNATURE_HEADER = 'x-ghl-signature';
export const GHL_RSA_SIGNATURE_HEADER = 'x-wh-signature';
/** Where a workflow's webhook action puts the shared secret, when it can set headers. */
export const GHL_WORKFLOW_SECRET_HEADER = 'x-workflow-secret';
/** ...and the query parameter for the plain "Webhook" action, which can only set a URL. */
export const GHL_WORKFLOW_SECRET_QUERY_PARAMETER = 'secret';
/** Shorter configured workflow secrets are never accepted: they could be guessed. */
export const MIN_WORKFLOW_SECRET_LENGTH = 32;
/** The configuration value that turns a signature scheme off. */
export const NO_KEYS = 'none';

export type GhlSignatureScheme = 'ed25519' | 'rsa-sha256';

/** The public keys a deployment accepts, per scheme; several during a rotation. */
export interface GhlWebhookKeys {
  readonly ed25519: readonly KeyObject[];
  readonly rsa: readonly KeyObject[];
}

/**
 * Why a request was refused; for logs and metrics, never for the caller. `no-key`: a
 * signature arrived for a scheme with no configured key (configure the Ed25519 key).
 */
export type GhlSignatureFailure = 'missing' | 'malformed' | 'mismatch' | 'no-key';

export type GhlSignatureVerdict =
  | {
      valid: true;
      scheme: GhlSignatureScheme;
      /** `compact`: only the re-serialised body matched (a proxy reformatted it, or GHL signs so). */
      signedBytes: 'raw' | 'compact';
      /** The body, when the compact fallback had to parse it: saves the caller a second parse. */
      parsedBody?: unknown;
    }
  | { valid: false; reason: GhlSignatureFailure };

export interface VerifyGhlSignatureInput {
  /** The `x-ghl-signature` header, undefined when absent. */
  ed25519Signature: string | undefined;
  /** The `x-wh-signature` header, undefined when absent. */
  rsaSignature: string | undefined;
  /** The body exactly as received. */
  rawBody: string | Uint8Array;
  keys: GhlWebhookKeys;
  /** Try `JSON.stringify(JSON.parse(body))` when the raw bytes do not match; default true. */
  allowCompactFallback?: boolean;
}

/** Ed25519 signatures are always 64 bytes. */
const ED25519_SIGNATURE_BYTES = 64;
/** RSA signatures are as long as the modulus: 2048 to 8192 bits. */
const RSA_SIGNATURE_BYTES = { min: 256, max: 1024 };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Candidate {
  scheme: GhlSignatureScheme;
  signature: Buffer;
  keys: readonly KeyObject[];
}

/** Checks a marketplace-app webhook's signature headers over its body (Ed25519 first, then RSA). */
export function verifyGhlSignature(input: VerifyGhlSignatureInput): GhlSignatureVerdict {
  const ed25519 = presentHeader(input.ed25519Signature);
  const rsa = presentHeader(input.rsaSignature);
  if (ed25519 === undefined && rsa === undefined) return { valid: false, reason: 'missing' };

  const offered: Array<{ scheme: GhlSignatureScheme; header: string; keys: readonly KeyObject[] }> = [];
  if (ed25519 !== undefined && input.keys.ed25519.length > 0) offered.push({ scheme: 'ed25519', header: ed25519, keys: input.keys.ed25519 });
  if (rsa !== undefined && input.keys.rsa.length > 0) offered.push({ scheme: 'rsa-sha256', header: rsa, keys: input.keys.rsa });
  if (offered.length === 0) return { valid: false, reason: 'no-key' };

  const candidates: Candidate[] = [];
  for (const { scheme, header, keys } of offered) {
    const signature = decodeSignature(scheme, header);
    if (signature !== undefined) candidates.push({ scheme, signature, keys });
  }
  if (candidates.length === 0) return { valid: false, reason: 'malformed' };

  const raw = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
  const rawMatch = firstMatch(candidates, raw);
  if (rawMatch !== undefined) return { valid: true, scheme: rawMatch, signedBytes: 'raw' };
  if (input.allowCompactFallback === false) return { valid: false, reason: 'mismatch' };

  const parsed = parseJson(raw);
  if (parsed === undefined) return { valid: false, reason: 'mismatch' };
  const compact = Buffer.from(JSON.stringify(parsed.value), 'utf8');
  if (compact.equals(raw)) return { valid: false, reason: 'mismatch' };
  const compactMatch = firstMatch(candidates, compact);
  return compactMatch === undefined
    ? { valid: false, reason: 'mismatch' }
    : { valid: true, scheme: compactMatch, signedBytes: 'compact', parsedBody: parsed.value };
}

function firstMatch(candidates: readonly Candidate[], data: Uint8Array): GhlSignatureScheme | undefined {
  for (const candidate of candidates) {
    for (const key of candidate.keys) if (verifiesWith(candidate.scheme, key, data, candidate.signature)) return candidate.scheme;
  }
  return undefined;
}

function verifiesWith(scheme: GhlSignatureScheme, key: KeyObject, data: Uint8Array, signature: Buffer): boolean {
  try {
    // Ed25519 hashes internally (algorithm null); RSA keys default to PKCS#1 v1.5 padding.
    return verify(scheme === 'ed25519' ? null : 'sha256', data, key, signature);
  } catch {
    return false;
  }
}

function decodeSignature(scheme: GhlSignatureScheme, header: string): Buffer | undefined {
  if (!BASE64.test(header)) return undefined;
  const bytes = Buffer.from(header, 'base64');
  if (scheme === 'ed25519') return bytes.length === ED25519_SIGNATURE_BYTES ? bytes : undefined;
  return bytes.length >= RSA_SIGNATURE_BYTES.min && bytes.length <= RSA_SIGNATURE_BYTES.max ? bytes : undefined;
}

function presentHeader(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * The signature header GHL would send for this body, made with a private key: for tests and
 * the local `send` command, with a key pair generated for them (GHL's private keys are GHL's).
 * An Ed25519 key gives `x-ghl-signature`, an RSA key `x-wh-signature`.
 */
export function signGhlPayload(rawBody: string | Uint8Array, privateKey: KeyObject | string): Record<string, string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const data = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  if (key.asymmetricKeyType === 'ed25519') return { [GHL_ED25519_SIGNATURE_HEADER]: sign(null, data, key).toString('base64') };
  if (key.asymmetricKeyType === 'rsa') return { [GHL_RSA_SIGNATURE_HEADER]: sign('sha256', data, key).toString('base64') };
  throw new TypeError('signGhlPayload needs an Ed25519 or RSA private key');
}

// ---------------------------------------------------------------------------------------------
// Replay window

export type GhlReplayFailure = 'timestamp-missing' | 'timestamp-malformed' | 'stale' | 'future';
export type GhlReplayVerdict = { valid: true; timestampMs: number } | { valid: false; reason: GhlReplayFailure };

/** Whole seconds since the epoch are below this; milliseconds above (until the year 5138). */
const EPOCH_MILLISECONDS_FROM = 1e11;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Checks the signed payload's `timestamp` against our clock: at most `toleranceSeconds`
 * (default 300, as GHL's docs advise) in the past or the future. GHL sends an ISO-8601 date-time
 * (`2025-01-28T14:35:00.000Z`); epoch seconds or milliseconds are read too, so a change of
 * format on GHL's side cannot silently refuse every webhook as stale.
 */
export function checkGhlReplayWindow(
  timestamp: unknown,
  nowMs: number,
  toleranceSeconds: number = DEFAULT_GHL_REPLAY_WINDOW_SECONDS,
): GhlReplayVerdict {
  if (timestamp === undefined || timestamp === null || timestamp === '') return { valid: false, reason: 'timestamp-missing' };
  const timestampMs = parseGhlTimestamp(timestamp);
  if (timestampMs === undefined) return { valid: false, reason: 'timestamp-malformed' };
  const toleranceMs = toleranceSeconds * 1000;
  if (timestampMs < nowMs - toleranceMs) return { valid: false, reason: 'stale' };
  if (timestampMs > nowMs + toleranceMs) return { valid: false, reason: 'future' };
  return { valid: true, timestampMs };
}

/** Epoch milliseconds of a GHL timestamp, undefined when it is not one. */
export function parseGhlTimestamp(timestamp: unknown): number | undefined {
  if (typeof timestamp === 'number') {
    if (!Number.isFinite(timestamp) || timestamp <= 0) return undefined;
    return timestamp < EPOCH_MILLISECONDS_FROM ? timestamp * 1000 : timestamp;
  }
  if (typeof timestamp !== 'string' || !ISO_DATE_TIME.test(timestamp.trim())) return undefined;
  const ms = Date.parse(timestamp.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------
// Workflow webhooks: the shared secret

export type GhlWorkflowSecretVerdict = { valid: true } | { valid: false; reason: 'missing' | 'mismatch' | 'no-secret' };

/**
 * The secret a workflow webhook presents: the `x-workflow-secret` header when there is one,
 * else the `secret` query parameter.
 */
export function presentedWorkflowSecret(
  header: string | undefined,
  query: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  return presentHeader(header) ?? presentHeader(query?.[GHL_WORKFLOW_SECRET_QUERY_PARAMETER]);
}

/**
 * Compares the presented secret with every accepted one (current and, during a rotation,
 * previous) in constant time: both sides are hashed to 32-byte SHA-256 digests first, so
 * `timingSafeEqual` compares equal lengths and the time taken reveals neither the length nor
 * how much of a guess was right. Configured secrets shorter than MIN_WORKFLOW_SECRET_LENGTH
 * are ignored (`no-secret` when none is left).
 */
export function verifyGhlWorkflowSecret(presented: string | undefined, secrets: readonly string[]): GhlWorkflowSecretVerdict {
  const usable = secrets.filter((secret) => secret.length >= MIN_WORKFLOW_SECRET_LENGTH);
  if (usable.length === 0) return { valid: false, reason: 'no-secret' };
  if (presented === undefined || presented === '') return { valid: false, reason: 'missing' };
  const presentedDigest = sha256(presented);
  let matched = false;
  for (const secret of usable) if (timingSafeEqual(presentedDigest, sha256(secret))) matched = true;
  return matched ? { valid: true } : { valid: false, reason: 'mismatch' };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

// ---------------------------------------------------------------------------------------------
// Keys from configuration

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

export interface GhlWebhookKeysSettings {
  /** PEM text with one or more Ed25519 public keys; undefined: GHL's published key; `none`: Ed25519 signatures refused. */
  ed25519?: string | undefined;
  /** PEM text with one or more RSA public keys; undefined: GHL's published key; `none`: legacy signatures refused. */
  rsa?: string | undefined;
  /** Names of the settings, for error messages. */
  names?: { ed25519: string; rsa: string };
}

/**
 * Parses the configured public keys once (at cold start). A setting that holds no PEM block,
 * a block that is not a public key, or a key of the wrong type fails with a ConfigError that
 * names the setting and the block's position, never its text.
 */
export function loadGhlWebhookKeys(settings: GhlWebhookKeysSettings): GhlWebhookKeys {
  const names = settings.names ?? { ed25519: 'GHL_WEBHOOK_ED25519_PUBLIC_KEYS', rsa: 'GHL_WEBHOOK_RSA_PUBLIC_KEYS' };
  return {
    ed25519: parsePublicKeys(settings.ed25519 ?? GHL_WEBHOOK_ED25519_PUBLIC_KEY_PEM, 'ed25519', names.ed25519),
    rsa: parsePublicKeys(settings.rsa ?? GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM, 'rsa', names.rsa),
  };
}

function parsePublicKeys(text: string | undefined, type: 'ed25519' | 'rsa', setting: string): KeyObject[] {
  if (text === undefined || text.trim() === '' || text.trim().toLowerCase() === NO_KEYS) return [];
  // Environment variables often carry PEM with literal `\n`.
  const blocks = text.replace(/\\n/g, '\n').match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new ConfigError(`Invalid configuration:\n  ${setting}: must hold PEM public keys (-----BEGIN PUBLIC KEY-----) or "${NO_KEYS}"`);
  return blocks.map((pem, index) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new ConfigError(`Invalid configuration:\n  ${setting}: key ${index + 1} is not a valid PEM public key`);
    }
    if (key.asymmetricKeyType !== type) {
      throw new ConfigError(`Invalid configuration:\n  ${setting}: key ${index + 1} must be an ${type === 'rsa' ? 'RSA' : 'Ed25519'} public key`);
    }
    return key;
  });
}
