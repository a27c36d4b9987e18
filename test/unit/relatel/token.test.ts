/** The Relatel API token secret: a bare token or `{"token": "..."}`; an empty or malformed one fails with the secret's id, never its value. */
import { describe, expect, it } from 'vitest';
import { readRelatelToken } from '../../../lib/relatel/token.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';

const read = (value?: string) => readRelatelToken(new InMemorySecretStore(value === undefined ? {} : { relatel: value }), 'relatel');

describe('readRelatelToken', () => {
  it('reads a bare token, trimmed', async () => {
    await expect(read('  tok-123\n')).resolves.toBe('tok-123');
  });

  it('reads the token field of a JSON secret', async () => {
    await expect(read('{"token": "tok-456"}')).resolves.toBe('tok-456');
  });

  it.each([undefined, '', '   '])('refuses an empty secret (%j)', async (value) => {
    await expect(read(value)).rejects.toThrow('The Relatel API token secret (relatel) is empty');
  });

  it('refuses JSON without a token, without echoing the secret', async () => {
    const failure = read('{"tokn": "secret-value"}');
    await expect(failure).rejects.toThrow('has no "token" field');
    await expect(failure).rejects.not.toThrow('secret-value');
  });
});
