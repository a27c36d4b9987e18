/**
 * OAuth credentials: refreshed before they expire, once across concurrent Lambdas (every
 * refresh invalidates the old refresh token), with the new tokens written back to the secret.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryLock } from '../../../lib/ghl/index.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { startSpecCheckingGhlServer, type SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { fakeClock, type FakeClock } from '../../unit/ghl/fake-clock.js';
import { clientFor, LOCATION_ID, oauthSecret, SECRET_ID } from './harness.js';

const NOW = Date.UTC(2026, 4, 4, 10, 0, 0);
const inMinutes = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

/** A fake clock whose sleeps take a real millisecond: the refresher's HTTP call needs real time. */
function clockWithRealPolling(): FakeClock {
  const clock = fakeClock(NOW);
  return { ...clock, sleep: (ms) => (clock.sleeps.push(ms), new Promise((resolve) => setTimeout(resolve, 1))) };
}

describe('OAuth credentials', () => {
  let server: SpecCheckingGhlServer;
  let secretStore: InMemorySecretStore;
  let lock: InMemoryLock;

  beforeAll(async () => {
    server = await startSpecCheckingGhlServer([]);
    server.oauthApp = { clientId: 'client-test', clientSecret: 'client-secret-test', locationId: LOCATION_ID };
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    server.acceptedTokens.clear();
    server.validRefreshTokens.clear();
    server.acceptedTokens.add('oauth-access-0');
    server.validRefreshTokens.add('oauth-refresh-0');
    lock = new InMemoryLock(() => NOW);
  });
  afterEach(() => expect(server.violations).toEqual([]));

  const storeWith = (secret: Record<string, unknown>) =>
    (secretStore = new InMemorySecretStore({ [SECRET_ID]: JSON.stringify(secret) }));
  const storedSecret = async () => JSON.parse((await secretStore.getSecretString(SECRET_ID)) ?? '{}') as Record<string, unknown>;

  it('uses a token that is not about to expire without refreshing', async () => {
    const { client } = clientFor(server, { secretStore: storeWith(oauthSecret({ expiresAt: inMinutes(60) })), clock: fakeClock(NOW), lock });
    await client.getContact('contact-1');
    expect(server.requestsOf('get-access-token')).toHaveLength(0);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer oauth-access-0');
  });

  it('refreshes a token about to expire and writes the new refresh token back', async () => {
    const { client } = clientFor(server, { secretStore: storeWith(oauthSecret({ expiresAt: inMinutes(2) })), clock: fakeClock(NOW), lock });
    await client.getContact('contact-1');

    expect(server.requestsOf('get-access-token')[0]?.body).toEqual({
      client_id: 'client-test',
      client_secret: 'client-secret-test',
      grant_type: 'refresh_token',
      refresh_token: 'oauth-refresh-0',
      user_type: 'Location',
    });
    expect(server.requestsOf('get-contact')[0]?.headers.authorization).toBe('Bearer oauth-access-1');
    expect(await storedSecret()).toMatchObject({
      type: 'oauth',
      accessToken: 'oauth-access-1',
      refreshToken: 'oauth-refresh-1',
      expiresAt: new Date(NOW + 86_399_000).toISOString(),
      clientId: 'client-test',
      locationId: LOCATION_ID,
    });
  });

  it('two Lambdas with a token about to expire refresh it once', async () => {
    storeWith(oauthSecret({ expiresAt: inMinutes(2) }));
    // Two Lambdas: separate clients and caches, one secret, one lock.
    const first = clientFor(server, { secretStore, clock: fakeClock(NOW), lock });
    const second = clientFor(server, { secretStore, clock: fakeClock(NOW), lock });

    await Promise.all([first.client.getContact('contact-1'), second.client.getContact('contact-2')]);

    expect(server.requestsOf('get-access-token')).toHaveLength(1);
    expect(await storedSecret()).toMatchObject({ refreshToken: 'oauth-refresh-1' });
  });

  it('two Lambdas with an expired token refresh it once; the other waits for the new token', async () => {
    storeWith(oauthSecret({ expiresAt: inMinutes(-1) }));
    server.acceptedTokens.delete('oauth-access-0');
    const first = clientFor(server, { secretStore, clock: clockWithRealPolling(), lock });
    const second = clientFor(server, { secretStore, clock: clockWithRealPolling(), lock });

    await Promise.all([first.client.getContact('contact-1'), second.client.getContact('contact-2')]);

    expect(server.requestsOf('get-access-token')).toHaveLength(1);
    expect(server.requestsOf('get-contact').map((r) => r.headers.authorization)).toEqual([
      'Bearer oauth-access-1',
      'Bearer oauth-access-1',
    ]);
  });

  it('a Lambda re-reads the secret under the lock and does not refresh what another Lambda refreshed', async () => {
    storeWith(oauthSecret({ expiresAt: inMinutes(8) }));
    const clock = fakeClock(NOW);
    const lambda = clientFor(server, { secretStore, clock, lock });
    await lambda.client.getContact('warm-up'); // caches a token with 8 minutes left: no refresh yet
    // Another Lambda refreshes and stores tokens valid for a day; ours still has the old ones cached.
    server.acceptedTokens.add('oauth-access-9');
    await secretStore.putSecretString(
      SECRET_ID,
      JSON.stringify(oauthSecret({ accessToken: 'oauth-access-9', refreshToken: 'oauth-refresh-9', expiresAt: inMinutes(1440) })),
    );
    clock.advance(4 * 60_000); // 4 minutes left: within the refresh margin, cache still warm

    await lambda.client.getContact('contact-1');

    expect(server.requestsOf('get-access-token')).toHaveLength(0);
    expect(server.requestsOf('get-contact')[1]?.headers.authorization).toBe('Bearer oauth-access-9');
  });

  it('an expired token while another Lambda holds the refresh lock too long is transient', async () => {
    storeWith(oauthSecret({ expiresAt: inMinutes(-1) }));
    const clock = fakeClock(NOW);
    const lockHeldElsewhere = new InMemoryLock(clock.now);
    await lockHeldElsewhere.tryAcquire(`ghl-oauth-refresh#${SECRET_ID}`, 600_000);
    const { client } = clientFor(server, { secretStore, clock, lock: lockHeldElsewhere });
    await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-oauth-refresh-in-progress' });
    expect(server.requestsOf('get-access-token')).toHaveLength(0);
  });

  it('a refresh token GHL refuses is an auth error naming the fix', async () => {
    server.validRefreshTokens.clear();
    const { client } = clientFor(server, { secretStore: storeWith(oauthSecret({ expiresAt: inMinutes(-1) })), clock: fakeClock(NOW), lock });
    await expect(client.getContact('contact-1')).rejects.toMatchObject({
      kind: 'auth',
      reason: 'ghl-oauth-refresh-rejected',
      status: 401,
      message: expect.stringContaining('re-authorise'),
    });
  });

  it('a private integration token never calls the token endpoint', async () => {
    server.acceptedTokens.add('pit-test-token');
    const { client } = clientFor(server, { lock });
    await client.getContact('contact-1');
    expect(server.requestsOf('get-access-token')).toHaveLength(0);
  });
});
