/** The GHL client's settings for tests: a budget of 90 per 10 s, 5 s request timeout, production's circuit. */
import type { GhlClientDependencies, GhlHealthDependencies } from '../../lib/ghl/index.js';

/** What both the client and its circuit breaker read. */
export type TestGhlConfig = GhlClientDependencies['config'] & GhlHealthDependencies['config'];

export function testGhlConfig(baseUrl: string, secretId: string, overrides: Partial<TestGhlConfig> = {}): TestGhlConfig {
  return {
    GHL_BASE_URL: baseUrl,
    GHL_SECRET_ID: secretId,
    GHL_REQUEST_TIMEOUT_MS: 5_000,
    GHL_RATE_LIMIT_REQUESTS: 90,
    GHL_RATE_LIMIT_INTERVAL_MS: 10_000,
    GHL_CREDENTIALS_TTL_MS: 300_000,
    GHL_CIRCUIT_FAILURE_THRESHOLD: 5,
    GHL_CIRCUIT_FAILURE_WINDOW_MS: 60_000,
    GHL_CIRCUIT_PROBE_INTERVAL_MS: 30_000,
    ...overrides,
  };
}
