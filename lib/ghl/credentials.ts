/**
 * GHL credentials from one secret, holding either a Private Integration Token
 * `{type:"pit", token, locationId}` or OAuth tokens
 * `{type:"oauth", clientId, clientSecret, accessToken, refreshToken, expiresAt, locationId}`.
 *
 * OAuth refresh is single-flight across Lambdas: every refresh returns a NEW refresh token and
 * invalidates the old one, so two concurrent refreshes with the same refresh token would leave
 * one Lambda (and possibly the stored secret) with a dead token. The refresher holds a shared
 * lock, re-reads the secret under it (someone may have refreshed already), refreshes, and
 * writes the new tokens back before releasing.
 */
import * as z from 'zod/mini';
import { authError, errorKindOfStatus, transientError } from '../errors.js';
import { sleep as realSleep, withRetry } from '../retry.js';
import { CachedValue } from '../cached-value.js';
import type { SecretStore } from '../secrets.js';
import { ghlErrorFromAnswer } from './errors.js';
import { exchange, type FetchFn } from './http.js';
import type { Lock } from './lock.js';

/** What a request needs: the bearer token and the location it acts for. */
export interface GhlAccess {
  token: string;
  locationId: string;
}

/** Where the transport gets its credentials: swap it for a static one in tests. */
export interface GhlCredentialSource {
  current(): Promise<GhlAccess>;
  /**
   * GHL refused `rejectedToken` (401): read the credentials again, since another Lambda or a
   * human may have rotated them. Answers the new access, or undefined when nothing changed.
   */
  renewAfterUnauthorized(rejectedToken: string): Promise<GhlAccess | undefined>;
}

/** Fixed credentials: for tests and the local stack. */
export class StaticGhlCredentials implements GhlCredentialSource {
  constructor(private readonly access: GhlAccess) {}
  async current() {
    return this.access;
  }
  async renewAfterUnauthorized() {
    return undefined;
  }
}

const nonEmpty = () => z.string().check(z.minLength(1));

const pitSecretSchema = z.looseObject({
  type: z.literal('pit'),
  token: nonEmpty(),
  locationId: nonEmpty(),
});

const oauthSecretSchema = z.looseObject({
  type: z.literal('oauth'),
  clientId: nonEmpty(),
  clientSecret: nonEmpty(),
  accessToken: nonEmpty(),
  refreshToken: nonEmpty(),
  /** ISO 8601, or epoch milliseconds. */
  expiresAt: z.union([nonEmpty(), z.number()]),
  locationId: nonEmpty(),
});

const ghlSecretSchema = z.discriminatedUnion('type', [pitSecretSchema, oauthSecretSchema]);

export type GhlPitSecret = z.infer<typeof pitSecretSchema>;
export type GhlOAuthSecret = z.infer<typeof oauthSecretSchema>;
export type GhlSecret = z.infer<typeof ghlSecretSchema>;

/**
 * Parses the secret's JSON. A malformed secret is an auth failure (a human must fix it); the
 * message names the missing or malformed fields and never echoes a value.
 */
export function parseGhlSecret(text: string | undefined, secretId: string): GhlSecret {
  if (text === undefined) throw authError(`GHL secret ${secretId} has no value`, { reason: 'ghl-secret-invalid' });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw authError(`GHL secret ${secretId} is not JSON`, { reason: 'ghl-secret-invalid' });
  }
  const result = ghlSecretSchema.safeParse(json);
  if (result.success) {
    if (result.data.type === 'oauth' && Number.isNaN(expiresAtMs(result.data))) {
      throw authError(`GHL secret ${secretId} is invalid: expiresAt must be ISO 8601 or epoch milliseconds`, {
        reason: 'ghl-secret-invalid',
      });
    }
    return result.data;
  }
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    if (name === '' || name === 'type') return 'type must be "pit" or "oauth"';
    // Decided from the secret itself: zod issues do not carry the input (and must not be echoed).
    return fields[name] === undefined ? `${name} is missing` : `${name} is malformed`;
  });
  throw authError(`GHL secret ${secretId} is invalid: ${problems.join(', ')}`, { reason: 'ghl-secret-invalid' });
}

export function expiresAtMs(secret: GhlOAuthSecret): number {
  return typeof secret.expiresAt === 'number' ? secret.expiresAt : Date.parse(secret.expiresAt);
}

const accessOf = (secret: GhlSecret): GhlAccess => ({
  token: secret.type === 'pit' ? secret.token : secret.accessToken,
  locationId: secret.locationId,
});

const tokenAnswerSchema = z.looseObject({
  access_token: nonEmpty(),
  refresh_token: nonEmpty(),
  expires_in: z.number(),
});

