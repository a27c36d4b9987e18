/**
 * One GHL health state per location, shared by every consumer through a `GhlHealthStore`
 * (DynamoDB in AWS: lib/aws/dynamo-ghl-health.ts): a circuit breaker. docs/GHL-CLIENT.md,
 * "One GHL health state", says why and how it is tuned.
 *
 *   closed --N transient failures, no success between, within the window--> open (outage)
 *   closed/any --an answer reporting the daily quota spent--> open (daily-quota) until it resets
 *   open --probe time reached, one consumer claims the probe (conditional write)--> half-open
 *   half-open --the probe is answered (any answer but 5xx/408)--> closed
 *   half-open --the probe fails (5xx, 408, timeout, no connection)--> open, next probe an interval later
 *   half-open --the prober vanished (lease over)--> another consumer claims the probe
 *
 * While open or half-open, requests fail at once, unsent, with a transient error that names the
 * wait (`ghl-circuit-open`, or `ghl-daily-quota-exhausted` while the daily quota is spent).
 * 4xx answers (429 included) are GHL working as designed: they count as healthy.
 *
 * The transitions are pure functions of the state and the time (unit-tested by the hundred); the
 * `GhlCircuitBreaker` below applies them through the store with compare-and-set on a version.
 */
import { transientError, type SyncError } from '../errors.js';
import { GHL_CIRCUIT_OPEN_REASON, GHL_DAILY_QUOTA_REASON, ghlWaitOf, type GhlWait } from './errors.js';

export type GhlOpenCause = 'outage' | 'daily-quota';

export type GhlHealthState =
  | {
      status: 'closed';
      /** Transient failures since the last recorded success, within the window that starts at streakStartMs. */
      failures: number;
      streakStartMs?: number;
    }
  | { status: 'open'; cause: GhlOpenCause; openedAtMs: number; probeAtMs: number }
  | { status: 'half-open'; cause: GhlOpenCause; openedAtMs: number; probeId: string; probeUntilMs: number };

export const CLOSED: GhlHealthState = Object.freeze({ status: 'closed', failures: 0 });

export interface GhlHealthSettings {
  /** Transient failures (any consumer) with no success between them that open the circuit. */
  failureThreshold: number;
  /** ...counted within this long from the first of them. */
  failureWindowMs: number;
  /** How long an open circuit waits before letting one probe through, and between failed probes. */
  probeIntervalMs: number;
  /** How long a claimed probe keeps others out; after it, another consumer may probe (the prober died). */
  probeLeaseMs: number;
  /** How long every consumer stops calling GHL after an answer reports the daily quota spent. */
  dailyQuotaRetryAfterMs: number;
}

export const DEFAULT_GHL_HEALTH_SETTINGS: Readonly<GhlHealthSettings> = Object.freeze({
  failureThreshold: 5,
  failureWindowMs: 60_000,
  probeIntervalMs: 30_000,
  // A probe is one request: no rate wait (nothing reserves send times while the circuit is open)
  // plus at most GHL's timeout (10 s). Others wait out the lease, so it is kept short.
  probeLeaseMs: 15_000,
  dailyQuotaRetryAfterMs: 15 * 60_000,
});

/** What the gate says to one request. */
export type GhlAdmission =
  | { kind: 'admit' }
  | { kind: 'probe'; next: Extract<GhlHealthState, { status: 'half-open' }> }
  | { kind: 'refuse'; cause: GhlOpenCause; retryAfterMs: number; openForMs: number };

/** Whether a request may go to GHL now (pure). A due probe is claimed by writing `next`. */
export function admission(state: GhlHealthState, nowMs: number, settings: GhlHealthSettings, probeId: string): GhlAdmission {
  if (state.status === 'closed') return { kind: 'admit' };
  const dueAtMs = state.status === 'open' ? state.probeAtMs : state.probeUntilMs;
  if (nowMs < dueAtMs) {
    // A probe out is usually answered long before its lease ends (the lease only covers a prober
    // that vanished): come back a probe interval later at most, to find it closed or open again.
    const waitMs = state.status === 'open' ? dueAtMs - nowMs : Math.min(dueAtMs - nowMs, settings.probeIntervalMs);
    return { kind: 'refuse', cause: state.cause, retryAfterMs: waitMs, openForMs: Math.max(0, nowMs - state.openedAtMs) };
  }
  return {
    kind: 'probe',
    next: { status: 'half-open', cause: state.cause, openedAtMs: state.openedAtMs, probeId, probeUntilMs: nowMs + settings.probeLeaseMs },
  };
}

