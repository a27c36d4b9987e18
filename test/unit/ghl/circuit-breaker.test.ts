import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admission,
  afterDailyQuotaSpent,
  afterFailure,
  afterProbeUnsent,
  afterSuccess,
  circuitOpenGauge,
  GhlCircuitBreaker,
  ghlHealthKey,
  heldBackBy,
  InMemoryGhlHealthStore,
  isGhlFailure,
  type GhlHealthSettings,
  type GhlHealthState,
  type GhlHealthStore,
} from '../../../lib/ghl/circuit-breaker.js';
import { fakeClock, type FakeClock } from './fake-clock.js';

const LOCATION = 'loc-1';
const SETTINGS: GhlHealthSettings = {
  failureThreshold: 5,
  failureWindowMs: 60_000,
  probeIntervalMs: 30_000,
  probeLeaseMs: 60_000,
  dailyQuotaRetryAfterMs: 900_000,
};
const CLOSED: GhlHealthState = { status: 'closed', failures: 0 };
const T0 = 1_800_000_000_000;

/** `count` failures `everyMs` apart from T0, from `state`. */
function failures(count: number, everyMs = 1_000, state: GhlHealthState = CLOSED): GhlHealthState {
  let next = state;
  for (let i = 0; i < count; i++) next = afterFailure(next, T0 + i * everyMs, SETTINGS);
  return next;
}

