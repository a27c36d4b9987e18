/**
 * The composition root of the GHL door's Lambda (functions/ghl-webhook/handler.ts): wires the
 * door's core (lib/ingest/ghl-webhook.ts) to SQS, the configured public keys and the workflow
 * secret, inside the same middlewares as the Relatel door. The local stack builds the same
 * handler through `buildGhlWebhookHandler` with its own clients.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SqsQueueSender } from '../../lib/aws/sqs-queue-sender.js';
import { queueUrlOf, type GhlWebhookConfig } from '../../lib/config.js';
import { loadGhlWebhookKeys } from '../../lib/events/ghl-signature.js';
import { apiGatewayResultOf, unavailableOnError, webhookRequestOf } from '../../lib/ingest/api-gateway.js';
import { GHL_WEBHOOK_SERVICE_NAME, ingestGhlWebhook, type GhlWebhookIngestDeps, type GhlWebhookRequest } from '../../lib/ingest/ghl-webhook.js';

export { GHL_WEBHOOK_SERVICE_NAME };
import { recordIngestOutcome } from '../../lib/ingest/observe.js';
import { cachedSigningSecrets } from '../../lib/ingest/signing-secrets.js';
import type { SecretVersionReader } from '../../lib/secrets.js';

export interface GhlWebhookAdapters {
  sqs: SQSClient;
  secrets: SecretVersionReader;
  logger: Logger;
  metrics: Metrics;
}

/** Keys are parsed here, once: a bad key fails the cold start naming its setting, never a request. */
export function buildGhlWebhookHandler(config: GhlWebhookConfig, adapters: GhlWebhookAdapters) {
  const { logger, metrics } = adapters;
  const workflowSecretId = config.GHL_WORKFLOW_SECRET_ID;
  const deps: GhlWebhookIngestDeps = {
    queue: new SqsQueueSender(adapters.sqs, { 'ghl-contacts': queueUrlOf(config, 'ghl-contacts') }),
    keys: loadGhlWebhookKeys({ ed25519: config.GHL_WEBHOOK_ED25519_PUBLIC_KEYS, rsa: config.GHL_WEBHOOK_RSA_PUBLIC_KEYS }),
    ...(workflowSecretId && {
      workflowSecrets: cachedSigningSecrets(adapters.secrets, workflowSecretId, { previousGraceMs: config.GHL_WORKFLOW_SECRET_GRACE_SECONDS * 1000 }),
    }),
    locationId: config.GHL_LOCATION_ID,
    toleranceSeconds: config.GHL_WEBHOOK_TOLERANCE_SECONDS,
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(unavailableOnError(logger))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const { response, outcome } = await ingestGhlWebhook(ghlWebhookRequestOf(event, Date.now()), deps);
      recordIngestOutcome(outcome, response.statusCode, logger, metrics);
      return apiGatewayResultOf(response);
    });
}

/** The HTTP API's event as the door's request: the query (a workflow's secret) and the request id too. */
export function ghlWebhookRequestOf(event: APIGatewayProxyEventV2, now: number): GhlWebhookRequest {
  return {
    ...webhookRequestOf(event, now),
    query: event.queryStringParameters ?? {},
    requestId: event.requestContext?.requestId ?? `${now}-${Math.random().toString(36).slice(2)}`,
  };
}
