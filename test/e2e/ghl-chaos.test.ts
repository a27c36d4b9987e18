/**
 * GHL failing at random, a third of its requests and more (5xx, 429, timeouts, and writes applied
 * but answered 5xx or not at all), while Relatel delivers at least once and in any order
 * (shuffled, 10% repeated, 5% redelivered after SQS's deduplication window): nothing is parked
 * and GHL ends exactly as if every event had been applied once, in order.
 *
 * The shared circuit keeps its production threshold (5 failures with no success between them),
 * so at these rates it trips now and then (docs/GHL-CLIENT.md, "Why these thresholds"); a trip
 * costs a probe interval (1 s here) of delay, never a record, since the requests it refuses are
 * never sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { entityOfFixture } from '../factories/relatel-events.js';
import { compareWithExpected } from './expectations.js';
import { E2E_SCALE, startE2eStack, type E2eStack } from './harness.js';
import { buildWorkload, chaoticDeliveries, groupIdOfEvent } from './workload.js';

const CONTACTS = Math.round(20 * E2E_SCALE);
const workload = buildWorkload(CONTACTS, { runId: 'ghl-chaos' });
const plan = chaoticDeliveries(workload.events, 1107);
const FAULTS = { serverErrorRate: 0.2, rateLimitRate: 0.1, timeoutRate: 0.05, afterWriteServerErrorRate: 0.05, afterWriteTimeoutRate: 0.02 };

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({
    simulator: { seed: 1107, faults: FAULTS },
    // Production's receive backstop: the horizon, not a receive count, decides parking. A batch
    // must fit in the function timeout (the visibility timeout here) with a third of GHL's answers
    // failing, so batches are small.
    queues: { visibilityTimeoutSeconds: 10, maxReceiveCount: 1000 },
    pollers: { waitTimeSeconds: 1, batchSize: 3, concurrency: 4 },
  });
  // Relatel's API knows every contact, so a child shuffled ahead of its contact fetches it.
  e2e.relatelHolds(workload.events);
  for (let i = 0; i < plan.deliveries.length; i += 8) {
    const answers = await Promise.all(plan.deliveries.slice(i, i + 8).map((event) => e2e.send(event)));
    expect(answers.every((status) => status === 202)).toBe(true);
  }
  await e2e.drained(120_000);
  for (const event of plan.lateRedeliveries) await e2e.redeliverLate(entityOfFixture(event), event, groupIdOfEvent(event));
  await e2e.drained(120_000);
}, 300_000);

afterAll(async () => {
  await e2e?.stop();
});

describe(`GHL failing over a third of requests at random: ${plan.deliveries.length} deliveries of ${workload.events.length} events over ${CONTACTS} contacts`, () => {
  it('really failed at least 30% of the requests GHL saw, with every kind of fault, and redelivered late', () => {
    const counters = e2e.simulator.state.counters();
    const failed = ['server-error', 'rate-limit', 'timeout', 'after-write-server-error', 'after-write-timeout'].map((kind) => {
      expect(counters.byFault[kind] ?? 0, kind).toBeGreaterThan(0);
      return counters.byFault[kind] ?? 0;
    });
    expect(failed.reduce((a, b) => a + b, 0) / counters.total).toBeGreaterThanOrEqual(0.3);
    expect(plan.lateRedeliveries.length).toBeGreaterThan(0);
  });

  it('ends in exactly the expected state: every record once, at its last version', () => {
    expect(compareWithExpected(e2e.simulator, workload.expected).differences).toEqual([]);
  });

  it('parks nothing and loses nothing: every DLQ empty, every delivery synced or deliberately skipped', async () => {
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 0, 0, 0]);
    const finished = new Set(e2e.processed.map((event) => event.deliveryId));
    expect(workload.events.filter((event) => !finished.has(event.delivery_id)).map((event) => event.delivery_id)).toEqual([]);
  });
});