describe('the GHL health state machine', () => {
  describe('closed', () => {
    it('admits every request', () => {
      expect(admission(failures(4), T0 + 5_000, SETTINGS, 'p')).toEqual({ kind: 'admit' });
    });

    it('opens on the fifth failure in a row within the window, probe due 30 s later', () => {
      expect(failures(4)).toEqual({ status: 'closed', failures: 4, streakStartMs: T0 });
      expect(failures(5)).toEqual({ status: 'open', cause: 'outage', openedAtMs: T0 + 4_000, probeAtMs: T0 + 34_000 });
    });

    it('a success between failures starts the count again', () => {
      const afterOk = afterSuccess(failures(4));
      expect(afterOk).toEqual({ status: 'closed', failures: 0 });
      expect(failures(4, 1_000, afterOk)).toMatchObject({ status: 'closed', failures: 4 });
    });

    it('failures spread wider than the window do not open it', () => {
      expect(failures(10, 16_000)).toMatchObject({ status: 'closed' });
    });

    it('for any failure times, never opens with fewer failures than the threshold since the last success', () => {
      fc.assert(
        fc.property(fc.array(fc.record({ fail: fc.boolean(), dtMs: fc.integer({ min: 0, max: 90_000 }) }), { maxLength: 60 }), (events) => {
          let state = CLOSED as GhlHealthState;
          let now = T0;
          let sinceSuccess = 0;
          for (const event of events) {
            now += event.dtMs;
            const wasClosed = state.status === 'closed';
            state = event.fail ? afterFailure(state, now, SETTINGS) : afterSuccess(state);
            sinceSuccess = event.fail ? sinceSuccess + 1 : 0;
            if (wasClosed && state.status === 'open') expect(sinceSuccess).toBeGreaterThanOrEqual(5);
            if (state.status === 'closed') expect(state.failures).toBeLessThan(5);
            if (state.status === 'open') return; // closed-state property only
          }
        }),
        { numRuns: 500 },
      );
    });

    it('for any threshold, that many failures within the window with no success between always open it', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20 }),
          fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 20, maxLength: 20 }),
          (threshold, gaps) => {
            const settings = { ...SETTINGS, failureThreshold: threshold, failureWindowMs: 60_000 };
            let state = CLOSED as GhlHealthState;
            let now = T0;
            for (let i = 0; i < threshold; i++) {
              expect(state.status).toBe('closed');
              state = afterFailure(state, now, settings);
              now += gaps[i] ?? 0;
            }
            expect(state.status).toBe('open');
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('open', () => {
    const open = failures(5); // opened at T0 + 4 s, probe at T0 + 34 s

    it('refuses every request until the probe is due, naming the wait', () => {
      expect(admission(open, T0 + 10_000, SETTINGS, 'p')).toEqual({ kind: 'refuse', cause: 'outage', retryAfterMs: 24_000, openForMs: 6_000 });
    });

    it('lets one probe through once due, held by a lease', () => {
      expect(admission(open, T0 + 34_000, SETTINGS, 'p1')).toEqual({
        kind: 'probe',
        next: { status: 'half-open', cause: 'outage', openedAtMs: T0 + 4_000, probeId: 'p1', probeUntilMs: T0 + 94_000 },
      });
    });

    it('ignores the outcomes of requests admitted before it opened', () => {
      expect(afterFailure(open, T0 + 5_000, SETTINGS)).toBe(open);
      expect(afterSuccess(open)).toBe(open);
    });

    it('shows in the GhlCircuitOpen gauge, as half-open does', () => {
      expect(circuitOpenGauge(CLOSED)).toBe(0);
      expect(circuitOpenGauge(failures(4))).toBe(0);
      expect(circuitOpenGauge(open)).toBe(1);
      const probe = admission(open, T0 + 34_000, SETTINGS, 'p1');
      if (probe.kind !== 'probe') throw new Error('expected a probe');
      expect(circuitOpenGauge(probe.next)).toBe(1);
    });
  });

  describe('half-open', () => {
    const halfOpen: GhlHealthState = { status: 'half-open', cause: 'outage', openedAtMs: T0, probeId: 'p1', probeUntilMs: T0 + 60_000 };

    it('refuses everyone else while the probe is out, telling them to come back within a probe interval', () => {
      expect(admission(halfOpen, T0 + 1_000, SETTINGS, 'p2')).toEqual({ kind: 'refuse', cause: 'outage', retryAfterMs: 30_000, openForMs: 1_000 });
      expect(admission(halfOpen, T0 + 50_000, SETTINGS, 'p2')).toEqual({ kind: 'refuse', cause: 'outage', retryAfterMs: 10_000, openForMs: 50_000 });
    });

    it('closes when the probe is answered', () => {
      expect(afterSuccess(halfOpen, 'p1')).toEqual({ status: 'closed', failures: 0 });
    });

    it('opens again for another interval when the probe fails', () => {
      expect(afterFailure(halfOpen, T0 + 2_000, SETTINGS, 'p1')).toEqual({ status: 'open', cause: 'outage', openedAtMs: T0, probeAtMs: T0 + 32_000 });
    });

    it("another request's outcome neither closes nor reopens it", () => {
      expect(afterSuccess(halfOpen, 'p2')).toBe(halfOpen);
      expect(afterSuccess(halfOpen)).toBe(halfOpen);
      expect(afterFailure(halfOpen, T0 + 2_000, SETTINGS)).toBe(halfOpen);
    });

    it('a probe never sent is due again at once, for anyone', () => {
      const next = afterProbeUnsent(halfOpen, T0 + 2_000, 'p1');
      expect(next).toEqual({ status: 'open', cause: 'outage', openedAtMs: T0, probeAtMs: T0 + 2_000 });
      expect(admission(next, T0 + 2_000, SETTINGS, 'p2')).toMatchObject({ kind: 'probe' });
    });

    it('a prober that vanished is replaced once its lease is over', () => {
      expect(admission(halfOpen, T0 + 60_000, SETTINGS, 'p2')).toMatchObject({ kind: 'probe', next: { probeId: 'p2' } });
    });
  });

  describe('the daily quota', () => {
    it('stops everyone until it may have reset, then probes', () => {
      const spent = afterDailyQuotaSpent(CLOSED, T0, SETTINGS);
      expect(admission(spent, T0 + 1_000, SETTINGS, 'p')).toEqual({ kind: 'refuse', cause: 'daily-quota', retryAfterMs: 899_000, openForMs: 1_000 });
      expect(admission(spent, T0 + 900_000, SETTINGS, 'p')).toMatchObject({ kind: 'probe' });
    });

    it('a later report pushes the pause on; an earlier one never shortens it', () => {
      const spent = afterDailyQuotaSpent(CLOSED, T0, SETTINGS);
      expect(afterDailyQuotaSpent(spent, T0 - 1_000, SETTINGS)).toBe(spent);
      expect(afterDailyQuotaSpent(spent, T0 + 1_000, SETTINGS)).toMatchObject({ probeAtMs: T0 + 901_000 });
    });
  });

  it.each([
    [{ answered: 500 }, true],
    [{ answered: 503 }, true],
    [{ answered: 408 }, true],
    ['unanswered' as const, true],
    [{ answered: 200 }, false],
    [{ answered: 404 }, false],
    [{ answered: 422 }, false],
    [{ answered: 429 }, false],
    [{ answered: 401 }, false],
  ])('%o counts as a GHL failure: %s', (outcome, expected) => {
    expect(isGhlFailure(outcome)).toBe(expected);
  });
});