export interface SecretGhlCredentialsOptions {
  store: SecretStore;
  secretId: string;
  lock: Lock;
  /** GHL base URL, for POST /oauth/token. */
  baseUrl: string;
  /** How long the secret is served from memory. */
  cacheTtlMs?: number;
  /** Refresh an OAuth token this long before it expires. */
  refreshMarginMs?: number;
  /** Longest a refresh may hold the lock (must cover the token call and the write-back). */
  lockLeaseMs?: number;
  /** How long a Lambda with an expired token waits for another Lambda's refresh. */
  lockWaitMs?: number;
  lockPollMs?: number;
  requestTimeoutMs?: number;
  fetch?: FetchFn;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class SecretGhlCredentials implements GhlCredentialSource {
  private readonly cache: CachedValue<GhlSecret>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: FetchFn;
  private refreshing?: Promise<GhlAccess>;

  constructor(private readonly options: SecretGhlCredentialsOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.fetch = options.fetch ?? fetch;
    this.cache = new CachedValue(
      async () => parseGhlSecret(await options.store.getSecretString(options.secretId), options.secretId),
      // Forced re-reads only happen after a 401 or around a refresh, both rare and bounded.
      { ttlMs: options.cacheTtlMs ?? 5 * 60_000, minRefreshIntervalMs: 0, now: this.now },
    );
  }

  async current(): Promise<GhlAccess> {
    const secret = await this.cache.get();
    if (secret.type === 'pit' || !this.expiresSoon(secret)) return accessOf(secret);
    // In-process single flight; the lock makes it single-flight across Lambdas.
    this.refreshing ??= this.refreshAcrossLambdas(secret).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async renewAfterUnauthorized(rejectedToken: string): Promise<GhlAccess | undefined> {
    const latest = await this.reread();
    const access = accessOf(latest);
    return access.token === rejectedToken ? undefined : access;
  }

  private expiresSoon(secret: GhlOAuthSecret) {
    return expiresAtMs(secret) - this.now() <= (this.options.refreshMarginMs ?? 5 * 60_000);
  }

  private async reread(): Promise<GhlSecret> {
    await this.cache.refresh();
    return this.cache.get();
  }

  private async refreshAcrossLambdas(seen: GhlOAuthSecret): Promise<GhlAccess> {
    const lockName = `ghl-oauth-refresh#${this.options.secretId}`;
    const deadline = this.now() + (this.options.lockWaitMs ?? 10_000);
    for (;;) {
      const lease = await this.options.lock.tryAcquire(lockName, this.options.lockLeaseMs ?? 30_000);
      if (lease) {
        try {
          const latest = await this.reread();
          if (latest.type === 'pit' || !this.expiresSoon(latest)) return accessOf(latest);
          return await this.refresh(latest);
        } finally {
          await lease.release();
        }
      }
      // Another Lambda is refreshing. A token that has not expired yet still works meanwhile.
      if (expiresAtMs(seen) > this.now()) return accessOf(seen);
      if (this.now() >= deadline) {
        throw transientError('GHL OAuth token expired and another process is still refreshing it', {
          reason: 'ghl-oauth-refresh-in-progress',
        });
      }
      await this.sleep(this.options.lockPollMs ?? 500);
      const latest = await this.reread();
      if (latest.type === 'pit' || !this.expiresSoon(latest)) return accessOf(latest);
    }
  }

  private async refresh(secret: GhlOAuthSecret): Promise<GhlAccess> {
    const label = { method: 'POST', path: '/oauth/token' };
    const answer = await exchange(
      this.fetch,
      new URL('/oauth/token', this.options.baseUrl).toString(),
      {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: secret.clientId,
          client_secret: secret.clientSecret,
          grant_type: 'refresh_token',
          refresh_token: secret.refreshToken,
          user_type: 'Location',
        }).toString(),
      },
      this.options.requestTimeoutMs ?? 10_000,
      label,
    );
    if (answer.status < 200 || answer.status >= 300) {
      const error = ghlErrorFromAnswer(label, answer.status, answer.body, answer.headers, { dailyQuotaRetryAfterMs: 0 });
      if (errorKindOfStatus(answer.status) === 'transient') throw error;
      // A refused refresh token does not heal by retrying: someone must re-authorise the app.
      throw authError(`GHL refused the OAuth refresh (${answer.status}): re-authorise the app`, {
        reason: 'ghl-oauth-refresh-rejected',
        status: answer.status,
        ...(error.traceId === undefined ? {} : { traceId: error.traceId }),
      });
    }
    const tokens = tokenAnswerSchema.safeParse(answer.body);
    if (!tokens.success) {
      throw transientError('GHL answered the OAuth refresh without tokens', { reason: 'ghl-oauth-answer-invalid' });
    }
    const refreshed: GhlOAuthSecret = {
      ...secret,
      accessToken: tokens.data.access_token,
      refreshToken: tokens.data.refresh_token,
      expiresAt: new Date(this.now() + tokens.data.expires_in * 1000).toISOString(),
    };
    await this.writeBack(refreshed);
    return accessOf(refreshed);
  }

  /** The old refresh token is dead now: losing the new one would need a human, so retry hard. */
  private async writeBack(secret: GhlOAuthSecret) {
    try {
      await withRetry(() => this.options.store.putSecretString(this.options.secretId, JSON.stringify(secret)), {
        policy: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 2_000 },
        shouldRetry: () => true,
        sleep: this.sleep,
      });
    } catch (error) {
      throw authError('GHL OAuth tokens were refreshed but could not be stored: re-authorise the app', {
        reason: 'ghl-oauth-token-not-stored',
        cause: error,
      });
    }
    await this.cache.refresh();
  }
}