/**
 * What a request would be told now (pure): undefined while closed, else the refusal's wait; a
 * due probe waits 0. A request that failed as the circuit opened, or as its probe, waits this too.
 */
export function heldBackBy(state: GhlHealthState, nowMs: number, settings: GhlHealthSettings): Omit<Extract<GhlAdmission, { kind: 'refuse' }>, 'kind'> | undefined {
  if (state.status === 'closed') return undefined;
  const decision = admission(state, nowMs, settings, '');
  if (decision.kind === 'refuse') return { cause: decision.cause, retryAfterMs: decision.retryAfterMs, openForMs: decision.openForMs };
  return { cause: state.cause, retryAfterMs: 0, openForMs: Math.max(0, nowMs - state.openedAtMs) };
}

/**
 * After a transient failure (5xx, 408, timeout, no connection). `probeId` is set when the failed
 * request was this consumer's probe. Answers `state` itself when nothing changes.
 */
export function afterFailure(state: GhlHealthState, nowMs: number, settings: GhlHealthSettings, probeId?: string): GhlHealthState {
  if (state.status === 'half-open') {
    if (probeId === undefined || state.probeId !== probeId) return state;
    return { status: 'open', cause: 'outage', openedAtMs: state.openedAtMs, probeAtMs: nowMs + settings.probeIntervalMs };
  }
  if (state.status === 'open') return state;
  const inStreak = state.streakStartMs !== undefined && state.failures > 0 && nowMs - state.streakStartMs <= settings.failureWindowMs;
  const failures = inStreak ? state.failures + 1 : 1;
  const streakStartMs = inStreak && state.streakStartMs !== undefined ? state.streakStartMs : nowMs;
  if (failures >= settings.failureThreshold) return { status: 'open', cause: 'outage', openedAtMs: nowMs, probeAtMs: nowMs + settings.probeIntervalMs };
  return { status: 'closed', failures, streakStartMs };
}

/** After GHL answered (anything but 5xx/408). Only this consumer's own probe closes an open circuit. */
export function afterSuccess(state: GhlHealthState, probeId?: string): GhlHealthState {
  if (state.status === 'closed') return state.failures === 0 ? state : CLOSED;
  if (state.status === 'half-open' && probeId !== undefined && state.probeId === probeId) return CLOSED;
  return state;
}

/** A claimed probe that was never sent (a rate wait, no time left): due again at once for anyone. */
export function afterProbeUnsent(state: GhlHealthState, nowMs: number, probeId: string): GhlHealthState {
  if (state.status !== 'half-open' || state.probeId !== probeId) return state;
  return { status: 'open', cause: state.cause, openedAtMs: state.openedAtMs, probeAtMs: nowMs };
}

/** After an answer reporting GHL's daily quota spent: everyone stops until it may have reset. */
export function afterDailyQuotaSpent(state: GhlHealthState, nowMs: number, settings: GhlHealthSettings): GhlHealthState {
  const probeAtMs = nowMs + settings.dailyQuotaRetryAfterMs;
  if (state.status === 'open' && state.cause === 'daily-quota' && state.probeAtMs >= probeAtMs) return state;
  return { status: 'open', cause: 'daily-quota', openedAtMs: nowMs, probeAtMs };
}

/** 1 while requests to GHL are held back (open or half-open), else 0: the `GhlCircuitOpen` gauge. */
export function circuitOpenGauge(state: GhlHealthState): 0 | 1 {
  return state.status === 'closed' ? 0 : 1;
}

/** How a request went, for the health state: `unanswered` covers timeouts and lost connections. */
export type GhlCallOutcome = { answered: number } | 'unanswered';

/** Whether an outcome says GHL is failing (5xx, 408, no answer) rather than working (pure). */
export function isGhlFailure(outcome: GhlCallOutcome): boolean {
  return outcome === 'unanswered' || outcome.answered === 408 || outcome.answered >= 500;
}

// ---------------------------------------------------------------- the shared store

export interface VersionedGhlHealth {
  state: GhlHealthState;
  /** Increases with every write; 0 means no item yet. */
  version: number;
}

