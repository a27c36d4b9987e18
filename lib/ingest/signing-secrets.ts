/**
 * The webhook signing secrets, read from a SecretStore and cached, so a warm Lambda makes no
 * Secrets Manager call per request. Both version stages are accepted: during a rotation Relatel
 * may still sign with the previous secret, and losing those events is not an option.
 */
import { CachedValue } from '../cached-value.js';
import type { SecretStore } from '../secrets.js';
import type { SigningSecrets } from './ports.js';

export interface SigningSecretsOptions {
  /** How long the secrets are served from memory. */
  ttlMs?: number;
  /** Re-reads after a signature mismatch happen at most this often. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export const SIGNING_SECRETS_TTL_MS = 5 * 60_000;
export const SIGNING_SECRETS_MIN_REFRESH_MS = 60_000;

export function cachedSigningSecrets(
  store: SecretStore,
  secretId: string,
  options: SigningSecretsOptions = {},
): SigningSecrets {
  const now = options.now ?? Date.now;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? SIGNING_SECRETS_MIN_REFRESH_MS;
  const cache = new CachedValue(() => readSigningSecrets(store, secretId), {
    ttlMs: options.ttlMs ?? SIGNING_SECRETS_TTL_MS,
    minRefreshIntervalMs,
    now,
  });
  let lastKnown: readonly string[] | undefined;
  let lastFailedRefreshAt = -Infinity;

  return {
    async get() {
      try {
        lastKnown = await cache.get();
      } catch (error) {
        // A Secrets Manager hiccup after the TTL should not refuse every webhook: the secrets
        // we verified with a moment ago are still the right ones unless a rotation happened,
        // and the previous secret stays valid through one.
        if (lastKnown === undefined) throw error;
      }
      return lastKnown;
    },
    async refresh() {
      // CachedValue limits successful reads; failed ones are limited here, so a flood of bad
      // signatures cannot turn into a flood of calls to a struggling Secrets Manager.
      if (now() - lastFailedRefreshAt < minRefreshIntervalMs) return undefined;
      try {
        if (!(await cache.refresh())) return undefined;
      } catch (error) {
        lastFailedRefreshAt = now();
        throw error;
      }
      lastKnown = await cache.get();
      return lastKnown;
    },
  };
}

async function readSigningSecrets(store: SecretStore, secretId: string): Promise<readonly string[]> {
  const [current, previous] = await Promise.all([
    store.getSecretString(secretId, 'AWSCURRENT'),
    store.getSecretString(secretId, 'AWSPREVIOUS'),
  ]);
  if (!current) throw new Error('The webhook signing secret has no current value');
  return previous && previous !== current ? [current, previous] : [current];
}
