/**
 * A record the GHL client holds back unsent (a rate wait past the invocation's deadline, an open
 * circuit) goes back to its queue with its wait and is no failure: not of GHL (the shared health
 * state counts nothing), not of the record (never parked at the retry horizon). The real client,
 * the real consumer and the GHL simulator, on a fake clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import {
  createGhlClient,
  createGhlHealth,
  InMemoryGhlHealthStore,
  InMemoryLock,
  InMemoryRateBudgetStore,
  type GhlCircuitBreaker,
} from '../../../lib/ghl/index.js';
import { ghlHealthKey } from '../../../lib/ghl/circuit-breaker.js';
import { rateBudgetKey } from '../../../lib/ghl/rate-limiter.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { createBatchConsumer, type ParkedFailure } from '../../../lib/sync/consumer.js';
import { createRecordProcessor } from '../../../lib/sync/record-processor.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { startGhlSimulator, type GhlSimulator } from '../../../local/ghl-simulator/index.js';
import { relatelContact, relatelEvent } from '../../factories/relatel-events.js';
import { sqsRecord } from '../../factories/sqs-records.js';
import { fakeClock, type FakeClock } from '../../unit/ghl/fake-clock.js';
import { testGhlConfig } from '../../factories/ghl-config.js';

const HOUR = 3_600_000;
const SECRET_ID = 'ghl';

let ghl: GhlSimulator;
beforeEach(async () => {
  ghl = await startGhlSimulator({});
});
afterEach(async () => {
  await ghl.stop();
});

function contactsConsumer(clock: FakeClock) {
  const ghlConfig = testGhlConfig(ghl.url, SECRET_ID);
  const healthStore = new InMemoryGhlHealthStore();
  const health: GhlCircuitBreaker = createGhlHealth({ config: ghlConfig, store: healthStore, now: clock.now });
  const rateBudgetStore = new InMemoryRateBudgetStore();
  const client = createGhlClient({
    config: ghlConfig,
    health,
    secretStore: new InMemorySecretStore({ [SECRET_ID]: JSON.stringify({ type: 'pit', token: ghl.tokens[0], locationId: ghl.locationId }) }),
    lock: new InMemoryLock(clock.now),
    rateBudgetStore,
    now: clock.now,
    sleep: clock.sleep,
  });
  const parked: ParkedFailure[] = [];
  const visibility: { messageId: string; seconds: number }[] = [];
  const dispositions: string[] = [];
  const consume = createBatchConsumer({
    entity: 'contacts',
    maxReceiveCount: 1000,
    now: clock.now,
    parker: { park: async (_, failure) => void parked.push(failure) },
    visibility: { changeVisibility: async (changes) => void visibility.push(...changes.map((c) => ({ messageId: c.record.messageId, seconds: c.seconds }))) },
    observer: { recordProcessed: () => {}, recordFailed: (_, __, disposition) => void dispositions.push(disposition) },
    ghlHeldBack: () => health.heldBack(),
    processRecord: createRecordProcessor({
      entity: 'contacts',
      sync: {
        state: new InMemorySyncStateStore(),
        ghl: client,
        mapping: parseMappingConfig({ appointments: { calendarId: ghl.calendarIds[0] } }),
        now: () => new Date(clock.now()),
        createLeaseMs: 600_000,
      },
    }),
  });
  return { consume, parked, visibility, dispositions, health, healthStore, rateBudgetStore };
}

/** A contact.created record first queued `ageMs` ago (past the 24 h horizon by default), on its `receiveCount`th receive. */
function oldRecord(clock: FakeClock, ageMs = 30 * HOUR, receiveCount = 500, contactId = 481_516): SQSRecord {
  const event = relatelEvent('contact.created', { payload: relatelContact({ id: contactId, email: `kunde.${contactId}@example.dk` }) });
  return sqsRecord({ body: event, groupId: String(contactId), deduplicationId: event.delivery_id, receiveCount, sentAt: clock.now() - ageMs });
}

/** What a Lambda context answers, on the fake clock: `ms` left from now. */
const invocationWith = (clock: FakeClock, ms: number) => {
  const deadline = clock.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - clock.now() };
};

