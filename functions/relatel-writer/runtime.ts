/**
 * The composition root of the Relatel writer (functions/relatel-writer/handler.ts): the
 * ghl-contacts queue -> Relatel's phonebook. Same batch consumer as the GHL consumers
 * (createBatchConsumer: partial batch failures, FIFO order per GHL contact, transient failures
 * retried with backoff up to the retry horizon, permanent ones parked in the flow's DLQ with
 * their reason). The local stack builds the same consumer through `buildRelatelWriter`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoGhlContactLinkStore } from '../../lib/aws/dynamo-ghl-contact-links.js';
import { DynamoRateBudgetStore } from '../../lib/aws/dynamo-rate-budget.js';
import { DynamoSyncStateStore } from '../../lib/aws/dynamo-sync-state.js';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { SqsDeadLetterParker, SqsVisibilityChanger } from '../../lib/aws/sqs-consumer-adapters.js';
import { CachedValue } from '../../lib/cached-value.js';
import { deadLetterQueueUrlOf, loadConfig, queueUrlOf, relatelWriterConfigSchema, type RelatelWriterConfig } from '../../lib/config.js';
import { GhlRateLimiter } from '../../lib/ghl/rate-limiter.js';
import { parseMappingConfig } from '../../lib/mapping/config.js';
import { createLogger, createMetrics } from '../../lib/observability.js';
import { readRelatelToken } from '../../lib/relatel/token.js';
import { createRelatelWriter } from '../../lib/relatel/writer.js';
import { observeRelatelWrites } from '../../lib/reverse/observe.js';
import { createGhlContactRecordProcessor, type RelatelWriteReport } from '../../lib/reverse/record-processor.js';
import { createBatchConsumer, type InvocationClock } from '../../lib/sync/consumer.js';
import { consumerServiceName, observeConsumer } from '../../lib/sync/observe.js';
import type { BatchConsumerAdapters } from '../consumer-runtime.js';

const FLOW = 'ghl-contacts' as const;

/**
 * The key of the writer's own schedule in the shared GCRA store (lib/ghl/rate-limiter.ts, one
 * item in the sync-state table): all its invocations together keep to the Relatel budget.
 */
export const RELATEL_RATE_BUDGET_KEY = 'relatel-api';

export type RelatelWriterAdapters = BatchConsumerAdapters<RelatelWriteReport>;

export function buildRelatelWriter(
  config: RelatelWriterConfig,
  adapters: RelatelWriterAdapters,
): (event: SQSEvent, invocation?: InvocationClock) => Promise<SQSBatchResponse> {
  const { sqs, dynamo, secrets, logger, metrics } = adapters;
  const now = adapters.now ?? (() => new Date());
  const table = config.SYNC_TABLE_NAME;
  const observed = observeConsumer(FLOW, logger, metrics);
  const reportWrite = observeRelatelWrites(logger, metrics);
  const mapping = parseMappingConfig(config.MAPPING_CONFIG);
  const secretId = config.RELATEL_SECRET_ID;
  const token = new CachedValue(() => readRelatelToken(secrets, secretId), { ttlMs: 300_000 });
  const budget = new GhlRateLimiter({
    store: new DynamoRateBudgetStore(dynamo, table),
    requests: config.RELATEL_RATE_LIMIT_REQUESTS,
    intervalMs: config.RELATEL_RATE_LIMIT_INTERVAL_MS,
  });

  return createBatchConsumer({
    entity: FLOW,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    retryHorizonMs: config.RETRY_HORIZON_MS,
    now: () => now().getTime(),
    ...(adapters.retryPolicy && { retryPolicy: adapters.retryPolicy }),
    parker: new SqsDeadLetterParker(sqs, deadLetterQueueUrlOf(config, FLOW), now),
    visibility: new SqsVisibilityChanger(sqs, queueUrlOf(config, FLOW)),
    observer: observed.observer,
    processRecord: createGhlContactRecordProcessor({
      sync: {
        links: new DynamoGhlContactLinkStore(dynamo, table),
        state: new DynamoSyncStateStore(dynamo, table),
        relatel: createRelatelWriter({
          baseUrl: config.RELATEL_API_BASE_URL,
          token: () => token.get(),
          timeoutMs: config.RELATEL_REQUEST_TIMEOUT_MS,
          throttle: () => budget.acquire(RELATEL_RATE_BUDGET_KEY),
        }),
        mapping: { defaultCountry: mapping.defaultCountry, onlyWithTag: mapping.relatel.onlyWithTag },
        now,
      },
      onSynced: (report, record) => {
        reportWrite(report);
        adapters.onSynced?.(report, record);
      },
    }),
  });
}

/** The Lambda handler; configuration is read and validated at cold start. */
export function relatelWriterHandler() {
  const config = loadConfig(relatelWriterConfigSchema);
  const logger = createLogger(consumerServiceName(FLOW));
  const metrics = createMetrics(consumerServiceName(FLOW));
  const consume = buildRelatelWriter(config, {
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
