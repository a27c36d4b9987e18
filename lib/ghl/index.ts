/** The GHL adapter's public surface: re-exports only (the client is built in create-client.ts). */
export { createGhlClient, createGhlHealth, type GhlClientDependencies, type GhlHealthDependencies } from './create-client.js';
export { GhlCircuitBreaker, InMemoryGhlHealthStore, type GhlHealthStore } from './circuit-breaker.js';
export type * from './client.js';
export { HttpGhlClient } from './client.js';
export { SecretGhlCredentials, StaticGhlCredentials, parseGhlSecret, type GhlAccess, type GhlCredentialSource } from './credentials.js';
export { GHL_DAILY_QUOTA_REASON } from './errors.js';
export { InMemoryLock, type Lock, type LockLease } from './lock.js';
export { GhlRateLimiter, InMemoryRateBudgetStore, type RateBudgetStore } from './rate-limiter.js';
export { GHL_OUT_OF_TIME_REASON, GhlTransport, withinTimeLimit, type TimeLeft } from './transport.js';