/** The health state of each location, shared by every process. `write` must be atomic (compare-and-set). */
export interface GhlHealthStore {
  /** The current state, read consistently; undefined when the location has none (closed). */
  read(key: string): Promise<VersionedGhlHealth | undefined>;
  /** Writes `state` as version expectedVersion + 1 if the stored version is still `expectedVersion`; false when another process wrote first. */
  write(key: string, state: GhlHealthState, expectedVersion: number): Promise<boolean>;
}

/** The health state in memory: for tests and single-process use. Same semantics as DynamoDB's. */
export class InMemoryGhlHealthStore implements GhlHealthStore {
  private readonly items = new Map<string, VersionedGhlHealth>();

  async read(key: string) {
    const item = this.items.get(key);
    return item && structuredClone(item);
  }

  async write(key: string, state: GhlHealthState, expectedVersion: number) {
    if ((this.items.get(key)?.version ?? 0) !== expectedVersion) return false;
    this.items.set(key, { state: structuredClone(state), version: expectedVersion + 1 });
    return true;
  }
}

export function ghlHealthKey(locationId: string): string {
  return `ghl-health#${locationId}`;
}

// ---------------------------------------------------------------- the breaker

/** Permission for one request; hand it back with `record` (or `unsent`) once its fate is known. */
export interface GhlPermit {
  locationId: string;
  /** Set when this request is the probe of an open circuit. */
  probeId?: string;
}

export interface GhlCircuitBreakerOptions extends Partial<GhlHealthSettings> {
  store: GhlHealthStore;
  /**
   * How long a process trusts the state it last read before reading it again: a closed circuit
   * costs no read per request, and an opened one is seen by every process within this long.
   */
  refreshMs?: number;
  now?: () => number;
  /** Unique id of a probe claim (default: random UUID). */
  newProbeId?: () => string;
  /** Told each change of a location's status this process made or saw: for logs and the `GhlCircuitOpen` gauge. */
  onChange?: (change: { locationId: string; from: GhlHealthState; to: GhlHealthState }) => void;
}

/** Compare-and-set rounds before a write is given up: losing means another process just wrote the same news. */
const MAX_WRITE_ROUNDS = 3;

export class GhlCircuitBreaker {
  readonly settings: Readonly<GhlHealthSettings>;
  private readonly store: GhlHealthStore;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly newProbeId: () => string;
  private readonly onChange: GhlCircuitBreakerOptions['onChange'];
  private readonly seen = new Map<string, VersionedGhlHealth & { readAtMs: number }>();

  constructor(options: GhlCircuitBreakerOptions) {
    const { store, refreshMs, now, newProbeId, onChange, ...settings } = options;
    this.settings = { ...DEFAULT_GHL_HEALTH_SETTINGS, ...definedOnly(settings) };
    const { failureThreshold, failureWindowMs, probeIntervalMs, probeLeaseMs, dailyQuotaRetryAfterMs } = this.settings;
    if (!(failureThreshold >= 1)) throw new RangeError('GHL circuit: failureThreshold must be at least 1');
    for (const [name, value] of Object.entries({ failureWindowMs, probeIntervalMs, probeLeaseMs, dailyQuotaRetryAfterMs })) {
      if (!(value > 0)) throw new RangeError(`GHL circuit: ${name} must be positive`);
    }
    this.store = store;
    this.refreshMs = refreshMs ?? 1_000;
    this.now = now ?? Date.now;
    this.newProbeId = newProbeId ?? (() => crypto.randomUUID());
    this.onChange = onChange;
  }

  get dailyQuotaRetryAfterMs(): number {
    return this.settings.dailyQuotaRetryAfterMs;
  }

