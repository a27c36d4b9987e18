import * as crypto from 'node:crypto';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../lib/config.js';
import { GHL_WEBHOOK_ED25519_PUBLIC_KEY_PEM, GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM } from '../../../lib/events/ghl-keys.js';
import {
  checkGhlReplayWindow,
  loadGhlWebhookKeys,
  parseGhlTimestamp,
  presentedWorkflowSecret,
  signGhlPayload,
  verifyGhlSignature,
  verifyGhlWorkflowSecret,
  type GhlWebhookKeys,
  type VerifyGhlSignatureInput,
} from '../../../lib/events/ghl-signature.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

// Generated for the tests: GHL's private keys are GHL's.
const ed = generateKeyPairSync('ed25519');
const otherEd = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const BODY = '{"type":"ContactUpdate","locationId":"loc_1","id":"c_1","phone":"+4571999999","timestamp":"2026-12-02T17:00:00.000Z","webhookId":"wh_1"}';
const KEYS: GhlWebhookKeys = { ed25519: [ed.publicKey], rsa: [rsa.publicKey] };

const edSign = (body: string | Buffer, key: KeyObject = ed.privateKey) => sign(null, Buffer.from(body), key).toString('base64');
const rsaSign = (body: string | Buffer, key: KeyObject = rsa.privateKey) => sign('sha256', Buffer.from(body), key).toString('base64');

function verify(overrides: Partial<VerifyGhlSignatureInput> = {}) {
  return verifyGhlSignature({ ed25519Signature: undefined, rsaSignature: undefined, rawBody: BODY, keys: KEYS, ...overrides });
}

