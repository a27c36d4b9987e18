/** A GHL client wired to the spec-checking server, with in-memory ports and a fake clock. */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createGhlClient, createGhlHealth, InMemoryGhlHealthStore, InMemoryLock, InMemoryRateBudgetStore, type GhlClient } from '../../../lib/ghl/index.js';
import type { RetryPolicy } from '../../../lib/retry.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { startSpecCheckingGhlServer, type SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { fakeClock, type FakeClock } from '../../unit/ghl/fake-clock.js';
import { testGhlConfig } from '../../factories/ghl-config.js';

export const SECRET_ID = 'relatel-ghl-sync/ghl';
export const LOCATION_ID = 'loc-test';
export const PIT_TOKEN = 'pit-test-token';

export const pitSecret = (overrides: Record<string, unknown> = {}) => ({
  type: 'pit',
  token: PIT_TOKEN,
  locationId: LOCATION_ID,
  ...overrides,
});

export const oauthSecret = (overrides: Record<string, unknown> = {}) => ({
  type: 'oauth',
  clientId: 'client-test',
  clientSecret: 'client-secret-test',
  accessToken: 'oauth-access-0',
  refreshToken: 'oauth-refresh-0',
  expiresAt: '2026-05-05T10:00:00.000Z',
  locationId: LOCATION_ID,
  ...overrides,
});

export interface Harness {
  client: GhlClient;
  clock: FakeClock;
  secretStore: InMemorySecretStore;
}

export function clientFor(
  server: SpecCheckingGhlServer,
  options: {
    secret?: Record<string, unknown>;
    secretStore?: InMemorySecretStore;
    clock?: FakeClock;
    lock?: InMemoryLock;
    rateBudgetStore?: InMemoryRateBudgetStore;
    timeoutMs?: number;
    retryPolicy?: RetryPolicy;
  } = {},
): Harness {
  const clock = options.clock ?? fakeClock();
  const secretStore = options.secretStore ?? new InMemorySecretStore({ [SECRET_ID]: JSON.stringify(options.secret ?? pitSecret()) });
  const ghlConfig = testGhlConfig(server.url, SECRET_ID, { GHL_REQUEST_TIMEOUT_MS: options.timeoutMs ?? 5_000 });
  const client = createGhlClient({
    config: ghlConfig,
    health: createGhlHealth({ config: ghlConfig, store: new InMemoryGhlHealthStore(), now: clock.now }),
    secretStore,
    lock: options.lock ?? new InMemoryLock(clock.now),
    rateBudgetStore: options.rateBudgetStore ?? new InMemoryRateBudgetStore(),
    ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  return { client, clock, secretStore };
}

/** One attempt, no backoff: for tests about a single request's fate. */
export const ONE_ATTEMPT: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/**
 * A spec-checking server for the tests of the calling file: after each test, no request broke
 * the spec, every scripted answer was used, and the server forgets what it saw.
 */
export function specCheckingServerPerFile(): () => SpecCheckingGhlServer {
  let server: SpecCheckingGhlServer | undefined;
  beforeAll(async () => {
    server = await startSpecCheckingGhlServer([PIT_TOKEN]);
  });
  afterAll(() => server?.close());
  afterEach(() => {
    expect(server?.violations).toEqual([]);
    expect(server?.unusedScripts).toBe(0);
    server?.reset();
  });
  return () => {
    if (server === undefined) throw new Error('the spec-checking server is started before the first test');
    return server;
  };
}
