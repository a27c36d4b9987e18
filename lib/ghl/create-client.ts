/**
 * The GHL client, wired: credentials from the secret, the shared rate budget, the transport.
 * A consumer builds it once at module scope with its AWS adapters (DynamoRateBudgetStore,
 * DynamoLock, SecretsManagerStore); tests pass in-memory ones and a fake clock.
 */
import type { GhlClientConfig } from '../config.js';
import type { RetryPolicy } from '../retry.js';
import type { SecretStore } from '../secrets.js';
import { HttpGhlClient, type GhlClient } from './client.js';
import { SecretGhlCredentials } from './credentials.js';
import type { FetchFn } from './http.js';
import type { Lock } from './lock.js';
import { GhlRateLimiter, type RateBudgetStore } from './rate-limiter.js';
import { GhlTransport } from './transport.js';

export interface GhlClientDependencies {
  config: Pick<
    GhlClientConfig,
    | 'GHL_BASE_URL'
    | 'GHL_SECRET_ID'
    | 'GHL_REQUEST_TIMEOUT_MS'
    | 'GHL_RATE_LIMIT_REQUESTS'
    | 'GHL_RATE_LIMIT_INTERVAL_MS'
    | 'GHL_CREDENTIALS_TTL_MS'
  >;
  secretStore: SecretStore;
  lock: Lock;
  rateBudgetStore: RateBudgetStore;
  retryPolicy?: RetryPolicy;
  fetch?: FetchFn;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Builds the GHL client from its settings and adapters. */
export function createGhlClient(deps: GhlClientDependencies): GhlClient {
  const clock = {
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
  const credentials = new SecretGhlCredentials({
    store: deps.secretStore,
    secretId: deps.config.GHL_SECRET_ID,
    lock: deps.lock,
    baseUrl: deps.config.GHL_BASE_URL,
    cacheTtlMs: deps.config.GHL_CREDENTIALS_TTL_MS,
    requestTimeoutMs: deps.config.GHL_REQUEST_TIMEOUT_MS,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...clock,
  });
  const rateLimiter = new GhlRateLimiter({
    store: deps.rateBudgetStore,
    requests: deps.config.GHL_RATE_LIMIT_REQUESTS,
    intervalMs: deps.config.GHL_RATE_LIMIT_INTERVAL_MS,
    ...clock,
  });
  const transport = new GhlTransport({
    baseUrl: deps.config.GHL_BASE_URL,
    credentials,
    rateLimiter,
    timeoutMs: deps.config.GHL_REQUEST_TIMEOUT_MS,
    ...(deps.retryPolicy ? { retryPolicy: deps.retryPolicy } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
  });
  return new HttpGhlClient(transport);
}
