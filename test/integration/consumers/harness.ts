/**
 * The consumers as production builds them (functions/consumer-runtime.ts): createBatchConsumer
 * + createRecordProcessor + syncEvent + observeConsumer, with the real GHL client talking HTTP to
 * a GHL simulator. Only the AWS edges are swapped: sync state, lock and rate budget in memory, a
 * DLQ parker and a visibility changer that record what they were asked to do, a logger and
 * metrics that record their calls, and one fake clock shared by the client, the sync and the
 * simulator (so rate-limit waits, 429 intervals and held requests cost no real time).
 *
 * `deliver` hands events to their entity's consumer once, as one SQS batch per queue; `drain`
 * keeps redelivering the records that failed, with ApproximateReceiveCount incremented and the
 * clock moved past their visibility delay, until every queue is empty, the way SQS would.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { afterEach } from 'vitest';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageGroupIdOf, queueName, routeOf, type Entity, type RoutedEventType } from '../../../lib/entities.js';
import { createGhlClient, createGhlHealth, InMemoryGhlHealthStore, InMemoryLock, InMemoryRateBudgetStore, type GhlClient } from '../../../lib/ghl/index.js';
import { parseMappingConfig, type MappingConfigInput } from '../../../lib/mapping/config.js';
import type { RelatelClient } from '../../../lib/relatel/client.js';
import { InMemorySecretStore, type SecretStore } from '../../../lib/secrets.js';
import type { QueueMessage } from '../../../lib/ingest/ports.js';
import { createBatchConsumer, type ParkedFailure, type VisibilityChanger } from '../../../lib/sync/consumer.js';
import { InMemoryContactWaiters } from '../../../lib/sync/contact-waiters.js';
import { duplicateContactsLookup } from '../../../lib/sync/duplicate-contacts.js';
import { observeConsumer } from '../../../lib/sync/observe.js';
import { createRecordProcessor } from '../../../lib/sync/record-processor.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { parkerWakingChildren, type ChildWakePorts } from '../../../lib/sync/wake-children.js';
import { startGhlSimulator, type GhlSimulator, type GhlSimulatorOptions } from '../../../local/ghl-simulator/index.js';
import type { RelatelEventFixture } from '../../factories/relatel-events.js';
import { sqsRecord } from '../../factories/sqs-records.js';
import { fakeClock, type FakeClock } from '../../unit/ghl/fake-clock.js';
import { testGhlConfig } from '../../factories/ghl-config.js';
import { InMemoryGhlContactLinkStore } from '../../../lib/reverse/links.js';

export const GHL_SECRET_ID = 'relatel-ghl-sync/ghl';
export const CREATE_LEASE_MS = 600_000;

export interface ParkedRecord {
  entity: Entity;
  record: SQSRecord;
  failure: ParkedFailure;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export interface HarnessOptions {
  simulator?: GhlSimulatorOptions;
  /** What the GHL secret holds; defaults to a PIT with the simulator's token and location. */
  ghlSecret?: (sim: GhlSimulator) => Record<string, unknown>;
  /** Wraps the secret store, e.g. to rotate a secret after the client's first read. */
  wrapSecretStore?: (store: InMemorySecretStore) => SecretStore;
  relatel?: RelatelClient;
  mapping?: MappingConfigInput;
  maxReceiveCount?: number;
  /** Wraps the GHL client's fetch, e.g. to spoil an answer on its way back. */
  wrapFetch?: (fetchFn: typeof fetch) => typeof fetch;
  /**
   * Children wait for their contact as consumer-runtime.ts wires it (lib/sync/contact-wait.ts):
   * notes in memory, wakes recorded in `woken`, contacts queued by children in `queuedContacts`.
   */
  waitForContacts?: boolean;
  /** How long a child waits for an unknown contact's webhook before reading it (default: production's, 60 s). */
  fetchGraceMs?: number;
}

export interface DeliveryRound {
  responses: SQSBatchResponse[];
  failedMessageIds: string[];
}

export interface ConsumerHarness {
  ghl: GhlSimulator;
  clock: FakeClock;
  secrets: InMemorySecretStore;
  state: InMemorySyncStateStore;
  parked: ParkedRecord[];
  visibilityChanges: { messageId: string; seconds: number }[];
  /** With waitForContacts: message ids of children the contacts consumer woke, in order. */
  woken: string[];
  /** With waitForContacts: contact events children queued on the contacts queue. */
  queuedContacts: QueueMessage[];
  logs: LogLine[];
  maxReceiveCount: number;
  /** The SQS record SQS would hand the consumer for this event (group = contact, dedup = delivery id). */
  recordFor(event: RelatelEventFixture, overrides?: { messageId?: string; receiveCount?: number }): SQSRecord;
  /** One receive: the records go to their entity's consumer, one batch per queue, in order. */
  receive(records: SQSRecord[]): Promise<DeliveryRound>;
  /** Sends events once; answers the records that failed (to hand to `drain` or `redeliver`). */
  deliver(...events: RelatelEventFixture[]): Promise<SQSRecord[]>;
  /** Redelivers failed records until none is left (each comes back with its receive count + 1). */
  drain(failed: SQSRecord[]): Promise<{ receives: number }>;
  /** `deliver` then `drain`. */
  sync(...events: RelatelEventFixture[]): Promise<void>;
  /** Fresh sync state and GHL, same client: for property tests that run many cases. */
  reset(): void;
  stop(): Promise<void>;
}

