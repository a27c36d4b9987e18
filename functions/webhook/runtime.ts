/**
 * The composition root of the webhook Lambda (functions/webhook/handler.ts): wires the ingest
 * core (lib/ingest/webhook.ts) to SQS and the signing secrets, inside the Lambda's middlewares.
 * The local stack builds the same handler through `buildWebhookHandler` with its own clients
 * (as the consumers' `buildConsumer`), so several stacks in one process stay independent.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { queueUrlsFromConfig, SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import type { WebhookConfig } from '../../lib/config.js';
import { apiGatewayResultOf, unavailableOnError, webhookRequestOf } from '../../lib/ingest/api-gateway.js';
import { recordIngestOutcome } from '../../lib/ingest/observe.js';
import { cachedSigningSecrets } from '../../lib/ingest/signing-secrets.js';
import { ingestRelatelWebhook, type WebhookIngestDeps } from '../../lib/ingest/webhook.js';
import type { SecretVersionReader } from '../../lib/secrets.js';

export interface WebhookAdapters {
  sqs: SQSClient;
  secrets: SecretVersionReader;
  logger: Logger;
  metrics: Metrics;
}

export function buildWebhookHandler(config: WebhookConfig, adapters: WebhookAdapters) {
  const { logger, metrics } = adapters;
  const deps: WebhookIngestDeps = {
    queue: new SqsQueueSender(adapters.sqs, queueUrlsFromConfig(config)),
    secrets: cachedSigningSecrets(adapters.secrets, config.WEBHOOK_SECRET_ID, {
      previousGraceMs: config.PREVIOUS_SIGNING_SECRET_GRACE_SECONDS * 1000,
    }),
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
