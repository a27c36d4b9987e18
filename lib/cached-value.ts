/**
 * One value loaded from somewhere slow (a secret from Secrets Manager, a GHL setting), kept in
 * memory so a warm Lambda does not load it per request. Concurrent loads share one in-flight
 * read; a load that fails is not kept, so the next `get` tries again.
 */
export interface CachedValueOptions<T> {
  /** How long a value is served from memory before it is loaded again. */
  ttlMs: number;
  /** A TTL that depends on the value loaded (e.g. shorter for a fallback); `ttlMs` otherwise. */
  ttlMsOf?: (value: T) => number;
  /** Forced refreshes (e.g. after a signature mismatch) happen at most this often. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export class CachedValue<T> {
  private value?: T;
  private loadedAt = -Infinity;
  private ttlMs: number;
  private inFlight?: Promise<T>;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: CachedValueOptions<T>,
  ) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs;
  }

  async get(): Promise<T> {
    if (this.value !== undefined && this.now() - this.loadedAt < this.ttlMs) return this.value;
    return this.reload();
  }

  /**
   * Loads the value again unless it was loaded within `minRefreshIntervalMs`; answers whether
   * a fresh load happened. Bounded so a flood of bad signatures cannot flood Secrets Manager.
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
        this.ttlMs = this.options.ttlMsOf?.(value) ?? this.options.ttlMs;
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
