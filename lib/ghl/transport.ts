/**
 * Every GHL API request goes through `GhlTransport.send`: credentials, the shared GHL health
 * state, the shared rate budget, the headers GHL requires, a timeout, the error taxonomy and the
 * one retry policy.
 *
 * In-process retries are few and short on purpose: a Lambda that waits out a long outage
 * burns its timeout and holds its FIFO message group; SQS redelivery is the long-term retry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isSyncError } from '../errors.js';
import { sleep as realSleep, withRetry, type RetryPolicy } from '../retry.js';
import { GhlCircuitBreaker, InMemoryGhlHealthStore } from './circuit-breaker.js';
import type { GhlCredentialSource, GhlAccess } from './credentials.js';
import {
  GHL_CIRCUIT_OPEN_REASON,
  GHL_DAILY_QUOTA_REASON,
  GHL_OUT_OF_TIME_REASON,
  GHL_RATE_WAIT_BEYOND_DEADLINE_REASON,
  ghlErrorFromAnswer,
  mayHaveBeenApplied,
  outOfTime,
  readRateLimitHeaders,
  type GhlOperationLabel,
} from './errors.js';
import { exchange, type FetchFn, type HttpAnswer } from './http.js';
import type { GhlRateLimiter } from './rate-limiter.js';
import { GHL_API_VERSIONS } from './types.js';

export type GhlApiFamily = keyof typeof GHL_API_VERSIONS;

export interface GhlRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  family: GhlApiFamily;
  /** Path with ids already URI-encoded, e.g. `/contacts/abc/tasks`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: object;
  /**
   * Where the location id of the credentials goes: GHL requires it in some bodies and queries,
   * and as the last path segment of the location's own endpoint ('path' appends it).
   */
  locationIn?: 'body' | 'query' | 'path';
  /** Non-2xx answers the caller interprets itself (e.g. 404 on an idempotent delete). */
  accept?: (answer: HttpAnswer) => boolean;
  /**
   * A POST that may create a record (task, note, appointment, contact, and contact upsert: an
   * upsert GHL cannot match to a contact, by the location's duplicate rule, creates one).
   * Retrying it after a timeout or a 5xx could create it twice (GHL may have written it before
   * failing), so it is retried in process only when GHL cannot have applied it (a 429, which
   * GHL answers before doing anything, or a request never sent); the caller's next attempt
   * searches for the record (or upserts onto it) before creating it again.
   */
  createsRecord?: boolean;
}

/** Why a request was not sent: the invocation it belongs to has no time left (see `withinTimeLimit`). */
export { GHL_OUT_OF_TIME_REASON };

/** Milliseconds the current invocation may still spend talking to GHL. */
export type TimeLeft = () => number;

const invocationTimeLeft = new AsyncLocalStorage<TimeLeft>();

/**
 * Runs `work` with every GHL request it makes bounded by `timeLeft`: a request is sent only
 * while time is left, its timeout is cut to the time left, and a retry never waits past it.
 *
 * Why: when an invocation runs out of time its records are handed to another invocation, but
 * its own code is not stopped. In AWS it is frozen and resumes inside a later invocation of the
 * same environment (middy answers the timeout early; Lambda kills only on a hard timeout); the
 * local runtime cannot freeze it at all. A request it sent then would land after the writes of
 * newer events of the same record: an old PUT would overwrite newer fields, and an old
 * company-setting upsert, whose e-mail and phone GHL no longer holds, would create a second
 * contact. With the bound, by the time the invocation is given up it has no GHL request in
 * flight and starts none, so FIFO's one-writer-per-record holds for GHL too.
 *
 * A scope (AsyncLocalStorage), not a parameter: the bound belongs to the invocation, while the
 * client is built once per cold start and shared by concurrent invocations (the local stack
 * runs several in one process); each invocation's awaits carry its own bound.
 */
export function withinTimeLimit<T>(timeLeft: TimeLeft, work: () => Promise<T>): Promise<T> {
  return invocationTimeLeft.run(timeLeft, work);
}

function timeLeftMs(): number {
  return invocationTimeLeft.getStore()?.() ?? Number.POSITIVE_INFINITY;
}

export const DEFAULT_GHL_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 2_000 };

