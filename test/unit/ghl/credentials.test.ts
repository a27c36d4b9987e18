import { describe, expect, it } from 'vitest';
import { parseGhlSecret } from '../../../lib/ghl/credentials.js';

const SECRET_ID = 'relatel-ghl-sync/ghl';
const parse = (value: unknown) => parseGhlSecret(typeof value === 'string' ? value : JSON.stringify(value), SECRET_ID);
const failureOf = (value: unknown) => {
  try {
    parse(value);
  } catch (error) {
    return error as Error & { kind: string; reason: string };
  }
  throw new Error('expected the secret to be refused');
};

describe('the GHL credentials secret', () => {
  it('accepts a private integration token', () => {
    expect(parse({ type: 'pit', token: 'pit-1', locationId: 'loc-1' })).toMatchObject({ type: 'pit', token: 'pit-1' });
  });

  it('accepts OAuth tokens with expiresAt as ISO 8601 or epoch milliseconds', () => {
    const oauth = { type: 'oauth', clientId: 'c', clientSecret: 's', accessToken: 'a', refreshToken: 'r', locationId: 'l' };
    expect(parse({ ...oauth, expiresAt: '2026-05-05T10:00:00Z' }).type).toBe('oauth');
    expect(parse({ ...oauth, expiresAt: 1_777_975_200_000 }).type).toBe('oauth');
  });

  it('names every missing field', () => {
    const error = failureOf({ type: 'oauth', clientId: 'c', accessToken: 'a', locationId: 'l' });
    expect(error).toMatchObject({ kind: 'auth', reason: 'ghl-secret-invalid' });
    expect(error.message).toBe(`GHL secret ${SECRET_ID} is invalid: clientSecret is missing, refreshToken is missing, expiresAt is missing`);
  });

  it('never echoes a value, even a malformed one', () => {
    const error = failureOf({ type: 'pit', token: 12345678, locationId: 'loc-secret-value' });
    expect(error.message).toBe(`GHL secret ${SECRET_ID} is invalid: token is malformed`);
  });

  it('refuses an unknown credential type', () => {
    expect(failureOf({ type: 'apikey', key: 'k' }).message).toContain('type must be "pit" or "oauth"');
  });

  it('refuses a secret that is not JSON without quoting it', () => {
    const error = failureOf('token=abc123');
    expect(error.message).toBe(`GHL secret ${SECRET_ID} is not JSON`);
  });

  it('refuses an unparseable expiresAt', () => {
    const oauth = { type: 'oauth', clientId: 'c', clientSecret: 's', accessToken: 'a', refreshToken: 'r', locationId: 'l', expiresAt: 'soon' };
    expect(failureOf(oauth).message).toContain('expiresAt must be ISO 8601 or epoch milliseconds');
  });
});
