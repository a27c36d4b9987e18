/**
 * POST /webhooks/ghl: GHL contact webhooks (marketplace app, signed; or a workflow, with the
 * shared secret) in, queued on the ghl-contacts FIFO queue for the Relatel writer. Wiring only:
 * see functions/ghl-webhook/runtime.ts; the decisions live in lib/ingest/ghl-webhook.ts.
 *
 * Its own Lambda rather than a second route of the Relatel door's: it holds other secrets (GHL's
 * public keys, the workflow secret) and may send to one queue only, so neither door can do what
 * the other may; its cold start does not parse keys for Relatel's traffic, and its metrics,
 * logs, throttling and alarms are its own.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { secretStoreFromEnvironment } from '../../lib/aws/secret-store-from-env.js';
import { ghlWebhookConfigSchema, loadConfig } from '../../lib/config.js';
import { createLogger, createMetrics } from '../../lib/observability.js';
import { buildGhlWebhookHandler, GHL_WEBHOOK_SERVICE_NAME } from './runtime.js';

export const handler = buildGhlWebhookHandler(loadConfig(ghlWebhookConfigSchema), {
  sqs: new SQSClient({}),
  secrets: secretStoreFromEnvironment(),
  logger: createLogger(GHL_WEBHOOK_SERVICE_NAME),
  metrics: createMetrics(GHL_WEBHOOK_SERVICE_NAME),
});
