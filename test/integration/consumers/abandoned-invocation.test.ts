/**
 * An invocation that outlives its time (a slow batch: GHL retries, hung requests) is given up by
 * the runtime: its records fail and SQS hands them to the next invocation. The abandoned one
 * must make no GHL request after that. In AWS its code is frozen and resumes inside a later
 * invocation of the same environment; locally it simply keeps running. Either way, a write it
 * sends late lands after the writes of newer events of the same record, and a late
 * company-setting upsert, whose e-mail and phone GHL no longer holds, creates a second contact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGhlClient, createGhlHealth, InMemoryGhlHealthStore, InMemoryLock, InMemoryRateBudgetStore } from '../../../lib/ghl/index.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { createBatchConsumer } from '../../../lib/sync/consumer.js';
import { createRecordProcessor } from '../../../lib/sync/record-processor.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { startGhlSimulator, type GhlSimulator } from '../../../local/ghl-simulator/index.js';
import { relatelContact, relatelEvent, type RelatelEventFixture } from '../../factories/relatel-events.js';
import { SENT_AT, sqsRecord } from '../../factories/sqs-records.js';
import { testGhlConfig } from '../../factories/ghl-config.js';

const SECRET_ID = 'ghl';

/** A contact whose every version has another e-mail, phone and company, as in the e2e workload. */
const version = (v: number, minute: number): RelatelEventFixture =>
  relatelEvent(v === 1 ? 'contact.created' : 'contact.updated', {
    occurred_at: new Date(Date.UTC(2026, 2, 2, 8, minute)).toISOString(),
    payload: relatelContact({ email: `kunde.v${v}@example.dk`, number: `4571${v}00000`, company: `Firma v${v}`, tags: ['kunde'] }),
  });

interface Invocation {
  /** What the Lambda context answers: the time this invocation has left. */
  remainingMs: number;
  getRemainingTimeInMillis(): number;
}

function invocation(remainingMs = 30_000): Invocation {
  return { remainingMs, getRemainingTimeInMillis() { return this.remainingMs; } };
}

let ghl: GhlSimulator;
beforeEach(async () => {
  ghl = await startGhlSimulator({});
});
afterEach(async () => {
  await ghl.stop();
});

/**
 * The contacts consumer with the real client. The first upsert after `failNextUpsert()` is
 * answered 429 (GHL refuses it before doing anything, so the client retries it in process, which
 * it would not after a 5xx: an upsert may create), and the retry then waits in a backoff that
 * only `releaseBackoff()` ends: the abandoned invocation, caught between attempts.
 */
function contactsConsumer() {
  let failNextUpsert = false;
  let holdNextBackoff = false;
  let releaseBackoff: () => void = () => {};
  const backoff = new Promise<void>((resolve) => (releaseBackoff = resolve));
  let inBackoff: () => void = () => {};
  const reachedBackoff = new Promise<void>((resolve) => (inBackoff = resolve));
  const ghlConfig = testGhlConfig(ghl.url, SECRET_ID, { GHL_RATE_LIMIT_REQUESTS: 1_000 });
  const client = createGhlClient({
    config: ghlConfig,
    health: createGhlHealth({ config: ghlConfig, store: new InMemoryGhlHealthStore() }),
    secretStore: new InMemorySecretStore({ [SECRET_ID]: JSON.stringify({ type: 'pit', token: ghl.tokens[0], locationId: ghl.locationId }) }),
    lock: new InMemoryLock(),
    rateBudgetStore: new InMemoryRateBudgetStore(),
    fetch: async (input, init) => {
      if (failNextUpsert && String(input).endsWith('/contacts/upsert')) {
        failNextUpsert = false;
        holdNextBackoff = true;
        return new Response('{"message":"Too many requests"}', {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Interval-Milliseconds': '100' },
        });
      }
      return fetch(input, init);
    },
    sleep: async () => {
      if (!holdNextBackoff) return;
      holdNextBackoff = false;
      inBackoff();
      await backoff;
    },
  });
  const consume = createBatchConsumer({
    entity: 'contacts',
    maxReceiveCount: 10,
    now: () => SENT_AT,
    parker: { park: async () => {} },
    visibility: { changeVisibility: async () => {} },
    processRecord: createRecordProcessor({
      entity: 'contacts',
      sync: {
        state: new InMemorySyncStateStore(),
        ghl: client,
        mapping: parseMappingConfig({ appointments: { calendarId: ghl.calendarIds[0] } }),
        now: () => new Date(),
        createLeaseMs: 600_000,
      },
    }),
  });
  const receive = (event: RelatelEventFixture, context: Invocation = invocation(), receiveCount = 1) =>
    consume({ Records: [sqsRecord({ body: event, groupId: '481516', deduplicationId: event.delivery_id, receiveCount })] }, context);
  return {
    receive,
    failNextUpsert: () => (failNextUpsert = true),
    reachedBackoff,
    releaseBackoff: () => releaseBackoff(),
  };
}

describe('an invocation abandoned at its timeout', () => {
  it('sends no GHL request after its time is up, so its late upsert cannot create a second contact', async () => {
    const consumer = contactsConsumer();
    const [v1, v2, v3] = [version(1, 0), version(2, 5), version(3, 10)];
    await consumer.receive(v1);

    // Invocation A: v2's PUT goes through, its company upsert fails and waits to be retried.
    const abandoned = invocation();
    consumer.failNextUpsert();
    const late = consumer.receive(v2, abandoned);
    await consumer.reachedBackoff;
    // A's time runs out; SQS redelivers v2 to another invocation, which syncs it and then v3.
    abandoned.remainingMs = 0;
    expect((await consumer.receive(v2, invocation(), 2)).batchItemFailures).toEqual([]);
    expect((await consumer.receive(v3)).batchItemFailures).toEqual([]);
    // A resumes (thawed with its environment, or never stopped, as locally).
    consumer.releaseBackoff();
    expect((await late).batchItemFailures).toHaveLength(1);

    const contacts = ghl.state.contacts();
    expect(contacts.map((contact) => [contact.email, contact.phone, contact.companyName])).toEqual([['kunde.v3@example.dk', '+4571300000', 'Firma v3']]);
  });
});
