/**
 * Fault injection: the delivery-chaos workload while GHL fails 20% of requests with 5xx, 10%
 * with 429 and 5% with timeouts, and also applies some writes and then fails the answer (5xx or
 * no answer): the final state is the same, nothing is lost, nothing is duplicated. One event
 * GHL refuses for good (422) ends alone in its DLQ, with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { compareWithExpected } from './expectations.js';
import { E2E_SCALE, startE2eStack, type E2eStack } from './harness.js';
import { buildWorkload, chaoticDeliveries } from './workload.js';

const CONTACTS = Math.round(50 * E2E_SCALE);
const workload = buildWorkload(CONTACTS, { runId: 'faults' });
const plan = chaoticDeliveries(workload.events, 7);

/**
 * A task due after year 9999: the mapping passes it on as `+010000-...`, which is no ISO 8601
 * date GHL accepts, so GHL answers 422 however often it is retried. Its contact is in the
 * workload, so only GHL's refusal can park it.
 */
const refusedTask = {
  delivery_id: 'dlv_faults_refused_task',
  event_type: 'task.created',
  occurred_at: '2026-03-02T09:00:00.000Z',
  payload: { id: 899_999, contact_id: 700_000, title: 'Langt ude i fremtiden', due_at: '9999-12-31T23:30:00-05:00', status: 'open' },
};

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack({
    simulator: {
      seed: 42,
      faults: {
        serverErrorRate: 0.2,
        rateLimitRate: 0.1,
        timeoutRate: 0.05,
        afterWriteServerErrorRate: 0.05,
        afterWriteTimeoutRate: 0.02,
      },
    },
    // Failures cost retries; production's receive backstop (the retry horizon, not a receive
    // count, decides parking): at these rates the shared GHL circuit trips now and then, and the
    // records it holds back come back within a second, spending receives faster than a backoff.
    // A consumer sends GHL requests only within its function timeout (the visibility timeout
    // here), so a batch must fit in it: with a third of GHL's answers failing a contact event
    // takes seconds, so batches are small and the timeout long enough for one.
    queues: { visibilityTimeoutSeconds: 10, maxReceiveCount: 1000 },
    pollers: { waitTimeSeconds: 1, batchSize: 3, concurrency: 4 },
    retryPolicy: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 500, maxDelayMs: 4_000 },
  });
  // Relatel holds every contact its webhooks name: a child ahead of its contact reads it there.
  e2e.relatelHolds(workload.events);
  for (let i = 0; i < plan.deliveries.length; i += 8) {
    const answers = await Promise.all(plan.deliveries.slice(i, i + 8).map((event) => e2e.send(event)));
    expect(answers.every((status) => status === 202)).toBe(true);
  }
  expect(await e2e.send(refusedTask)).toBe(202);
  await e2e.drained(200_000);
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

describe(`GHL failing 35% of requests (${workload.events.length} events over ${CONTACTS} contacts)`, () => {
  it('really injected every kind of fault', () => {
    const faults = e2e.simulator.state.counters().byFault;
    for (const kind of ['server-error', 'rate-limit', 'timeout', 'after-write-server-error', 'after-write-timeout']) {
      expect(faults[kind] ?? 0, kind).toBeGreaterThan(0);
    }
  });

  it('ends in the same state as without faults: every record once, at its last version', () => {
    expect(compareWithExpected(e2e.simulator, workload.expected).differences).toEqual([]);
  });

  it('loses no event: every delivery was synced or deliberately skipped, none left in a queue', async () => {
    const finished = new Set(e2e.processed.map((event) => event.deliveryId));
    const unfinished = workload.events.filter((event) => !finished.has(event.delivery_id)).map((event) => event.delivery_id);
    expect(unfinished).toEqual([]);
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].queued + status.entities[entity].inFlight)).toEqual([0, 0, 0, 0]);
  });

  it('parks the event GHL refuses, alone, with its reason and status', async () => {
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 1, 0, 0]);
    const [parked] = await e2e.deadLetters('tasks');
    expect(parked?.body.delivery_id).toBe(refusedTask.delivery_id);
    expect(parked?.status).toBe('422');
    expect(parked?.reason).toMatch(/\S/);
  });
});
