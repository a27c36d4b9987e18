/**
 * The secret store port. Lambdas read Secrets Manager through `SecretsManagerStore`
 * (lib/aws/secrets-manager.ts); the local stack and tests use `InMemorySecretStore`. Domain
 * code only ever sees this interface.
 */
export type SecretVersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretStore {
  /** The secret's string value at a version stage; undefined when that stage does not exist. */
  getSecretString(secretId: string, stage?: SecretVersionStage): Promise<string | undefined>;
  /** Writes a new current version (e.g. a refreshed OAuth token). */
  putSecretString(secretId: string, value: string): Promise<void>;
}

/** Secrets kept in memory: for the local stack (filled from env or a file) and for tests. */
export class InMemorySecretStore implements SecretStore {
  private readonly versions = new Map<string, { current?: string; previous?: string }>();

  constructor(initial: Record<string, string> = {}) {
    for (const [id, value] of Object.entries(initial)) this.versions.set(id, { current: value });
  }

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    const entry = this.versions.get(secretId);
    return stage === 'AWSCURRENT' ? entry?.current : entry?.previous;
  }

  async putSecretString(secretId: string, value: string) {
    const entry = this.versions.get(secretId);
    this.versions.set(secretId, { current: value, previous: entry?.current });
  }
}

export interface SecretCacheOptions {
  /** How long a value is served from memory before it is read again. */
  ttlMs: number;
  /** Forced refreshes (e.g. after a signature mismatch) happen at most this often. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

/**
 * Caches one value derived from a secret store (e.g. the current and previous signing
 * secrets), so a warm Lambda makes no Secrets Manager call per request. Concurrent loads share
 * one in-flight read.
 */
export class SecretCache<T> {
  private value?: T;
  private loadedAt = -Infinity;
  private inFlight?: Promise<T>;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: SecretCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.loadedAt < this.options.ttlMs) return this.value;
    return this.reload();
  }

  /**
   * Reads the secret again unless it was read within `minRefreshIntervalMs`; answers whether
   * a fresh read happened. Bounded so a flood of bad signatures cannot flood Secrets Manager.
   */
  async refresh(): Promise<boolean> {
    const interval = this.options.minRefreshIntervalMs ?? 60_000;
    if (this.now() - this.loadedAt < interval) return false;
    await this.reload();
    return true;
  }

  private reload(): Promise<T> {
    this.inFlight ??= this.load()
      .then((value) => {
        this.value = value;
        this.loadedAt = this.now();
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