  /**
   * Lets a request through, as an ordinary request or as the one probe of an open circuit, or
   * throws the transient error that holds it back (`ghl-circuit-open` or
   * `ghl-daily-quota-exhausted`, with `retryAfterMs`) without calling GHL.
   */
  async admit(locationId: string): Promise<GhlPermit> {
    let current = await this.current(locationId);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const decision = admission(current.state, this.now(), this.settings, this.newProbeId());
      if (decision.kind === 'admit') return { locationId };
      if (decision.kind === 'refuse') throw refusal(decision.cause, decision.retryAfterMs, decision.openForMs);
      if (await this.write(locationId, current, decision.next)) return { locationId, probeId: decision.next.probeId };
      // Another process wrote first (most likely it claimed the probe): decide on what it wrote.
      current = await this.read(locationId);
    }
    const { state } = current;
    throw refusal(state.status === 'closed' ? 'outage' : state.cause, this.settings.probeIntervalMs, state.status === 'closed' ? 0 : Math.max(0, this.now() - state.openedAtMs));
  }

  /**
   * Records how an admitted request went. Never throws: GHL's answer is already in hand, and
   * failing its request over this write could repeat a create. A lost write only delays the news.
   */
  async record(permit: GhlPermit, outcome: GhlCallOutcome): Promise<void> {
    const failed = isGhlFailure(outcome);
    await this.update(permit.locationId, (state) =>
      failed ? afterFailure(state, this.now(), this.settings, permit.probeId) : afterSuccess(state, permit.probeId),
    );
  }

  /** The admitted request was never sent: a probe it claimed is handed back at once. */
  async unsent(permit: GhlPermit): Promise<void> {
    const { probeId } = permit;
    if (probeId === undefined) return;
    await this.update(permit.locationId, (state) => afterProbeUnsent(state, this.now(), probeId));
  }

  /** An answer reported GHL's daily quota spent: every process stops calling GHL until it may have reset. */
  async dailyQuotaSpent(locationId: string): Promise<void> {
    await this.update(locationId, (state) => afterDailyQuotaSpent(state, this.now(), this.settings));
  }

  /** The state this process last saw for `locationId` (closed if none): for metrics, without I/O. */
  lastSeen(locationId: string): GhlHealthState {
    return this.seen.get(locationId)?.state ?? CLOSED;
  }

  /** The `GhlCircuitOpen` gauge of this process: 1 while the last state it saw of any location holds requests back. */
  openGauge(): 0 | 1 {
    return [...this.seen.values()].some((item) => circuitOpenGauge(item.state) === 1) ? 1 : 0;
  }

  /**
   * The wait a refused request would get now, from the states this process last saw (no I/O):
   * the longest of any location holding requests back; undefined while all are closed.
   */
  heldBack(): GhlWait | undefined {
    const nowMs = this.now();
    let longest: GhlWait | undefined;
    for (const { state } of this.seen.values()) {
      const held = heldBackBy(state, nowMs, this.settings);
      if (held === undefined || (longest !== undefined && longest.retryAfterMs >= held.retryAfterMs)) continue;
      longest = ghlWaitOf(refusal(held.cause, held.retryAfterMs, held.openForMs));
    }
    return longest;
  }

  /** Applies `transition` with compare-and-set; a transition that changes nothing writes nothing. */
  private async update(locationId: string, transition: (state: GhlHealthState) => GhlHealthState): Promise<void> {
    try {
      let current = await this.current(locationId);
      for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
        const next = transition(current.state);
        if (next === current.state) return;
        if (await this.write(locationId, current, next)) return;
        current = await this.read(locationId);
      }
    } catch {
      // The store failed: see `record`.
    }
  }

  private async current(locationId: string): Promise<VersionedGhlHealth> {
    const cached = this.seen.get(locationId);
    if (cached && this.now() - cached.readAtMs < this.refreshMs) return cached;
    return this.read(locationId);
  }

  private async read(locationId: string): Promise<VersionedGhlHealth> {
    const item = (await this.store.read(ghlHealthKey(locationId))) ?? { state: CLOSED, version: 0 };
    this.remember(locationId, item);
    return item;
  }

  private async write(locationId: string, current: VersionedGhlHealth, next: GhlHealthState): Promise<boolean> {
    if (!(await this.store.write(ghlHealthKey(locationId), next, current.version))) return false;
    this.remember(locationId, { state: next, version: current.version + 1 });
    return true;
  }

  private remember(locationId: string, item: VersionedGhlHealth) {
    const before = this.lastSeen(locationId);
    this.seen.set(locationId, { ...item, readAtMs: this.now() });
    if (before.status !== item.state.status) this.onChange?.({ locationId, from: before, to: item.state });
  }
}

/** The error of a refused request: when the next probe is due (`retryAfterMs`) and how long the circuit has been open (`heldForMs`). */
function refusal(cause: GhlOpenCause, retryAfterMs: number, heldForMs: number): SyncError {
  if (cause === 'daily-quota') {
    return transientError('GHL daily request quota is exhausted: stop consuming until it resets', { reason: GHL_DAILY_QUOTA_REASON, retryAfterMs, heldForMs });
  }
  return transientError('GHL is unavailable (circuit open): not called until a probe succeeds', { reason: GHL_CIRCUIT_OPEN_REASON, retryAfterMs, heldForMs });
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
