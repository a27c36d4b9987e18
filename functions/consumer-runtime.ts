/**
 * The composition root of the four consumer Lambdas (functions/<entity>/handler.ts): builds the
 * clients and adapters once per cold start and hands each SQS batch to the batch consumer. The
 * local stack builds the same consumer through `buildConsumer` with its own endpoints.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoContactWaiters } from '../lib/aws/dynamo-contact-waiters.js';
import { DynamoGhlContactLinkStore } from '../lib/aws/dynamo-ghl-contact-links.js';
import { DynamoGhlHealthStore } from '../lib/aws/dynamo-ghl-health.js';
import { DynamoLock } from '../lib/aws/dynamo-lock.js';
import { DynamoRateBudgetStore } from '../lib/aws/dynamo-rate-budget.js';
import { DynamoSyncStateStore } from '../lib/aws/dynamo-sync-state.js';
import { secretStoreFromEnvironment } from '../lib/aws/secret-store-from-env.js';
import { SqsChildWaker, SqsDeadLetterParker, SqsVisibilityChanger } from '../lib/aws/sqs-consumer-adapters.js';
import { SqsQueueSender } from '../lib/aws/sqs-queue-sender.js';
import { consumerConfigSchema, consumerQueueUrls, loadConfig, queueUrlOf, type ConsumerConfig } from '../lib/config.js';
import { ENTITIES, type Entity } from '../lib/entities.js';
import { createGhlClient, createGhlHealth } from '../lib/ghl/index.js';
import { parseMappingConfig, type MappingConfig } from '../lib/mapping/config.js';
import { createLogger, createMetrics } from '../lib/observability.js';
import { createRelatelClient } from '../lib/relatel/client.js';
import { readRelatelToken } from '../lib/relatel/token.js';
import type { RetryPolicy } from '../lib/retry.js';
import { CachedValue } from '../lib/cached-value.js';
import type { SecretStore } from '../lib/secrets.js';
import { createBatchConsumer, type DeadLetterParker, type InvocationClock, type VisibilityChanger } from '../lib/sync/consumer.js';
import type { ChildWaitPorts } from '../lib/sync/contact-wait.js';
import { duplicateContactsLookup } from '../lib/sync/duplicate-contacts.js';
import { consumerServiceName, meterGhlAnswers, observeConsumer } from '../lib/sync/observe.js';
import { createRecordProcessor, type RecordProcessorOptions, type SyncedEventReport } from '../lib/sync/record-processor.js';
import type { SyncStateStore } from '../lib/sync/state.js';
import { parkerWakingChildren, type ChildWakePorts } from '../lib/sync/wake-children.js';

/** What a batch consumer of any flow is built from; `Report` is what it tells of each event. */
export interface BatchConsumerAdapters<Report> {
  sqs: SQSClient;
  dynamo: DynamoDBClient;
  secrets: SecretStore;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
  /** Also told of every finished event (the local stack prints one line per event). */
  onSynced?: (report: Report, record: SQSRecord) => void;
  /** Backoff between SQS redeliveries; the local stack's tests shorten it. */
  retryPolicy?: RetryPolicy;
}

export type ConsumerAdapters = BatchConsumerAdapters<SyncedEventReport>;