/** A harness per test, stopped after each test of the file that calls this. */
export function harnessPerTest(): (options?: HarnessOptions) => Promise<ConsumerHarness> {
  const running: ConsumerHarness[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((h) => h.stop()));
  });
  return async (options = {}) => {
    const h = await startConsumerHarness(options);
    running.push(h);
    return h;
  };
}

export async function startConsumerHarness(options: HarnessOptions = {}): Promise<ConsumerHarness> {
  const clock = fakeClock(Date.UTC(2026, 2, 2, 9, 0, 0));
  const ghl = await startGhlSimulator({ clock, ...options.simulator });
  const secrets = new InMemorySecretStore({
    [GHL_SECRET_ID]: JSON.stringify(options.ghlSecret?.(ghl) ?? { type: 'pit', token: ghl.tokens[0], locationId: ghl.locationId }),
  });
  const secretStore = options.wrapSecretStore?.(secrets) ?? secrets;
  // Tests of parking on the last receive count on a small number; production's is far larger.
  const maxReceiveCount = options.maxReceiveCount ?? 8;
  const mapping = parseMappingConfig({ ...options.mapping, appointments: { calendarId: ghl.calendarIds[0], ...options.mapping?.appointments } });
  const parked: ParkedRecord[] = [];
  const visibilityChanges: { messageId: string; seconds: number }[] = [];
  const woken: string[] = [];
  const queuedContacts: QueueMessage[] = [];
  const logs: LogLine[] = [];
  const logger = recordingLogger(logs);
  const metrics = recordingMetrics();
  // Real time: the simulator's held requests end on the fake clock long before the 5 s request timeout.
  const ghlConfig = testGhlConfig(ghl.url, GHL_SECRET_ID);
  const client: GhlClient = createGhlClient({
    config: ghlConfig,
    health: createGhlHealth({ config: ghlConfig, store: new InMemoryGhlHealthStore(), now: clock.now }),
    secretStore,
    lock: new InMemoryLock(clock.now),
    rateBudgetStore: new InMemoryRateBudgetStore(),
    ...(options.wrapFetch && { fetch: options.wrapFetch(fetch) }),
    now: clock.now,
    sleep: clock.sleep,
  });

  let state = new InMemorySyncStateStore();
  let ghlContactLinks = new InMemoryGhlContactLinkStore();
  let consumers = new Map<Entity, (event: SQSEvent) => Promise<SQSBatchResponse>>();
  let waiters = new InMemoryContactWaiters();
  const visibility: VisibilityChanger = {
    changeVisibility: async (changes) => void visibilityChanges.push(...changes.map(({ record, seconds }) => ({ messageId: record.messageId, seconds }))),
  };

  function consumerOf(entity: Entity) {
    let consumer = consumers.get(entity);
    if (consumer === undefined) {
      const observed = observeConsumer(entity, logger, metrics, clock.now);
      const now = () => new Date(clock.now());
      const wake: ChildWakePorts = { waiters, waker: { wake: async (children) => void woken.push(...children.map((child) => child.messageId)) } };
      const parker = { park: async (record: SQSRecord, failure: ParkedFailure) => void parked.push({ entity, record, failure }) };
      const contacts = options.waitForContacts === true && entity === 'contacts';
      const children = options.waitForContacts === true && entity !== 'contacts';
      consumer = createBatchConsumer({
        entity,
        maxReceiveCount,
        now: clock.now,
        parker: contacts ? parkerWakingChildren(parker, state, wake, now) : parker,
        visibility,
        observer: observed.observer,
        processRecord: createRecordProcessor({
          entity,
          onSynced: observed.onSynced,
          ...(contacts && { wakeChildren: wake }),
          ...(children && {
            childWaits: {
              waiters,
              visibility,
              contactsQueue: { send: async (message) => void queuedContacts.push(message) },
              ...(options.fetchGraceMs !== undefined && { fetchGraceMs: options.fetchGraceMs }),
            },
          }),
          sync: {
            state,
            ghl: client,
            ...(options.relatel && { relatel: options.relatel }),
            mapping,
            now: () => new Date(clock.now()),
            createLeaseMs: CREATE_LEASE_MS,
            onMappingIssues: observed.onMappingIssues,
            // As where the GHL -> Relatel flow is deployed (GHL_CONTACT_LINKS=on): the contacts consumer keeps its links.
            ghlContactLinks,
            ...(entity === 'contacts' && { duplicateContacts: duplicateContactsLookup(client, { now: clock.now, ...observed.duplicateContactsHooks }) }),
          },
        }),
      });
      consumers.set(entity, consumer);
    }
    return consumer;
  }

  const entityOfRecord = new Map<string, Entity>();
  /** The longest visibility delay the last receive asked for: when its failures come back. */
  let lastWaitSeconds = 1;

  const harness: ConsumerHarness = {
    ghl,
    clock,
    secrets,
    get state() {
      return state;
    },
    parked,
    visibilityChanges,
    woken,
    queuedContacts,
    logs,
    maxReceiveCount,

    recordFor(event, overrides = {}) {
      const type = event.event_type as RoutedEventType;
      const entity = routeOf(type).entity;
      const record = sqsRecord({
        body: event,
        groupId: messageGroupIdOf(type, event.payload) ?? 'no-group',
        deduplicationId: event.delivery_id,
        queueName: queueName(entity),
        sentAt: clock.now(),
        ...overrides,
      });
      entityOfRecord.set(record.messageId, entity);
      return record;
    },

    async receive(records) {
      const byEntity = new Map<Entity, SQSRecord[]>();
      for (const record of records) {
        const entity = entityOfRecord.get(record.messageId);
        if (entity === undefined) throw new Error('record was not made by recordFor');
        byEntity.set(entity, [...(byEntity.get(entity) ?? []), record]);
      }
      const responses: SQSBatchResponse[] = [];
      const changesBefore = visibilityChanges.length;
      for (const [entity, batch] of byEntity) responses.push(await consumerOf(entity)({ Records: batch }));
      const failedMessageIds = responses.flatMap((response) => response.batchItemFailures.map((failure) => failure.itemIdentifier));
      lastWaitSeconds = Math.max(1, ...visibilityChanges.slice(changesBefore).map((change) => change.seconds));
      return { responses, failedMessageIds };
    },

    async deliver(...events) {
      const records = events.map((event) => harness.recordFor(event));
      const { failedMessageIds } = await harness.receive(records);
      return records.filter((record) => failedMessageIds.includes(record.messageId));
    },

    async drain(failed) {
      let pending = failed;
      let receives = 0;
      while (pending.length > 0) {
        if (receives > maxReceiveCount + 1) throw new Error(`queue did not drain after ${receives} redeliveries`);
        receives += 1;
        // SQS hands a failed record back once the visibility delay the consumer set has passed.
        clock.advance(lastWaitSeconds * 1000);
        const redelivered = pending.map((record) => redeliveryOf(record));
        const { failedMessageIds } = await harness.receive(redelivered);
        pending = redelivered.filter((record) => failedMessageIds.includes(record.messageId));
      }
      return { receives };
    },

    async sync(...events) {
      await harness.drain(await harness.deliver(...events));
    },

    reset() {
      ghl.reset();
      state = new InMemorySyncStateStore();
      ghlContactLinks = new InMemoryGhlContactLinkStore();
      waiters = new InMemoryContactWaiters();
      consumers = new Map();
      woken.length = 0;
      queuedContacts.length = 0;
      parked.length = 0;
      visibilityChanges.length = 0;
      logs.length = 0;
    },

    stop: () => ghl.stop(),
  };
  return harness;
}

