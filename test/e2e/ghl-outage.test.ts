/**
 * A GHL outage longer than the old retry horizon, on the local stack: GHL (the simulator)
 * answers 503 to every request while events keep arriving (renames, task and note changes, new
 * contacts with their tasks and notes). The consumers' shared circuit opens after a few failures,
 * then one probe a second (the probe interval, scaled from 30 s) is all GHL sees; the records wait
 * in their queues, unsent and uncounted. After recovery GHL holds exactly the expected state and
 * nothing was parked.
 *
 * Scaled timings: the probe interval is 1 s and the outage 25 s. The old horizon (8 receives,
 * about 130 s at production backoffs) is about 12 s at this harness's backoff (0.5 s doubling to
 * 2 s), so the outage is twice as long as any record would have survived before. The queues keep
 * production's maxReceiveCount (1000).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { entityOfFixture, type RelatelEventFixture } from '../factories/relatel-events.js';
import { compareWithExpected } from './expectations.js';
import { startE2eStack, type E2eStack } from './harness.js';
import { buildWorkload, EVENTS_PER_CONTACT } from './workload.js';

const PROBE_INTERVAL_MS = 1_000;
const OUTAGE_MS = 25_000;
const FAILURE_THRESHOLD = 5;
/** Contacts synced before the outage, whose later events arrive during it... */
const KNOWN_CONTACTS = 8;
/** ...and contacts whose every event (created, tasks, notes) arrives during it. */
const NEW_CONTACTS = 4;

const workload = buildWorkload(KNOWN_CONTACTS + NEW_CONTACTS, { runId: 'outage' });
const eventsOf = (n: number) => workload.events.slice(n * EVENTS_PER_CONTACT, (n + 1) * EVENTS_PER_CONTACT);
const contacts = Array.from({ length: KNOWN_CONTACTS + NEW_CONTACTS }, (_, n) => eventsOf(n));
/** Before the outage: each known contact created, with its first task and note. */
const before = contacts.slice(0, KNOWN_CONTACTS).flatMap((events) => events.slice(0, 3));
/** During it: the known contacts' renames, task updates, new and changed notes; the new contacts whole. */
const during = [...contacts.slice(0, KNOWN_CONTACTS).flatMap((events) => events.slice(3)), ...contacts.slice(KNOWN_CONTACTS).flat()].sort(
  (a, b) => a.occurred_at.localeCompare(b.occurred_at),
);

let e2e: E2eStack;
let requestsDuringOutage = 0;
let outageMs = 0;
const sentDuring: RelatelEventFixture[] = [];

const sendAll = async (events: readonly RelatelEventFixture[]) => {
  const answers = await Promise.all(events.map((event) => e2e.send(event)));
  expect(answers.every((status) => status === 202)).toBe(true);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  e2e = await startE2eStack({
    queues: { visibilityTimeoutSeconds: 4, maxReceiveCount: 1000 },
    handlerEnv: {
      GHL_CIRCUIT_PROBE_INTERVAL_MS: String(PROBE_INTERVAL_MS),
      GHL_CIRCUIT_FAILURE_THRESHOLD: String(FAILURE_THRESHOLD),
    },
  });
  // Relatel's API knows every contact, so a child ahead of its contact fetches it.
  e2e.relatelHolds(workload.events);
  await sendAll(before);
  await e2e.drained(60_000);

  const start = Date.now();
  const servedBefore = e2e.simulator.state.counters().total;
  e2e.simulator.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });
  // The events of the outage arrive in ten waves spread over most of it.
  const waves = 10;
  const perWave = Math.ceil(during.length / waves);
  for (let wave = 0; wave < waves; wave++) {
    const events = during.slice(wave * perWave, (wave + 1) * perWave);
    await sendAll(events);
    sentDuring.push(...events);
    await sleep((OUTAGE_MS * 0.8) / waves);
  }
  await sleep(Math.max(0, start + OUTAGE_MS - Date.now()));
  requestsDuringOutage = e2e.simulator.state.counters().total - servedBefore;
  outageMs = Date.now() - start;
  e2e.simulator.setFaults({ serverErrorRate: 0 });
  const recoveredAt = Date.now();

  await e2e.drained(60_000);
  if (process.env.E2E_REPORT) console.log(JSON.stringify({ requestsDuringOutage, outageMs, drainAfterRecoveryMs: Date.now() - recoveredAt, byFault: e2e.simulator.state.counters().byFault }));
}, 150_000);

afterAll(async () => {
  await e2e?.stop();
});

describe(`a GHL outage of ${OUTAGE_MS / 1000} s (probe every ${PROBE_INTERVAL_MS / 1000} s) while ${during.length} events arrive`, () => {
  it('really sent, during the outage, renames, task and note changes, and new contacts with their children', () => {
    expect(sentDuring).toHaveLength(during.length);
    const types = new Set(sentDuring.map((event) => event.event_type));
    for (const type of ['contact.created', 'contact.updated', 'task.created', 'task.updated', 'task.completed', 'note.created', 'note.updated', 'note.deleted']) {
      expect(types, type).toContain(type);
    }
    expect(new Set(sentDuring.map(entityOfFixture))).toEqual(new Set(['contacts', 'tasks', 'notes']));
  });

  it('ends in exactly the expected state: every record once, at its last version', () => {
    expect(compareWithExpected(e2e.simulator, workload.expected).differences).toEqual([]);
  });

  it('parks nothing: every DLQ is empty, every queue drained', async () => {
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 0, 0, 0]);
    expect(ENTITIES.map((entity) => status.entities[entity].queued + status.entities[entity].inFlight)).toEqual([0, 0, 0, 0]);
  });

  it('costs GHL a handful of requests per probe interval, not a retry storm', () => {
    const probeIntervals = Math.ceil(outageMs / PROBE_INTERVAL_MS);
    // What opens the circuit: the failures that reach the threshold, plus the requests already
    // on their way (each consumer trusts the state it read for up to a second, and a request that
    // cannot create a record is tried up to 3 times) from the two pollers of four consumers.
    const opening = FAILURE_THRESHOLD + 4 * 2 * 3;
    // Then one probe per interval, and at most one more from a process that had not yet seen it
    // fail (its view is a second old at most).
    expect(requestsDuringOutage).toBeGreaterThan(0);
    expect(requestsDuringOutage).toBeLessThanOrEqual(opening + 2 * probeIntervals);
  });
});
