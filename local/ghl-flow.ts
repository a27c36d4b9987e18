/**
 * The GHL -> Relatel flow on the local stack (local/stack.ts): the GHL door behind `POST
 * /webhooks/ghl` and the Relatel writer polling the ghl-contacts queue, built through their
 * composition roots like the Lambdas. GHL's webhooks are signed here with an Ed25519 key pair
 * generated at start (never GHL's): the public key configures the door, the private key is
 * written owner-only to the state directory, where `npm run send -- ghl.contact.created` reads it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { buildGhlWebhookHandler, GHL_WEBHOOK_SERVICE_NAME } from '../functions/ghl-webhook/runtime.js';
import { buildRelatelWriter } from '../functions/relatel-writer/runtime.js';
import type { FileSecretStore } from '../lib/aws/secret-store-from-env.js';
import { ghlWebhookConfigSchema, loadConfig, relatelWriterConfigSchema } from '../lib/config.js';
import { DEFAULT_RESOURCE_PREFIX, GHL_FLOWS } from '../lib/entities.js';
import { createMetrics } from '../lib/observability.js';
import type { RetryPolicy } from '../lib/retry.js';
import type { RelatelWriteReport } from '../lib/reverse/record-processor.js';
import { consumerServiceName } from '../lib/sync/observe.js';
import type { LocalAwsEndpoints } from './aws/local-aws.js';
import { startSqsEventSource, type HttpRoute, type SqsEventSource } from './lambda/index.js';

/** The GHL door's path (lib/entities.ts GHL_FLOWS). */
export const GHL_WEBHOOK_PATH = GHL_FLOWS['ghl-contacts'].path;
/** Where the local stack leaves the test private key for `npm run send` (in its state directory). */
export const GHL_TEST_KEY_FILE = 'ghl-webhook-test-key.pem';
/** The workflow secret's id in the local secrets file, named as infra/ names it. */
export const LOCAL_GHL_WORKFLOW_SECRET_ID = `${DEFAULT_RESOURCE_PREFIX}/ghl-workflow-secret`;

export interface GhlFlowKeys {
  /** PEM of the generated Ed25519 public key: GHL_WEBHOOK_ED25519_PUBLIC_KEYS of the door. */
  publicKeyPem: string;
  /** Path of the private key (PKCS#8 PEM, mode 0600). */
  privateKeyFile: string;
  /** A random workflow secret for this run. */
  workflowSecret: string;
}

/** Generates this run's signing key pair and workflow secret; the private key goes to `stateDir`. */
export function createGhlFlowKeys(stateDir: string): GhlFlowKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privateKeyFile = join(stateDir, GHL_TEST_KEY_FILE);
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyFile,
    workflowSecret: randomBytes(24).toString('hex'),
  };
}

/** The door's settings as infra/ sets them (GhlFlowResources). */
export function ghlDoorEnv(keys: GhlFlowKeys, locationId: string): Record<string, string> {
  return {
    GHL_LOCATION_ID: locationId,
    GHL_WEBHOOK_ED25519_PUBLIC_KEYS: keys.publicKeyPem,
    GHL_WORKFLOW_SECRET_ID: LOCAL_GHL_WORKFLOW_SECRET_ID,
  };
}

interface Clients {
  sqs: SQSClient;
  dynamo: DynamoDBClient;
  secrets: FileSecretStore;
  loggerFor: (service: string) => Logger;
}

/** The HTTP API route of the GHL door. */
export function ghlDoorRoute(handlerEnv: Record<string, string>, clients: Clients, onAccepted: (event: unknown) => void): HttpRoute {
  const door = buildGhlWebhookHandler(loadConfig(ghlWebhookConfigSchema, handlerEnv), {
    sqs: clients.sqs,
    secrets: clients.secrets,
    logger: clients.loggerFor(GHL_WEBHOOK_SERVICE_NAME),
    metrics: createMetrics(GHL_WEBHOOK_SERVICE_NAME),
  });
  return {
    method: 'POST',
    path: GHL_WEBHOOK_PATH,
    functionName: `${DEFAULT_RESOURCE_PREFIX}-ghl-webhook`,
    handler: async (event, context) => {
      const result = await door(event, context);
      if (result.statusCode === 202) onAccepted(event);
      return result;
    },
  };
}

export interface RelatelWriterPollerOptions {
  handlerEnv: Record<string, string>;
  aws: LocalAwsEndpoints;
  clients: Clients;
  runtimeLogger: Logger;
  visibilityTimeoutSeconds: number;
  pollers?: { batchSize?: number; waitTimeSeconds?: number; concurrency?: number };
  retryPolicy?: RetryPolicy;
  onWrite: (report: RelatelWriteReport) => void;
}

/** A Lambda-like poller running the Relatel writer on the ghl-contacts queue. */
export function startRelatelWriterPoller(options: RelatelWriterPollerOptions): SqsEventSource {
  const service = consumerServiceName('ghl-contacts');
  const logger = options.clients.loggerFor(service);
  const metrics = createMetrics(service);
  const consume = buildRelatelWriter(loadConfig(relatelWriterConfigSchema, options.handlerEnv), {
    sqs: options.clients.sqs,
    dynamo: options.clients.dynamo,
    secrets: options.clients.secrets,
    logger,
    metrics,
    onSynced: (report) => options.onWrite(report),
    ...(options.retryPolicy && { retryPolicy: options.retryPolicy }),
  });
  const handler = middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event, context) => consume(event, context));
  const queue = options.aws.queues['ghl-contacts'];
  return startSqsEventSource({
    sqs: options.clients.sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    handler,
    functionName: `${DEFAULT_RESOURCE_PREFIX}-relatel-writer`,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    batchSize: options.pollers?.batchSize ?? 10,
    waitTimeSeconds: options.pollers?.waitTimeSeconds ?? 1,
    concurrency: options.pollers?.concurrency ?? 1,
    logger: options.runtimeLogger,
  });
}

/** e.g. `synced   ghl-contacts  nmFm... -> 1000 (created)  ghl.contact.created  1 Relatel call` (ids only). */
export function formatRelatelWrite(report: RelatelWriteReport): string {
  const { result } = report;
  const status = result.outcome.status === 'synced' ? 'synced ' : 'skipped';
  const target = result.outcome.status === 'synced' ? `-> ${result.relatelId ?? '?'} (${result.outcome.action})` : `(${result.outcome.reason})`;
  return `${status}  ${'ghl-contacts'.padEnd(12)} ${report.ghlId} ${target}  ${report.eventType}  ${result.relatelCalls} Relatel call(s)`;
}