/** Pass the Lambda context: the consumer keeps its GHL requests inside the invocation's time. */
export function buildConsumer(
  config: ConsumerConfig,
  adapters: ConsumerAdapters,
): (event: SQSEvent, invocation?: InvocationClock) => Promise<SQSBatchResponse> {
  const { sqs, dynamo, secrets, logger, metrics } = adapters;
  const now = adapters.now ?? (() => new Date());
  const table = config.SYNC_TABLE_NAME;
  const { queueUrl, deadLetterQueueUrl } = consumerQueueUrls(config);
  const observed = observeConsumer(config.ENTITY, logger, metrics);

  const ghlAnswers = meterGhlAnswers(config.ENTITY, metrics);
  // One GHL health state for every consumer, in the sync table: an outage stops them all.
  const health = createGhlHealth({ config, store: new DynamoGhlHealthStore(dynamo, table), onChange: observed.onCircuitChange });
  const ghl = createGhlClient({
    config,
    health,
    fetch: ghlAnswers.fetch,
    secretStore: secrets,
    lock: new DynamoLock(dynamo, table),
    rateBudgetStore: new DynamoRateBudgetStore(dynamo, table),
    onRetry: (error, attempt, delayMs) => logger.debug('GHL request retried', { attempt, delayMs, reason: (error as { reason?: string }).reason }),
  });

  const state = new DynamoSyncStateStore(dynamo, table);
  const visibility = new SqsVisibilityChanger(sqs, queueUrl);
  const waiting = childrenWaiting(config, adapters, state, visibility, now);

  const relatelSecretId = config.RELATEL_SECRET_ID;
  const relatelToken = relatelSecretId === undefined ? undefined : new CachedValue(() => readRelatelToken(secrets, relatelSecretId), { ttlMs: 300_000 });

  const consume = createBatchConsumer({
    entity: config.ENTITY,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    retryHorizonMs: config.RETRY_HORIZON_MS,
    now: () => now().getTime(),
    ...(adapters.retryPolicy && { retryPolicy: adapters.retryPolicy }),
    parker: waiting.parker(new SqsDeadLetterParker(sqs, deadLetterQueueUrl, now)),
    visibility,
    observer: observed.observer,
    ghlHeldBack: () => health.heldBack(),
    processRecord: createRecordProcessor({
      entity: config.ENTITY,
      onSynced: (report, record) => {
        observed.onSynced(report);
        adapters.onSynced?.(report, record);
      },
      ...waiting.processor,
      sync: {
        state,
        ghl,
        ...(relatelToken && { relatel: createRelatelClient({ baseUrl: config.RELATEL_API_BASE_URL, token: () => relatelToken.get() }) }),
        mapping: mappingOf(config),
        now,
        createLeaseMs: config.CREATE_LEASE_MS,
        onMappingIssues: observed.onMappingIssues,
        // Only the contacts consumer creates contacts from Relatel's (callers are matched by phone through upsert).
        ...(config.ENTITY === 'contacts' && {
          duplicateContacts: duplicateContactsLookup(ghl, observed.duplicateContactsHooks),
          // The GHL -> Relatel flow's links, where it is deployed: Relatel's echo of its writes
          // costs no GHL call. Elsewhere no link exists, so no contact event pays the read.
          ...(config.GHL_CONTACT_LINKS === 'on' && { ghlContactLinks: new DynamoGhlContactLinkStore(dynamo, table) }),
        }),
      },
    }),
  });
  return async (event, invocation) => {
    try {
      return await consume(event, invocation);
    } finally {
      ghlAnswers.flush();
      observed.circuitGauge(health.openGauge());
    }
  };
}

/**
 * Children waiting for their contact (lib/sync/contact-wait.ts): a child consumer hides and notes
 * its waiting records and queues contacts it reads from Relatel on the contacts queue; the
 * contacts consumer wakes the children of every contact it processed or parked, in their queues.
 */
function childrenWaiting(
  config: ConsumerConfig,
  adapters: ConsumerAdapters,
  state: SyncStateStore,
  visibility: VisibilityChanger,
  now: () => Date,
): { processor: Pick<RecordProcessorOptions, 'childWaits' | 'wakeChildren'>; parker: (inner: DeadLetterParker) => DeadLetterParker } {
  const waiters = new DynamoContactWaiters(adapters.dynamo, config.SYNC_TABLE_NAME);
  if (config.ENTITY === 'contacts') {
    const childQueueUrls = new Map<Entity, string>(ENTITIES.filter((entity) => entity !== 'contacts').map((entity) => [entity, queueUrlOf(config, entity)]));
    const wake: ChildWakePorts = { waiters, waker: new SqsChildWaker(adapters.sqs, (entity) => childQueueUrls.get(entity)) };
    return { processor: { wakeChildren: wake }, parker: (inner) => parkerWakingChildren(inner, state, wake, now) };
  }
  // Only contact events are ever sent: the sender knows the contacts queue alone.
  const contactsQueue = new SqsQueueSender(adapters.sqs, { contacts: queueUrlOf(config, 'contacts') } as Record<Entity, string>);
  const childWaits: ChildWaitPorts = { waiters, visibility, contactsQueue, fetchGraceMs: config.CHILD_FETCH_GRACE_MS };
  return { processor: { childWaits }, parker: (inner) => inner };
}

function mappingOf(config: ConsumerConfig): MappingConfig {
  const mapping = parseMappingConfig(config.MAPPING_CONFIG);
  if (config.GHL_CALENDAR_ID === undefined) return mapping;
  return { ...mapping, appointments: { ...mapping.appointments, calendarId: config.GHL_CALENDAR_ID } };
}

/** The Lambda handler of one entity's consumer; configuration is read and validated at cold start. */
export function consumerHandler(entity: Entity) {
  const config = loadConfig(consumerConfigSchema, { ...process.env, ENTITY: entity });
  const logger = createLogger(consumerServiceName(entity));
  const metrics = createMetrics(consumerServiceName(entity));
  const consume = buildConsumer(config, {
    sqs: new SQSClient({}),
    dynamo: new DynamoDBClient({}),
    secrets: secretStoreFromEnvironment(),
    logger,
    metrics,
  });
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event, context) => consume(event, context));
}
