import { describe, expect, it } from 'vitest';
import { InMemorySecretStore } from '../../../lib/secrets.js';

describe('InMemorySecretStore', () => {
  it('keeps the replaced value as the previous version, like a Secrets Manager rotation', async () => {
    const store = new InMemorySecretStore({ s: 'old' });
    await store.putSecretString('s', 'new');
    expect(await store.getSecretString('s')).toBe('new');
    expect(await store.getSecretString('s', 'AWSPREVIOUS')).toBe('old');
  });
});
