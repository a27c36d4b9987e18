/**
 * The GHL client, wired: credentials from the secret, the shared GHL health state (circuit
 * breaker), the shared rate budget, the transport. A consumer builds it once at module scope
 * with its AWS adapters (DynamoGhlHealthStore, DynamoRateBudgetStore, DynamoLock,
 * SecretsManagerStore); tests pass in-memory ones and a fake clock.
 */
import type { GhlClientConfig } from '../config.js';
import type { RetryPolicy } from '../retry.js';
import type { SecretStore } from '../secrets.js';
import { GhlCircuitBreaker, type GhlCircuitBreakerOptions, type GhlHealthStore } from './circuit-breaker.js';
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
  /** The GHL health state every consumer shares: build it with `createGhlHealth`. */
  health: GhlCircuitBreaker;
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
    health: deps.health,
    timeoutMs: deps.config.GHL_REQUEST_TIMEOUT_MS,
    ...(deps.retryPolicy ? { retryPolicy: deps.retryPolicy } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
  });
  return new HttpGhlClient(transport);
}

export interface GhlHealthDependencies {
  config: Pick<
    GhlClientConfig,
    'GHL_CIRCUIT_FAILURE_THRESHOLD' | 'GHL_CIRCUIT_FAILURE_WINDOW_MS' | 'GHL_CIRCUIT_PROBE_INTERVAL_MS' | 'GHL_REQUEST_TIMEOUT_MS'
  >;
  /** DynamoGhlHealthStore on the sync table in AWS; InMemoryGhlHealthStore within one process. */
  store: GhlHealthStore;
  now?: () => number;
  onChange?: GhlCircuitBreakerOptions['onChange'];
}

const PROBE_LEASE_MARGIN_MS = 5_000;

/** Builds the shared GHL circuit breaker from its settings (docs/GHL-CLIENT.md, "One GHL health state"). */
export function createGhlHealth(deps: GhlHealthDependencies): GhlCircuitBreaker {
  return new GhlCircuitBreaker({
    store: deps.store,
    failureThreshold: deps.config.GHL_CIRCUIT_FAILURE_THRESHOLD,
    failureWindowMs: deps.config.GHL_CIRCUIT_FAILURE_WINDOW_MS,
    probeIntervalMs: deps.config.GHL_CIRCUIT_PROBE_INTERVAL_MS,
    // A probe is one request with no rate wait (nothing reserves while the circuit is open): its
    // timeout plus a margin, after which another consumer may probe in place of a vanished one.
    probeLeaseMs: deps.config.GHL_REQUEST_TIMEOUT_MS + PROBE_LEASE_MARGIN_MS,
    ...(deps.now && { now: deps.now }),
    ...(deps.onChange && { onChange: deps.onChange }),
  });
}