describe('verifyGhlSignature', () => {
  it('accepts an Ed25519 signature over the raw body', () => {
    expect(verify({ ed25519Signature: edSign(BODY) })).toEqual({ valid: true, scheme: 'ed25519', signedBytes: 'raw' });
  });

  it('accepts an RSA-SHA256 signature over the raw body', () => {
    expect(verify({ rsaSignature: rsaSign(BODY) })).toEqual({ valid: true, scheme: 'rsa-sha256', signedBytes: 'raw' });
  });

  it('verifies bytes and the same text alike', () => {
    expect(verify({ rawBody: Buffer.from(BODY), ed25519Signature: edSign(BODY) })).toMatchObject({ valid: true });
  });

  it('prefers Ed25519 when both headers are valid', () => {
    expect(verify({ ed25519Signature: edSign(BODY), rsaSignature: rsaSign(BODY) })).toMatchObject({ valid: true, scheme: 'ed25519' });
  });

  it('falls back to a valid RSA signature when the Ed25519 one fails, and says so', () => {
    const verdict = verify({ ed25519Signature: edSign(BODY, otherEd.privateKey), rsaSignature: rsaSign(BODY) });
    expect(verdict).toMatchObject({ valid: true, scheme: 'rsa-sha256' });
  });

  it('accepts a signature by any configured key of a scheme (rotation)', () => {
    const keys = { ed25519: [otherEd.publicKey, ed.publicKey], rsa: [] };
    expect(verify({ keys, ed25519Signature: edSign(BODY) })).toMatchObject({ valid: true });
  });

  it('refuses a request without signature headers', () => {
    expect(verify()).toEqual({ valid: false, reason: 'missing' });
    expect(verify({ ed25519Signature: '  ', rsaSignature: '' })).toEqual({ valid: false, reason: 'missing' });
  });

  it('refuses a tampered body', () => {
    const tampered = BODY.replace('+4571999999', '+4571999998');
    expect(verify({ rawBody: tampered, ed25519Signature: edSign(BODY) })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verify({ rawBody: tampered, rsaSignature: rsaSign(BODY) })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a signature made with another key', () => {
    expect(verify({ ed25519Signature: edSign(BODY, otherEd.privateKey) })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verify({ rsaSignature: rsaSign(BODY, otherRsa.privateKey) })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('does not accept an RSA signature in the Ed25519 header or the reverse', () => {
    expect(verify({ ed25519Signature: rsaSign(BODY) })).toEqual({ valid: false, reason: 'malformed' });
    expect(verify({ rsaSignature: edSign(BODY) })).toEqual({ valid: false, reason: 'malformed' });
  });

  it.each([
    ['not base64', 'not base64!'],
    ['base64 of the wrong length', Buffer.alloc(63).toString('base64')],
    ['base64 without padding', edSign(BODY).replace(/=+$/, '')],
    ['a scheme prefix', `ed25519=${edSign(BODY)}`],
  ])('refuses a malformed Ed25519 header: %s', (_label, header) => {
    expect(verify({ ed25519Signature: header })).toEqual({ valid: false, reason: 'malformed' });
  });

  it('says no-key when a signature arrives for a scheme without a configured key', () => {
    const keys = { ed25519: [], rsa: [rsa.publicKey] };
    expect(verify({ keys, ed25519Signature: edSign(BODY) })).toEqual({ valid: false, reason: 'no-key' });
  });

  it('falls back to the compact re-serialisation of the body, as GHL\'s SDK verifies', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 2);
    const verdict = verify({ rawBody: pretty, ed25519Signature: edSign(BODY) });
    expect(verdict).toEqual({ valid: true, scheme: 'ed25519', signedBytes: 'compact', parsedBody: JSON.parse(BODY) });
  });

  it('can be told not to try the compact fallback', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verify({ rawBody: pretty, ed25519Signature: edSign(BODY), allowCompactFallback: false })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a body that is neither signed nor JSON', () => {
    expect(verify({ rawBody: 'not json', ed25519Signature: edSign(BODY) })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('accepts exactly the signed bytes, for any body (property)', () => {
    fc.assert(
      fc.property(fc.json(), fc.json(), (signed, received) => {
        const verdict = verify({ rawBody: received, ed25519Signature: edSign(signed) });
        const sameDocument = JSON.stringify(JSON.parse(received)) === signed;
        expect(verdict.valid).toBe(received === signed || sameDocument);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any single flipped bit of a signed body (property)', () => {
    const signature = edSign(BODY);
    fc.assert(
      fc.property(fc.nat({ max: BODY.length * 8 - 1 }), (bit) => {
        const bytes = Buffer.from(BODY);
        bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
        expect(verify({ rawBody: bytes, ed25519Signature: signature }).valid).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('signGhlPayload', () => {
  it('signs with Ed25519 into x-ghl-signature and with RSA into x-wh-signature, as verify expects', () => {
    const edHeaders = signGhlPayload(BODY, ed.privateKey);
    expect(Object.keys(edHeaders)).toEqual(['x-ghl-signature']);
    expect(verify({ ed25519Signature: edHeaders['x-ghl-signature'] })).toMatchObject({ valid: true, scheme: 'ed25519' });
    const rsaHeaders = signGhlPayload(BODY, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(Object.keys(rsaHeaders)).toEqual(['x-wh-signature']);
    expect(verify({ rsaSignature: rsaHeaders['x-wh-signature'] })).toMatchObject({ valid: true, scheme: 'rsa-sha256' });
  });

  it('refuses other key types', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => signGhlPayload(BODY, ec.privateKey)).toThrow(TypeError);
  });
});

describe('checkGhlReplayWindow', () => {
  const NOW = Date.parse('2026-12-02T17:00:00.000Z');

  it('accepts a timestamp within the window, and returns it', () => {
    expect(checkGhlReplayWindow('2026-12-02T16:56:00.000Z', NOW, 300)).toEqual({ valid: true, timestampMs: NOW - 240_000 });
  });

  it('accepts the window\'s edges and refuses one millisecond beyond them', () => {
    expect(checkGhlReplayWindow('2026-12-02T16:55:00.000Z', NOW, 300).valid).toBe(true);
    expect(checkGhlReplayWindow('2026-12-02T17:05:00.000Z', NOW, 300).valid).toBe(true);
    expect(checkGhlReplayWindow('2026-12-02T16:54:59.999Z', NOW, 300)).toEqual({ valid: false, reason: 'stale' });
    expect(checkGhlReplayWindow('2026-12-02T17:05:00.001Z', NOW, 300)).toEqual({ valid: false, reason: 'future' });
  });

  it('defaults to a window of 300 s', () => {
    expect(checkGhlReplayWindow('2026-12-02T16:54:59.000Z', NOW)).toEqual({ valid: false, reason: 'stale' });
    expect(checkGhlReplayWindow('2026-12-02T16:55:01.000Z', NOW).valid).toBe(true);
  });

  it('honours a configured window', () => {
    expect(checkGhlReplayWindow('2026-12-02T16:59:00.000Z', NOW, 30)).toEqual({ valid: false, reason: 'stale' });
  });

  it('reads offsets, epoch seconds and epoch milliseconds', () => {
    expect(checkGhlReplayWindow('2026-12-02T18:00:00+01:00', NOW)).toEqual({ valid: true, timestampMs: NOW });
    expect(checkGhlReplayWindow(NOW / 1000, NOW)).toEqual({ valid: true, timestampMs: NOW });
    expect(checkGhlReplayWindow(NOW, NOW)).toEqual({ valid: true, timestampMs: NOW });
  });

  it.each([undefined, null, ''])('refuses a missing timestamp (%s)', (timestamp) => {
    expect(checkGhlReplayWindow(timestamp, NOW)).toEqual({ valid: false, reason: 'timestamp-missing' });
  });

  it.each(['yesterday', '2026-12-02', '2026-12-02 17:00:00', 'Wed, 02 Dec 2026 17:00:00 GMT', -1, Number.NaN, true, {}])(
    'refuses a malformed timestamp (%s)',
    (timestamp) => {
      expect(checkGhlReplayWindow(timestamp, NOW)).toEqual({ valid: false, reason: 'timestamp-malformed' });
    },
  );

  it('accepts exactly the timestamps within the window (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3_600_000, max: 3_600_000 }), fc.integer({ min: 1, max: 3600 }), (offsetMs, tolerance) => {
        const verdict = checkGhlReplayWindow(new Date(NOW + offsetMs).toISOString(), NOW, tolerance);
        expect(verdict.valid).toBe(Math.abs(offsetMs) <= tolerance * 1000);
      }),
    );
  });

  it('parses an ISO timestamp to its epoch milliseconds', () => {
    expect(parseGhlTimestamp('2025-01-28T14:35:00Z')).toBe(1_738_074_900_000);
  });
});

describe('workflow secret', () => {
  const SECRET = 'wf_0123456789abcdef0123456789abcdef';
  const PREVIOUS = 'wf_fedcba9876543210fedcba9876543210';

  it('accepts the configured secret', () => {
    expect(verifyGhlWorkflowSecret(SECRET, [SECRET])).toEqual({ valid: true });
  });

  it('accepts the previous secret during a rotation', () => {
    expect(verifyGhlWorkflowSecret(PREVIOUS, [SECRET, PREVIOUS])).toEqual({ valid: true });
  });

  it.each([
    ['a wrong secret', 'wf_0123456789abcdef0123456789abcdeX'],
    ['a prefix of the secret', SECRET.slice(0, -1)],
    ['the secret with a suffix', `${SECRET}x`],
    ['the secret in another case', SECRET.toUpperCase()],
  ])('refuses %s', (_label, presented) => {
    expect(verifyGhlWorkflowSecret(presented, [SECRET])).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('compares against every accepted secret, equal-length digests, whichever matches', () => {
    expect(verifyGhlWorkflowSecret(SECRET, [SECRET, PREVIOUS])).toEqual({ valid: true });
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(2);
    for (const [a, b] of calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
  });

  it('refuses a request without a secret', () => {
    expect(verifyGhlWorkflowSecret(undefined, [SECRET])).toEqual({ valid: false, reason: 'missing' });
    expect(verifyGhlWorkflowSecret('', [SECRET])).toEqual({ valid: false, reason: 'missing' });
  });

  it('never accepts anything when no configured secret is long enough', () => {
    expect(verifyGhlWorkflowSecret('short', ['short'])).toEqual({ valid: false, reason: 'no-secret' });
    expect(verifyGhlWorkflowSecret('', [])).toEqual({ valid: false, reason: 'no-secret' });
  });

  it('accepts exactly the configured secrets (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 32 }), fc.string(), (secret, presented) => {
        expect(verifyGhlWorkflowSecret(presented, [secret]).valid).toBe(presented === secret);
      }),
    );
  });

  it('reads the header first, then the query parameter', () => {
    expect(presentedWorkflowSecret(SECRET, { secret: PREVIOUS })).toBe(SECRET);
    expect(presentedWorkflowSecret(undefined, { secret: PREVIOUS })).toBe(PREVIOUS);
    expect(presentedWorkflowSecret(' ', undefined)).toBeUndefined();
  });
});

describe('loadGhlWebhookKeys', () => {
  it('defaults both keys to GHL\'s published ones', () => {
    const keys = loadGhlWebhookKeys({});
    expect(keys.ed25519).toHaveLength(1);
    expect(keys.ed25519[0]!.asymmetricKeyType).toBe('ed25519');
    expect(keys.ed25519[0]!.export({ type: 'spki', format: 'der' }).toString('base64')).toBe('MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=');
    expect(keys.rsa).toHaveLength(1);
    expect(keys.rsa[0]!.asymmetricKeyType).toBe('rsa');
    expect(keys.rsa[0]!.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('a configured key replaces the published one, and `none` refuses the scheme', () => {
    const keys = loadGhlWebhookKeys({ ed25519: pem(ed.publicKey), rsa: 'none' });
    expect(keys.ed25519).toHaveLength(1);
    expect(keys.ed25519[0]!.equals(ed.publicKey)).toBe(true);
    expect(keys.rsa).toEqual([]);
    expect(loadGhlWebhookKeys({ ed25519: 'none' }).ed25519).toEqual([]);
    // A webhook signed by a key GHL did not publish is refused under the defaults.
    expect(verifyGhlSignature({ ed25519Signature: edSign(BODY), rsaSignature: undefined, rawBody: BODY, keys: loadGhlWebhookKeys({}) })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('the published keys are the ones in GHL\'s docs', () => {
    expect(GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM).toContain('MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC');
    expect(GHL_WEBHOOK_RSA_PUBLIC_KEY_PEM).toContain('T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==');
    expect(GHL_WEBHOOK_ED25519_PUBLIC_KEY_PEM).toContain('MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=');
  });

  it('reads several keys per setting, with literal \\n as environment variables carry them', () => {
    const text = `${pem(ed.publicKey)}${pem(otherEd.publicKey)}`.replace(/\n/g, '\\n');
    const keys = loadGhlWebhookKeys({ ed25519: text, rsa: 'none' });
    expect(keys.ed25519).toHaveLength(2);
    expect(keys.rsa).toEqual([]);
    expect(verifyGhlSignature({ ed25519Signature: edSign(BODY, otherEd.privateKey), rsaSignature: undefined, rawBody: BODY, keys })).toMatchObject({ valid: true });
  });

  it('refuses a key of the wrong type, naming the setting and never the key', () => {
    const attempt = () => loadGhlWebhookKeys({ ed25519: pem(rsa.publicKey) });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/GHL_WEBHOOK_ED25519_PUBLIC_KEYS: key 1 must be an Ed25519 public key/);
  });

  it('refuses text without a PEM block, and a PEM block that is not a key', () => {
    expect(() => loadGhlWebhookKeys({ rsa: 'MIIBIjANBg' })).toThrow(/GHL_WEBHOOK_RSA_PUBLIC_KEYS: must hold PEM public keys/);
    const broken = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----';
    const attempt = () => loadGhlWebhookKeys({ rsa: broken });
    expect(attempt).toThrow(/key 1 is not a valid PEM public key/);
    expect(attempt).not.toThrow(/AAAA/);
  });
});
