/**
 * The scheduled GHL catch-up (EventBridge, off unless `ghlCatchUpEnabled`): GHL contacts changed
 * since the last run are compared with their links, and those the links do not reflect are queued
 * on the ghl-contacts queue for the Relatel writer, so a GHL webhook that was lost (GHL retries
 * only on 429) is repaired by the next run. Wiring only: the logic is lib/reverse/catch-up.ts.
 *
 * The first run (no checkpoint) reads the contacts changed in the last FIRST_RUN_LOOKBACK_MS;
 * `npm run backfill -- --from ghl` covers older ones. A run that would pass the Lambda timeout
 * stops a minute early with its checkpoint saved, and the next scheduled run continues it.
 *
 * After the catch-up, the deletion sweep (lib/reverse/deletion-sweep-schedule.ts) runs when due
 * (GHL_DELETION_SWEEP_INTERVAL_HOURS, default 24, 0 = off): a walk of every GHL contact id, then
 * a GET of each linked contact the walk did not see; a delete GHL confirms is queued. Its walk
 * shares the same stop before the timeout, and a walk cut short concludes nothing. Its outcome
 * is published as EMF gauges that page on-call when it refuses or keeps failing to finish its
 * walk (lib/reverse/deletion-sweep-observe.ts; alarms in infra/constructs/monitoring.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoGhlContactLinkStore } from '../../lib/aws/dynamo-ghl-contact-links.js';
import { ghlClientOnTable } from '../../lib/aws/ghl-client-on-table.js';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import { ghlCatchUpConfigSchema, loadConfig, queueUrlOf } from '../../lib/config.js';
import type { QueueOwner } from '../../lib/entities.js';
import { parseMappingConfig } from '../../lib/mapping/config.js';
import { createLogger, createMetrics } from '../../lib/observability.js';
import { DynamoCheckpointStore } from '../../lib/ops/dynamo-checkpoint.js';
import { runGhlCatchUp, type GhlCatchUpSummary } from '../../lib/reverse/catch-up.js';
import { GHL_CATCH_UP_SERVICE_NAME, recordDeletionSweep } from '../../lib/reverse/deletion-sweep-observe.js';
import { runScheduledDeletionSweep, type ScheduledDeletionSweepSummary } from '../../lib/reverse/deletion-sweep-schedule.js';

/** Left for saving the checkpoint and logging the summary before the Lambda timeout. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;
const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;

const config = loadConfig(ghlCatchUpConfigSchema);
const logger = createLogger(GHL_CATCH_UP_SERVICE_NAME);
// The deletion sweep's gauges, which page on-call (lib/reverse/deletion-sweep-observe.ts).
const metrics = createMetrics(GHL_CATCH_UP_SERVICE_NAME);
const mapping = parseMappingConfig(config.MAPPING_CONFIG);
const dynamo = new DynamoDBClient({});
const deps = {
  ghl: ghlClientOnTable(config, dynamo, config.SYNC_TABLE_NAME, secretStoreFromEnvironment()),
  links: new DynamoGhlContactLinkStore(dynamo, config.SYNC_TABLE_NAME),
  // This function may send to the ghl-contacts queue only.
  queue: new SqsQueueSender(new SQSClient({}), { 'ghl-contacts': queueUrlOf(config, 'ghl-contacts') } as Record<QueueOwner, string>),
  checkpoints: new DynamoCheckpointStore(dynamo, config.SYNC_TABLE_NAME),
  mapping: { defaultCountry: mapping.defaultCountry, onlyWithTag: mapping.relatel.onlyWithTag },
  locationId: config.GHL_LOCATION_ID,
};

export type GhlCatchUpRunSummary = GhlCatchUpSummary & { deletionSweep: ScheduledDeletionSweepSummary };

export const handler = middy<unknown, GhlCatchUpRunSummary>()
  .use(injectLambdaContext(logger))
  .handler(async (_event: unknown, context: Context) => {
    const shouldStop = () => context.getRemainingTimeInMillis() < STOP_BEFORE_TIMEOUT_MS;
    const summary = await runGhlCatchUp(deps, {
      mode: 'changed',
      startFrom: new Date(Date.now() - FIRST_RUN_LOOKBACK_MS),
      ratePerSecond: config.CATCH_UP_RATE_PER_SECOND,
      shouldStop,
    });
    // Ids and counts only: the skipped list holds GHL ids, never contact details.
    logger.info('GHL catch-up run', { ...summary });
    const deletionSweep = await runScheduledDeletionSweep(deps, {
      intervalHours: config.GHL_DELETION_SWEEP_INTERVAL_HOURS,
      ratePerSecond: config.CATCH_UP_RATE_PER_SECOND,
      shouldStop,
    });
    recordDeletionSweep(deletionSweep, logger, metrics);
    return { ...summary, deletionSweep };
  });
