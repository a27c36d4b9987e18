/**
 * The webhook signing secrets, read from the secret store and cached, so a warm Lambda makes no
 * Secrets Manager call per request. The current version is always accepted. The previous one
 * (`AWSPREVIOUS`) is accepted only for a grace window after the current version was created:
 * during a planned rotation Relatel may still sign with the old secret for a while, and losing
 * those events is not an option; after an emergency rotation (a leaked secret) the old one must
 * stop working soon, not at the next rotation. Which secrets are accepted is decided per call,
 * against the clock, so a cached read cannot stretch the window.
 */
import { CachedValue } from '../cached-value.js';
import type { SecretVersion, SecretVersionReader } from '../secrets.js';
import type { SigningSecrets } from './ports.js';

export interface SigningSecretsOptions {
  /** How long after the current version was created the previous one is still accepted; 0 refuses it. */
  previousGraceMs: number;
  /** How long the secrets are served from memory. */
  ttlMs?: number;
  /** Re-reads after a signature mismatch happen at most this often. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export const SIGNING_SECRETS_TTL_MS = 5 * 60_000;
export const SIGNING_SECRETS_MIN_REFRESH_MS = 60_000;

/** The two versions of the signing secret as the store holds them. */
export interface SigningSecretVersions {
  readonly current: SecretVersion;
  readonly previous: SecretVersion | undefined;
}

/**
 * The secrets a signature may match at `nowMs`: the current one, and the previous one while
 * `nowMs` is less than `graceMs` after the current version's creation. A current version of
 * unknown age refuses the previous one: the window cannot be shown to be open.
 */
export function acceptedSigningSecrets(versions: SigningSecretVersions, nowMs: number, graceMs: number): readonly string[] {
  const { current, previous } = versions;
  if (previous === undefined || previous.value === current.value || current.createdAt === undefined) return [current.value];
  return nowMs - current.createdAt.getTime() < graceMs ? [current.value, previous.value] : [current.value];
}

/** SigningSecrets read from `store` and cached, accepting the previous version within the grace window. */
export function cachedSigningSecrets(store: SecretVersionReader, secretId: string, options: SigningSecretsOptions): SigningSecrets {
  const now = options.now ?? Date.now;
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? SIGNING_SECRETS_MIN_REFRESH_MS;
  const cache = new CachedValue(() => readSigningSecretVersions(store, secretId), {
    ttlMs: options.ttlMs ?? SIGNING_SECRETS_TTL_MS,
    minRefreshIntervalMs,
    now,
  });
  const accepted = (versions: SigningSecretVersions) => acceptedSigningSecrets(versions, now(), options.previousGraceMs);
  let lastKnown: SigningSecretVersions | undefined;
  let lastFailedRefreshAt = -Infinity;

  return {
    async get() {
      try {
        lastKnown = await cache.get();
      } catch (error) {
        // A Secrets Manager hiccup after the TTL should not refuse every webhook: the secrets
        // we verified with a moment ago are still the right ones unless a rotation happened,
        // and the grace window still applies to them.
        if (lastKnown === undefined) throw error;
      }
      return accepted(lastKnown);
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
      return accepted(lastKnown);
    },
  };
}

async function readSigningSecretVersions(store: SecretVersionReader, secretId: string): Promise<SigningSecretVersions> {
  const [current, previous] = await Promise.all([
    store.getSecretVersion(secretId, 'AWSCURRENT'),
    store.getSecretVersion(secretId, 'AWSPREVIOUS'),
  ]);
  if (!current?.value) throw new Error('The webhook signing secret has no current value');
  return { current, previous };
}
