/**
 * The scheduled reconciliation (EventBridge, off unless `reconcileEnabled`): a backfill of every
 * Relatel contact onto the contacts queue, so a lost webhook is repaired by the next run. An
 * unchanged contact costs the consumer no GHL call. Wiring only: the logic is lib/ops/backfill.ts.
 *
 * A large account may not fit in one invocation: the run stops a minute before the Lambda
 * timeout with its checkpoint saved, and the next scheduled run continues it.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import { loadConfig, queueUrlOf, reconcileConfigSchema } from '../../lib/config.js';
import type { Entity } from '../../lib/entities.js';
import { createLogger } from '../../lib/observability.js';
import { runBackfill, type BackfillSummary } from '../../lib/ops/backfill.js';
import { DynamoCheckpointStore } from '../../lib/ops/dynamo-checkpoint.js';
import { createRelatelClient } from '../../lib/relatel/client.js';
import { CachedValue } from '../../lib/cached-value.js';
import { readRelatelToken } from '../../lib/relatel/token.js';

/** Its own checkpoint: a backfill started by hand (`npm run backfill`) does not interfere. */
export const RECONCILE_CHECKPOINT = 'reconcile';
/** Left for saving the checkpoint and logging the summary before the Lambda timeout. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;

const config = loadConfig(reconcileConfigSchema);
const logger = createLogger('reconcile');
const secrets = secretStoreFromEnvironment();
const relatelToken = new CachedValue(() => readRelatelToken(secrets, config.RELATEL_SECRET_ID), { ttlMs: 300_000 });
const deps = {
  relatel: createRelatelClient({ baseUrl: config.RELATEL_API_BASE_URL, token: () => relatelToken.get() }),
  // Backfill only ever sends contact events; this function may send to the contacts queue only.
  queue: new SqsQueueSender(new SQSClient({}), { contacts: queueUrlOf(config, 'contacts') } as Record<Entity, string>),
  checkpoints: new DynamoCheckpointStore(new DynamoDBClient({}), config.SYNC_TABLE_NAME),
};

export const handler = middy<unknown, BackfillSummary>()
  .use(injectLambdaContext(logger))
  .handler(async (_event: unknown, context: Context) => {
    const summary = await runBackfill(deps, {
      checkpointName: RECONCILE_CHECKPOINT,
      ratePerSecond: config.BACKFILL_RATE_PER_SECOND,
      shouldStop: () => context.getRemainingTimeInMillis() < STOP_BEFORE_TIMEOUT_MS,
    });
    // Ids and counts only: the skipped list holds Relatel ids, never contact details.
    logger.info('Reconciliation run', { ...summary });
    return summary;
  });
