/**
 * POST /webhooks/relatel: Relatel webhooks in, durably queued per entity. Wiring only; the
 * decisions live in lib/ingest/webhook.ts. Configuration and clients are set up once per cold
 * start, so a warm request costs one SendMessage and no Secrets Manager call. The local stack
 * builds the same handler through `buildWebhookHandler` with its own endpoints (as the
 * consumers' `buildConsumer`), so several stacks in one process stay independent.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { queueUrlsFromConfig, SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import { loadConfig, webhookConfigSchema, type WebhookConfig } from '../../lib/config.js';
import { apiGatewayResultOf, unavailableOnError, webhookRequestOf } from '../../lib/ingest/api-gateway.js';
import { recordIngestOutcome } from '../../lib/ingest/observe.js';
import { cachedSigningSecrets } from '../../lib/ingest/signing-secrets.js';
import { ingestRelatelWebhook, type WebhookIngestDeps } from '../../lib/ingest/webhook.js';
import { createLogger, createMetrics } from '../../lib/observability.js';
import type { SecretStore } from '../../lib/secrets.js';

export interface WebhookAdapters {
  sqs: SQSClient;
  secrets: SecretStore;
  logger: Logger;
  metrics: Metrics;
}

export function buildWebhookHandler(config: WebhookConfig, adapters: WebhookAdapters) {
  const { logger, metrics } = adapters;
  const deps: WebhookIngestDeps = {
    queue: new SqsQueueSender(adapters.sqs, queueUrlsFromConfig(config)),
    secrets: cachedSigningSecrets(adapters.secrets, config.WEBHOOK_SECRET_ID),
    toleranceSeconds: config.SIGNATURE_TOLERANCE_SECONDS,
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(unavailableOnError(logger))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const { response, outcome } = await ingestRelatelWebhook(webhookRequestOf(event, Date.now()), deps);
      recordIngestOutcome(outcome, response.statusCode, logger, metrics);
      return apiGatewayResultOf(response);
    });
}

// Secrets Manager in AWS; LOCAL_SECRETS_FILE on the local stack (the consumers' switch).
export const handler = buildWebhookHandler(loadConfig(webhookConfigSchema), {
  sqs: new SQSClient({}),
  secrets: secretStoreFromEnvironment(),
  logger: createLogger('webhook'),
  metrics: createMetrics('webhook'),
});