/** The same message again, as SQS hands it out on its next receive. */
export function redeliveryOf(record: SQSRecord): SQSRecord {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount) + 1;
  return {
    ...record,
    receiptHandle: `${record.receiptHandle}+`,
    attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
  };
}

/** Requests to the GHL API (not the simulator's control endpoints), optionally by operation. */
export function ghlRequests(ghl: GhlSimulator, operation?: string) {
  return ghl.state.requests().filter((request) => operation === undefined || request.operation === operation);
}

/** Successful GHL writes (POST/PUT/DELETE answered 2xx). */
export function ghlWrites(ghl: GhlSimulator) {
  return ghl.state.requests().filter((request) => request.method !== 'GET' && request.status >= 200 && request.status < 300);
}

function recordingLogger(logs: LogLine[]): Logger {
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void logs.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
}

function recordingMetrics(): Metrics {
  const single = { addDimension: () => undefined, addDimensions: () => undefined, addMetric: () => undefined };
  return { addMetric: () => undefined, setDefaultDimensions: () => undefined, singleMetric: () => single } as unknown as Metrics;
}

/** A GHL client of its own on the harness's simulator and clock, as the ops scripts build one. */
export function ghlClientOf(h: ConsumerHarness): GhlClient {
  const config = testGhlConfig(h.ghl.url, GHL_SECRET_ID);
  return createGhlClient({
    config,
    health: createGhlHealth({ config, store: new InMemoryGhlHealthStore(), now: h.clock.now }),
    secretStore: h.secrets,
    lock: new InMemoryLock(h.clock.now),
    rateBudgetStore: new InMemoryRateBudgetStore(),
    now: h.clock.now,
    sleep: h.clock.sleep,
  });
}
