/**
 * The settings the sync deploys with, unscaled, for the production-timing runs (burst, outage):
 * GHL's own limit (100 requests per 10 s), the consumers' budget, timeout-derived visibility,
 * concurrency, maxReceiveCount and retry horizon as infra/config.ts defaults them, and the SQS
 * backoff of lib/sync/consumer.ts (the local stack's default when no policy is passed).
 *
 * One difference remains: locally a consumer's function timeout is its visibility timeout
 * (local/lambda/sqs-event-source.ts), 360 s here where Lambda gives 60 s. The consumers never
 * wait anywhere near that long (a rate wait is at most 20 s, a GHL request 10 s), so it changes
 * nothing measured here.
 */
import { parseInfraConfig } from '../infra/config.js';
import { CONSUMER_ENV } from '../lib/entities.js';
import { DEFAULT_RATE_LIMIT } from '../local/ghl-simulator/index.js';
import type { ProcessedEvent } from '../local/stack.js';
import { startBenchStack, type BenchStack } from './bench-stack.js';

const DEPLOYED = parseInfraConfig({});
/** infra/constructs/entity-pipeline.ts: each queue's visibility timeout is 6x the consumer's timeout (AWS's advice). */
const VISIBILITY_TIMEOUT_FACTOR = 6;

/** GHL's limit as the simulator enforces it by default: 100 requests per 10 s per location. */
export const GHL_LIMIT = { maxPerInterval: DEFAULT_RATE_LIMIT.maxPerInterval, intervalMs: DEFAULT_RATE_LIMIT.intervalMs } as const;

export const PRODUCTION = {
  budget: { requests: DEPLOYED.ghlRateLimitRequests, intervalMs: DEPLOYED.ghlRateLimitIntervalMs },
  queues: { visibilityTimeoutSeconds: DEPLOYED.consumerTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR, maxReceiveCount: DEPLOYED.maxReceiveCount },
  concurrency: DEPLOYED.consumerMaxConcurrency,
  retryHorizonMs: DEPLOYED.retryHorizonHours * 3_600_000,
  // As infra/constructs/entity-pipeline.ts sets it: twice the consumer's timeout.
  createLeaseMs: DEPLOYED.consumerTimeoutSeconds * 2 * 1_000,
} as const;

/** One line naming the settings a production-timing run used, for its report. */
export function describeProductionSettings(): string {
  const { budget, queues, concurrency, retryHorizonMs } = PRODUCTION;
  return (
    `GHL limit ${GHL_LIMIT.maxPerInterval} per ${GHL_LIMIT.intervalMs / 1000} s; budget ${budget.requests} per ${budget.intervalMs / 1000} s; ` +
    `SQS backoff as deployed (lib/sync/consumer.ts SQS_RETRY_POLICY); visibility timeout ${queues.visibilityTimeoutSeconds} s; ` +
    `maxReceiveCount ${queues.maxReceiveCount}; retry horizon ${retryHorizonMs / 3_600_000} h; ${concurrency} concurrent batches per consumer`
  );
}

/** The bench stack with the deployed settings and GHL's real limit: nothing scaled. */
export function startProductionStack(onEvent?: (event: ProcessedEvent) => void): Promise<BenchStack> {
  return startBenchStack({
    queues: PRODUCTION.queues,
    // Every request of a run in the log: the figures are computed from it.
    simulator: { rateLimit: { ...GHL_LIMIT }, requestLogLimit: 200_000 },
    concurrency: PRODUCTION.concurrency,
    handlerEnv: {
      [CONSUMER_ENV.rateLimitRequests]: String(PRODUCTION.budget.requests),
      [CONSUMER_ENV.rateLimitIntervalMs]: String(PRODUCTION.budget.intervalMs),
      [CONSUMER_ENV.retryHorizonMs]: String(PRODUCTION.retryHorizonMs),
      [CONSUMER_ENV.createLeaseMs]: String(PRODUCTION.createLeaseMs),
    },
    ...(onEvent && { onEvent }),
  });
}