/** A breaker of its own process over a shared store, on the shared fake clock. */
function processOn(store: GhlHealthStore, clock: FakeClock, options: Partial<ConstructorParameters<typeof GhlCircuitBreaker>[0]> = {}) {
  let probes = 0;
  return new GhlCircuitBreaker({ store, now: clock.now, newProbeId: () => `probe-${++probes}-${Math.random()}`, ...SETTINGS, ...options });
}

async function failTimes(breaker: GhlCircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await breaker.record(await breaker.admit(LOCATION), 'unanswered');
}

describe('GhlCircuitBreaker: one health state for every consumer', () => {
  it('defaults to what docs/GHL-CLIENT.md promises: open after 5 failures within 60 s, probe every 30 s', () => {
    expect(new GhlCircuitBreaker({ store: new InMemoryGhlHealthStore() }).settings).toEqual({
      failureThreshold: 5,
      failureWindowMs: 60_000,
      probeIntervalMs: 30_000,
      probeLeaseMs: 15_000,
      dailyQuotaRetryAfterMs: 900_000,
    });
  });

  it('refuses settings that would never let a request through or never probe', () => {
    const store = new InMemoryGhlHealthStore();
    expect(() => new GhlCircuitBreaker({ store, failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new GhlCircuitBreaker({ store, probeIntervalMs: 0 })).toThrow(RangeError);
  });

  it('failures from several consumers together open it for all of them', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    const [a, b] = [processOn(store, clock), processOn(store, clock)];
    await failTimes(a, 3);
    await failTimes(b, 2);

    await expect(b.admit(LOCATION)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-circuit-open', retryAfterMs: 30_000 });
    clock.advance(1_000); // a's view of the state is refreshed after a second at most
    // ...and says how long it has been open, which the consumer's delay grows with.
    await expect(a.admit(LOCATION)).rejects.toMatchObject({ reason: 'ghl-circuit-open', retryAfterMs: 29_000, heldForMs: 1_000 });
  });

  it('4xx answers never open it', async () => {
    const clock = fakeClock();
    const breaker = processOn(new InMemoryGhlHealthStore(), clock);
    for (let i = 0; i < 20; i++) await breaker.record(await breaker.admit(LOCATION), { answered: i % 2 === 0 ? 429 : 404 });
    await expect(breaker.admit(LOCATION)).resolves.toEqual({ locationId: LOCATION });
  });

  it('lets exactly one of many concurrent consumers probe when the probe is due', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    await failTimes(processOn(store, clock), 5);
    clock.advance(30_000);
    const consumers = Array.from({ length: 8 }, () => processOn(store, clock));

    const outcomes = await Promise.allSettled(consumers.map((c) => c.admit(LOCATION)));

    const probes = outcomes.filter((o) => o.status === 'fulfilled');
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ value: { probeId: expect.any(String) } });
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.reason)).toEqual(Array(7).fill('ghl-circuit-open'));
  });

  it('a successful probe lets every consumer through again', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    const [a, b] = [processOn(store, clock), processOn(store, clock)];
    await failTimes(a, 5);
    clock.advance(30_000);
    await a.record(await a.admit(LOCATION), { answered: 200 });

    await expect(a.admit(LOCATION)).resolves.toEqual({ locationId: LOCATION });
    await expect(b.admit(LOCATION)).resolves.toEqual({ locationId: LOCATION });
    expect(a.lastSeen(LOCATION)).toEqual({ status: 'closed', failures: 0 });
  });

  it('a failed probe keeps everyone out for another probe interval', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    const a = processOn(store, clock);
    await failTimes(a, 5);
    clock.advance(30_000);
    await a.record(await a.admit(LOCATION), { answered: 503 });

    await expect(processOn(store, clock).admit(LOCATION)).rejects.toMatchObject({ reason: 'ghl-circuit-open', retryAfterMs: 30_000 });
  });

  it('a probe claimed but never sent is handed back: the next consumer probes at once', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    const a = processOn(store, clock);
    await failTimes(a, 5);
    clock.advance(30_000);
    await a.unsent(await a.admit(LOCATION));

    await expect(processOn(store, clock).admit(LOCATION)).resolves.toMatchObject({ probeId: expect.any(String) });
  });

  it('the daily quota stops every consumer with ghl-daily-quota-exhausted until it may have reset', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    await processOn(store, clock).dailyQuotaSpent(LOCATION);

    await expect(processOn(store, clock).admit(LOCATION)).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-daily-quota-exhausted', retryAfterMs: 900_000 });
    clock.advance(900_000);
    await expect(processOn(store, clock).admit(LOCATION)).resolves.toMatchObject({ probeId: expect.any(String) });
  });

  it('reports the GhlCircuitOpen gauge of what it last saw: 1 while open, 0 once closed', async () => {
    const clock = fakeClock();
    const breaker = processOn(new InMemoryGhlHealthStore(), clock);
    expect(breaker.openGauge()).toBe(0);
    await failTimes(breaker, 5);
    expect(breaker.openGauge()).toBe(1);
    clock.advance(30_000);
    await breaker.record(await breaker.admit(LOCATION), { answered: 200 });
    expect(breaker.openGauge()).toBe(0);
  });

  it('tells the wait a refused request would get now: none while closed, the probe interval after the opening failure and after a failed probe', async () => {
    const clock = fakeClock();
    const breaker = processOn(new InMemoryGhlHealthStore(), clock);
    await failTimes(breaker, 4);
    expect(breaker.heldBack()).toBeUndefined();
    await failTimes(breaker, 1);
    expect(breaker.heldBack()).toEqual({ reason: 'ghl-circuit-open', retryAfterMs: 30_000, heldForMs: 0 });

    clock.advance(10_000);
    expect(breaker.heldBack()).toEqual({ reason: 'ghl-circuit-open', retryAfterMs: 20_000, heldForMs: 10_000 });
    clock.advance(20_000);
    await breaker.record(await breaker.admit(LOCATION), { answered: 503 });
    expect(breaker.heldBack()).toEqual({ reason: 'ghl-circuit-open', retryAfterMs: 30_000, heldForMs: 30_000 });

    clock.advance(30_000);
    await breaker.record(await breaker.admit(LOCATION), { answered: 200 });
    expect(breaker.heldBack()).toBeUndefined();
  });

  it('a due probe waits 0; the spent daily quota waits as its refusal says', () => {
    const open: GhlHealthState = { status: 'open', cause: 'outage', openedAtMs: T0, probeAtMs: T0 + 30_000 };
    expect(heldBackBy(open, T0 + 45_000, SETTINGS)).toEqual({ cause: 'outage', retryAfterMs: 0, openForMs: 45_000 });
    const quota = afterDailyQuotaSpent(CLOSED, T0, SETTINGS);
    expect(heldBackBy(quota, T0 + 1_000, SETTINGS)).toEqual({ cause: 'daily-quota', retryAfterMs: 899_000, openForMs: 1_000 });
    expect(heldBackBy(CLOSED, T0, SETTINGS)).toBeUndefined();
  });

  it('keeps separate states per location', async () => {
    const clock = fakeClock();
    const breaker = processOn(new InMemoryGhlHealthStore(), clock);
    await failTimes(breaker, 5);
    await expect(breaker.admit('loc-2')).resolves.toEqual({ locationId: 'loc-2' });
  });

  it('a failed write of an outcome does not fail the request GHL already answered', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    store.write = () => Promise.reject(new Error('DynamoDB throttled'));
    const breaker = processOn(store, clock);
    await expect(breaker.record(await breaker.admit(LOCATION), 'unanswered')).resolves.toBeUndefined();
  });

  it('tells each change of status it makes or sees, for logs and the GhlCircuitOpen gauge', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    const changes: string[] = [];
    const a = processOn(store, clock, { onChange: ({ locationId, from, to }) => changes.push(`${locationId} ${from.status}->${to.status}`) });
    await failTimes(a, 5);
    clock.advance(30_000);
    await a.record(await a.admit(LOCATION), { answered: 200 });
    expect(changes).toEqual(['loc-1 closed->open', 'loc-1 open->half-open', 'loc-1 half-open->closed']);
  });

  it('a closed circuit costs no store read per request: the state is trusted for a second', async () => {
    const clock = fakeClock();
    const store = new InMemoryGhlHealthStore();
    let reads = 0;
    const read = store.read.bind(store);
    store.read = (key) => {
      reads += 1;
      return read(key);
    };
    const breaker = processOn(store, clock);
    for (let i = 0; i < 10; i++) await breaker.record(await breaker.admit(LOCATION), { answered: 200 });
    expect(reads).toBe(1);
  });

  it('for any interleaving of consumers and outcomes, at most one probe is out at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            consumer: fc.integer({ min: 0, max: 3 }),
            action: fc.constantFrom('request', 'finish-ok', 'finish-fail', 'finish-unsent'),
            dtMs: fc.integer({ min: 0, max: 20_000 }),
          }),
          { maxLength: 80 },
        ),
        async (steps) => {
          const clock = fakeClock();
          const store = new InMemoryGhlHealthStore();
          const consumers = Array.from({ length: 4 }, () => processOn(store, clock, { failureThreshold: 2 }));
          const inFlight: { consumer: number; permit: Awaited<ReturnType<GhlCircuitBreaker['admit']>> }[] = [];
          for (const step of steps) {
            clock.advance(step.dtMs);
            const breaker = consumers[step.consumer]!;
            if (step.action === 'request') {
              const permit = await breaker.admit(LOCATION).catch(() => undefined);
              if (permit) inFlight.push({ consumer: step.consumer, permit });
            } else {
              const index = inFlight.findIndex((f) => f.consumer === step.consumer);
              if (index < 0) continue;
              const [{ permit }] = inFlight.splice(index, 1) as [(typeof inFlight)[number]];
              if (step.action === 'finish-unsent') await breaker.unsent(permit);
              else await breaker.record(permit, step.action === 'finish-ok' ? { answered: 200 } : { answered: 503 });
            }
            // Probes whose lease is still running (an expired one may be replaced, as designed).
            const stored = await store.read(ghlHealthKey(LOCATION));
            const live = inFlight.filter((f) => f.permit.probeId !== undefined && stored?.state.status === 'half-open' && stored.state.probeId === f.permit.probeId);
            expect(live.length).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