describe('a record the GHL client holds back', () => {
  it("a rate wait longer than the invocation's time left sends nothing, and the record comes back at its send time, failing nothing", async () => {
    const clock = fakeClock();
    const consumer = contactsConsumer(clock);
    await consumer.rateBudgetStore.pushTo(rateBudgetKey(ghl.locationId), (clock.now() + 8_000) * 1000);
    const record = oldRecord(clock);

    // 6 s left, less the consumer's 1 s margin: the send time 8 s away is past the deadline.
    const response = await consumer.consume({ Records: [record] }, invocationWith(clock, 6_000));

    expect(ghl.state.counters().total).toBe(0);
    expect(clock.sleeps).toEqual([]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(consumer.visibility).toEqual([{ messageId: record.messageId, seconds: 8 }]);
    // A wait, not a GHL failure: not parked though 30 h old, nothing counted by the shared health state.
    expect(consumer.dispositions).toEqual(['ghl-wait']);
    expect(consumer.parked).toEqual([]);
    expect(await consumer.healthStore.read(ghlHealthKey(ghl.locationId))).toBeUndefined();
  });

  it('the same record is sent once its send time is within the time left', async () => {
    const clock = fakeClock();
    const consumer = contactsConsumer(clock);
    await consumer.rateBudgetStore.pushTo(rateBudgetKey(ghl.locationId), (clock.now() + 3_000) * 1000);

    const response = await consumer.consume({ Records: [oldRecord(clock)] }, invocationWith(clock, 6_000));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(clock.sleeps[0]).toBe(3_000);
    expect(ghl.state.contacts()).toHaveLength(1);
  });

  it('through an outage: five failures open the circuit, then nothing is sent, nothing parked, and the batch pauses', async () => {
    const clock = fakeClock();
    const consumer = contactsConsumer(clock);
    ghl.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });

    // Each record's upsert may create, so a 503 is not retried in process: one request per record.
    const first = [0, 1, 2, 3, 4].map(() => oldRecord(clock, HOUR, 3));
    for (const record of first) await consumer.consume({ Records: [record] }, invocationWith(clock, 30_000));
    expect(ghl.state.counters().total).toBe(5);
    expect(consumer.health.openGauge()).toBe(1);

    // Open: a batch of three other contacts (their own groups) is held back without a request.
    const batch = [1, 2, 3].map((i) => oldRecord(clock, 30 * HOUR, 700, 500_000 + i));
    clock.advance(10_000);
    const response = await consumer.consume({ Records: batch }, invocationWith(clock, 30_000));
    expect(consumer.parked).toEqual([]);
    expect(ghl.state.counters().total).toBe(5);
    expect(response.batchItemFailures).toHaveLength(3);
    expect(consumer.parked).toEqual([]);
    // Until the probe, 20 s away (opened 10 s ago, 30 s probe interval).
    expect(consumer.visibility.slice(-3).map((v) => v.seconds)).toEqual([20, 20, 20]);
    expect(consumer.dispositions.slice(-3)).toEqual(['ghl-wait', 'ghl-wait', 'ghl-wait']);
  });

  it('the request that opened the circuit and a failed probe come back with the held-back records, not after their backoff', async () => {
    const clock = fakeClock();
    const consumer = contactsConsumer(clock);
    ghl.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });
    // On their 60th receive: the ordinary backoff would be the 15-min cap (7.5 min at the least jitter).
    const records = [0, 1, 2, 3, 4].map((i) => oldRecord(clock, HOUR, 60, 600_000 + i));
    for (const record of records) await consumer.consume({ Records: [record] }, invocationWith(clock, 30_000));
    expect(consumer.health.openGauge()).toBe(1);
    // The fifth opened the circuit: it waits for the first probe, 30 s away.
    expect(consumer.visibility.at(-1)).toEqual({ messageId: records[4]!.messageId, seconds: 30 });

    clock.advance(30_000);
    const probe = oldRecord(clock, HOUR, 60, 600_010);
    await consumer.consume({ Records: [probe] }, invocationWith(clock, 30_000));
    expect(ghl.state.counters().total).toBe(6);
    expect(consumer.visibility.at(-1)).toEqual({ messageId: probe.messageId, seconds: 30 });
    expect(consumer.parked).toEqual([]);
  });
});