export interface GhlTransportOptions {
  baseUrl: string;
  credentials: GhlCredentialSource;
  rateLimiter: GhlRateLimiter;
  /**
   * The GHL health state shared by every consumer (circuit-breaker.ts), consulted before the rate
   * budget. Without one, a process-local state that only pauses for a spent daily quota (no
   * circuit opens on failures): what a client had before the shared state existed.
   */
  health?: GhlCircuitBreaker;
  /** The clock of the default health state. */
  now?: () => number;
  timeoutMs?: number;
  retryPolicy?: RetryPolicy;
  /** A wait GHL asks for (a 429 interval) longer than this goes back to SQS instead. */
  maxRetryWaitMs?: number;
  fetch?: FetchFn;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export class GhlTransport {
  private readonly fetch: FetchFn;
  private readonly health: GhlCircuitBreaker;

  constructor(private readonly options: GhlTransportOptions) {
    this.fetch = options.fetch ?? fetch;
    this.health =
      options.health ??
      new GhlCircuitBreaker({ store: new InMemoryGhlHealthStore(), failureThreshold: Number.POSITIVE_INFINITY, ...(options.now && { now: options.now }) });
  }

  async send(request: GhlRequest): Promise<HttpAnswer> {
    const maxWait = this.options.maxRetryWaitMs ?? 10_000;
    const sleep = this.options.sleep ?? realSleep;
    return withRetry(() => this.attempt(request), {
      policy: this.options.retryPolicy ?? DEFAULT_GHL_RETRY_POLICY,
      shouldRetry: (error) =>
        isSyncError(error) &&
        error.kind === 'transient' &&
        // Retrying cannot refill a spent daily quota: the consumer must stop early instead.
        error.reason !== GHL_DAILY_QUOTA_REASON &&
        error.reason !== GHL_OUT_OF_TIME_REASON &&
        // Time left only shrinks: a send time past the deadline stays past it.
        error.reason !== GHL_RATE_WAIT_BEYOND_DEADLINE_REASON &&
        // An outage is waited out by the records, back in their queue, not by this invocation.
        error.reason !== GHL_CIRCUIT_OPEN_REASON &&
        (error.retryAfterMs ?? 0) <= maxWait &&
        (request.createsRecord !== true || !mayHaveBeenApplied(error)),
      delayHintMs: (error) => (isSyncError(error) ? error.retryAfterMs : undefined),
      // A backoff never outlasts the invocation: the attempt after it would not be sent anyway.
      sleep: (ms) => sleep(Math.max(0, Math.min(ms, timeLeftMs()))),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}),
    });
  }

  private async attempt(request: GhlRequest): Promise<HttpAnswer> {
    const access = await this.options.credentials.current();
    let answer = await this.once(request, access);
    if (answer.status === 401) {
      // Another Lambda may have refreshed the token, or a human rotated it: one more try.
      const renewed = await this.options.credentials.renewAfterUnauthorized(access.token);
      if (renewed) answer = await this.once(request, renewed);
    }
    if ((answer.status >= 200 && answer.status < 300) || request.accept?.(answer)) return answer;
    throw ghlErrorFromAnswer(labelOf(request), answer.status, answer.body, answer.headers, {
      dailyQuotaRetryAfterMs: this.health.dailyQuotaRetryAfterMs,
    });
  }

  private async once(request: GhlRequest, access: GhlAccess): Promise<HttpAnswer> {
    // First the shared health state: while GHL is down nothing is reserved, nothing is sent.
    const permit = await this.health.admit(access.locationId);
    let prepared: { url: string; init: RequestInit; timeoutMs: number; cutByDeadline: boolean };
    try {
      prepared = await this.prepare(request, access);
    } catch (error) {
      await this.health.unsent(permit);
      throw error;
    }
    let answer: HttpAnswer;
    try {
      answer = await exchange(this.fetch, prepared.url, prepared.init, prepared.timeoutMs, labelOf(request));
    } catch (error) {
      // A timeout cut short by the invocation's deadline says nothing about GHL's health.
      if (prepared.cutByDeadline && isSyncError(error) && error.reason === 'ghl-timeout') await this.health.unsent(permit);
      else await this.health.record(permit, 'unanswered');
      throw error;
    }
    await this.health.record(permit, { answered: answer.status });
    const limits = readRateLimitHeaders(answer.headers);
    if (limits.dailyRemaining === 0) await this.health.dailyQuotaSpent(access.locationId);
    await this.options.rateLimiter.observe(access.locationId, limits, answer.status);
    return answer;
  }

  /** Waits for a send time within the invocation's time and builds the request; throws if it may not be sent. */
  private async prepare(request: GhlRequest, access: GhlAccess) {
    // A send time the invocation would not live to use is neither reserved nor waited for.
    await this.options.rateLimiter.acquire(access.locationId, { timeLeftMs: timeLeftMs() });
    const path = request.locationIn === 'path' ? `${request.path}/${encodeURIComponent(access.locationId)}` : request.path;
    const url = new URL(path, this.options.baseUrl);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    if (request.locationIn === 'query') url.searchParams.set('locationId', access.locationId);
    const body = request.locationIn === 'body' ? { ...request.body, locationId: access.locationId } : request.body;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${access.token}`,
      Version: GHL_API_VERSIONS[request.family],
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    // Checked last, after every wait (credentials, rate budget): nothing is sent out of time.
    const left = timeLeftMs();
    if (left <= 0) throw outOfTime(`GHL request ${request.method} ${request.path}`);
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return {
      url: url.toString(),
      init: { method: request.method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      timeoutMs: Math.min(timeoutMs, left),
      cutByDeadline: left < timeoutMs,
    };
  }
}

function labelOf(request: GhlRequest): GhlOperationLabel {
  return { method: request.method, path: request.path };
}
