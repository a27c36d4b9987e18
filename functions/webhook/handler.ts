/**
 * POST /webhooks/relatel: Relatel webhooks in, durably queued per entity. Wiring only: see
 * functions/webhook/runtime.ts; the decisions live in lib/ingest/webhook.ts. Configuration and
 * clients are set up once per cold start, so a warm request costs one SendMessage and no
 * Secrets Manager call.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { loadConfig, webhookConfigSchema } from '../../lib/config.js';
import { WEBHOOK_SERVICE_NAME } from '../../lib/ingest/observe.js';
import { createLogger, createMetrics } from '../../lib/observability.js';
import { buildWebhookHandler } from './runtime.js';

// Secrets Manager in AWS; LOCAL_SECRETS_FILE on the local stack (the consumers' switch).
export const handler = buildWebhookHandler(loadConfig(webhookConfigSchema), {
  sqs: new SQSClient({}),
  secrets: secretStoreFromEnvironment(),
  logger: createLogger(WEBHOOK_SERVICE_NAME),
  metrics: createMetrics(WEBHOOK_SERVICE_NAME),
});
