/**
 * POST /webhooks/relatel: Relatel webhooks in, durably queued per entity. Wiring only; the
 * decisions live in lib/ingest/webhook.ts. Configuration and clients are set up once per cold
 * start, so a warm request costs one SendMessage and no Secrets Manager call.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SecretsManagerStore } from '../../lib/aws/secrets-manager.js';
import { queueUrlsFromConfig, SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import { loadConfig, webhookConfigSchema } from '../../lib/config.js';
import { apiGatewayResultOf, unavailableOnError, webhookRequestOf } from '../../lib/ingest/api-gateway.js';
import { recordIngestOutcome } from '../../lib/ingest/observe.js';
import { cachedSigningSecrets } from '../../lib/ingest/signing-secrets.js';
import { ingestRelatelWebhook, type WebhookIngestDeps } from '../../lib/ingest/webhook.js';
import { createLogger, createMetrics } from '../../lib/observability.js';

const config = loadConfig(webhookConfigSchema);
const logger = createLogger('webhook');
const metrics = createMetrics('webhook');
const deps: WebhookIngestDeps = {
  queue: new SqsQueueSender(new SQSClient({}), queueUrlsFromConfig(config)),
  secrets: cachedSigningSecrets(new SecretsManagerStore(new SecretsManagerClient({})), config.WEBHOOK_SECRET_ID),
  toleranceSeconds: config.SIGNATURE_TOLERANCE_SECONDS,
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(unavailableOnError(logger))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const { response, outcome } = await ingestRelatelWebhook(webhookRequestOf(event, Date.now()), deps);
    recordIngestOutcome(outcome, response.statusCode, logger, metrics);
    return apiGatewayResultOf(response);
  });
