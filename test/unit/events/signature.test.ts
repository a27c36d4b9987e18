import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parseRelatelSignatureHeader,
  signRelatelPayload,
  verifyRelatelSignature,
  type VerifySignatureInput,
} from '../../../lib/events/signature.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = 'whsec_current';
const PREVIOUS = 'whsec_previous';
const BODY = '{"delivery_id":"dlv_1","event_type":"contact.updated","payload":{"id":1}}';
const NOW = 1_767_225_600;
const OTHER_DIGEST = 'ab'.repeat(32);

function verify(overrides: Partial<VerifySignatureInput> = {}) {
  return verifyRelatelSignature({
    header: signRelatelPayload(BODY, SECRET, NOW),
    rawBody: BODY,
    secrets: [SECRET],
    nowSeconds: NOW,
    toleranceSeconds: 300,
    ...overrides,
  });
}

afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

describe('signRelatelPayload', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 as Relatel documents (known-answer vector)', () => {
    const body = '{"delivery_id":"dlv_1","event_type":"webhook.test"}';
    // Computed independently: printf '1767225600.<body>' | openssl dgst -sha256 -hmac whsec_known_answer
    expect(signRelatelPayload(body, 'whsec_known_answer', 1_767_225_600)).toBe(
      't=1767225600,v1=68cee85e6a358977370ac688d4e7a49e28d6203a5f105302697f569be9b8e9d4',
    );
  });

  it('adds one v1 value per secret, as Relatel does during a rotation', () => {
    const header = signRelatelPayload(BODY, [SECRET, PREVIOUS], NOW);
    expect(header.match(/v1=/g)).toHaveLength(2);
  });

  it('signs bytes and the same text alike', () => {
    expect(signRelatelPayload(Buffer.from(BODY, 'utf8'), SECRET, NOW)).toBe(signRelatelPayload(BODY, SECRET, NOW));
  });
});

describe('verifyRelatelSignature', () => {
  it('accepts a body signed with the secret', () => {
    expect(verify()).toEqual({ valid: true });
  });

  it('accepts a body signed with any of the accepted secrets', () => {
    expect(verify({ header: signRelatelPayload(BODY, PREVIOUS, NOW), secrets: [SECRET, PREVIOUS] })).toEqual({ valid: true });
  });

  it('accepts when any one of several v1 values matches', () => {
    const valid = signRelatelPayload(BODY, SECRET, NOW).split(',')[1];
    expect(verify({ header: `t=${NOW},v1=${OTHER_DIGEST},${valid}` })).toEqual({ valid: true });
  });

  it('accepts upper-case hex digests', () => {
    const digest = signRelatelPayload(BODY, SECRET, NOW).split('v1=')[1] ?? '';
    expect(verify({ header: `t=${NOW},v1=${digest.toUpperCase()}` })).toEqual({ valid: true });
  });

  it('accepts spaces around the header parts', () => {
    expect(verify({ header: signRelatelPayload(BODY, SECRET, NOW).replace(',', ' , ') })).toEqual({ valid: true });
  });

  it('ignores signature schemes it does not know', () => {
    const header = signRelatelPayload(BODY, SECRET, NOW).replace(',', ',v0=legacy,v2=future,');
    expect(verify({ header })).toEqual({ valid: true });
  });

  it('verifies the raw bytes as received', () => {
    expect(verify({ rawBody: Buffer.from(BODY, 'utf8') })).toEqual({ valid: true });
  });

  it('refuses a body changed by a single character', () => {
    expect(verify({ rawBody: BODY.replace('"id":1', '"id":2') })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a body signed with a secret it does not accept', () => {
    expect(verify({ header: signRelatelPayload(BODY, 'whsec_someone_else', NOW) })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses a signature whose timestamp was altered', () => {
    const header = signRelatelPayload(BODY, SECRET, NOW).replace(`t=${NOW}`, `t=${NOW - 1}`);
    expect(verify({ header })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses when no secret is accepted at all', () => {
    expect(verify({ secrets: [] })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it.each([
    ['exactly the tolerance in the past', -300, true],
    ['exactly the tolerance in the future', 300, true],
    ['one second beyond the tolerance in the past', -301, false],
    ['one second beyond the tolerance in the future', 301, false],
  ])('at a timestamp %s it answers valid=%s', (_, offset, valid) => {
    const verdict = verify({ header: signRelatelPayload(BODY, SECRET, NOW + offset) });
    expect(verdict).toEqual(valid ? { valid: true } : { valid: false, reason: 'stale' });
  });

  it('honours a configured tolerance', () => {
    expect(verify({ header: signRelatelPayload(BODY, SECRET, NOW - 31), toleranceSeconds: 30 })).toEqual({
      valid: false,
      reason: 'stale',
    });
  });

  it.each([undefined, '', '   '])('calls the header %j missing', (header) => {
    expect(verify({ header })).toEqual({ valid: false, reason: 'missing' });
  });

  it.each([
    ['no timestamp', `v1=${OTHER_DIGEST}`],
    ['no v1', `t=${NOW}`],
    ['two timestamps', `t=${NOW},t=${NOW},v1=${OTHER_DIGEST}`],
    ['a timestamp that is not whole seconds', `t=${NOW}.5,v1=${OTHER_DIGEST}`],
    ['a negative timestamp', `t=-${NOW},v1=${OTHER_DIGEST}`],
    ['a timestamp too long to be unix seconds', `t=${NOW}000000,v1=${OTHER_DIGEST}`],
    ['a v1 that is not hex', `t=${NOW},v1=${'zz'.repeat(32)}`],
    ['a v1 of the wrong length', `t=${NOW},v1=${OTHER_DIGEST}ab`],
    ['an empty v1', `t=${NOW},v1=`],
    ['a part without "="', `t=${NOW},v1=${OTHER_DIGEST},garbage`],
    ['a trailing comma', `t=${NOW},v1=${OTHER_DIGEST},`],
    ['something else entirely', 'Bearer abc'],
  ])('calls a header with %s malformed', (_, header) => {
    expect(verify({ header })).toEqual({ valid: false, reason: 'malformed' });
  });

  it('parses the timestamp and every v1 digest', () => {
    expect(parseRelatelSignatureHeader(`t=${NOW},v1=${OTHER_DIGEST},v1=${'cd'.repeat(32)}`)).toEqual({
      timestamp: NOW,
      digests: [Buffer.from(OTHER_DIGEST, 'hex'), Buffer.from('cd'.repeat(32), 'hex')],
    });
  });

  it('compares every candidate digest in constant time, on equal-length buffers', () => {
    const header = `t=${NOW},v1=${OTHER_DIGEST},v1=${'cd'.repeat(32)},v1=${'ef'.repeat(32)}`;
    verify({ header, secrets: [SECRET, PREVIOUS] });
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    // 3 digests x 2 secrets, none skipped.
    expect(calls).toHaveLength(6);
    for (const [expected, received] of calls) {
      expect((expected as Buffer).byteLength).toBe(32);
      expect((received as Buffer).byteLength).toBe(32);
    }
  });

  it('keeps comparing after a match, so timing does not reveal which candidate matched', () => {
    const valid = signRelatelPayload(BODY, SECRET, NOW).split(',')[1];
    verify({ header: `t=${NOW},${valid},v1=${OTHER_DIGEST}` });
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalledTimes(2);
  });
});
