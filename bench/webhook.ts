/**
 * Benchmark 1: webhook ingest in process, SQS mocked. A warm Lambda's work per request, on one
 * core: the ingest core alone, the ingest core with the real SQS adapter and the SDK's
 * serialisation (only the HTTP round trip faked), and the real functions/webhook/handler.ts
 * (middy, Powertools logger and metrics) with its SQS client mocked by aws-sdk-client-mock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ENTITIES, queueUrlEnvVar } from '../lib/entities.js';
import { SqsQueueSender } from '../lib/aws/sqs-queue-sender.js';
import { cachedSigningSecrets } from '../lib/ingest/signing-secrets.js';
import type { QueueSender } from '../lib/ingest/ports.js';
import { ingestRelatelWebhook, type WebhookIngestDeps, type WebhookRequest } from '../lib/ingest/webhook.js';
import { InMemorySecretStore } from '../lib/secrets.js';
import {
  TEST_SIGNING_SECRET,
  lambdaContext,
  relatelContact,
  relatelEvent,
  signedApiGatewayEvent,
  signedWebhookRequest,
  type RelatelEventFixture,
} from '../test/factories/relatel-events.js';
import { nowMs, quantile, round } from './stats.js';

export interface WebhookBenchResult {
  readonly path: string;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bodyBytes: number;
}

const SECRET_ID = 'bench/webhook-signing-secret';
const QUEUE_URL = (entity: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/bench-${entity}.fifo`;

/** A contact.updated event whose JSON body is just over 1 KiB (tags pad it to size). */
export function contactEventOfAbout1KiB(index: number): RelatelEventFixture {
  const event = relatelEvent('contact.updated', {
    delivery_id: `dlv_bench_${String(index).padStart(8, '0')}`,
    payload: relatelContact({ id: 100_000 + (index % 5_000), tags: PADDING_TAGS }),
  });
  return event;
}

// Enough tags that the signed body of contactEventOfAbout1KiB is just over 1 KiB.
const PADDING_TAGS = ((): string[] => {
  const tags: string[] = [];
  const size = () => JSON.stringify(relatelEvent('contact.updated', { delivery_id: 'dlv_bench_00000000', payload: relatelContact({ tags }) })).length;
  while (size() < 1024) tags.push(`tag-${tags.length}-segment`);
  return tags;
})();

async function measure(name: string, count: number, bodyBytes: number, call: (index: number) => Promise<number>): Promise<WebhookBenchResult> {
  const latencies = new Float64Array(count);
  const started = nowMs();
  for (let index = 0; index < count; index++) {
    const before = nowMs();
    const status = await call(index);
    latencies[index] = nowMs() - before;
    if (status !== 202) throw new Error(`${name}: request ${index} answered ${status}, expected 202`);
  }
  const elapsedMs = nowMs() - started;
  const values = Array.from(latencies);
  return {
    path: name,
    events: count,
    eventsPerSecond: Math.round((count / elapsedMs) * 1000),
    p50Ms: round(quantile(values, 0.5), 4),
    p99Ms: round(quantile(values, 0.99), 4),
    bodyBytes,
  };
}

/** Runs `warmup` untimed calls, then `count` timed ones over fresh, pre-signed requests. */
export async function bench<T>(name: string, make: (index: number) => T, call: (request: T) => Promise<number>, count: number, warmup: number, bodyBytes: number) {
  const warm = Array.from({ length: warmup }, (_, index) => make(index));
  for (const request of warm) await call(request);
  const requests = Array.from({ length: count }, (_, index) => make(warmup + index));
  return measure(name, count, bodyBytes, (index) => call(requests[index] as T));
}

/** Powertools writes one log line and one EMF blob per request to stdout: kept (their cost is real), not printed. */
async function withStdoutSilenced<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

/** An SQS client whose HTTP round trip is answered in memory: everything else is the real SDK. */
function sqsClientWithoutNetwork(): SQSClient {
  const answer = Buffer.from(JSON.stringify({ MessageId: '00000000-0000-4000-8000-000000000000', SequenceNumber: '1' }));
  return new SQSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    md5: false,
    requestHandler: {
      handle: async () => ({ response: { statusCode: 200, reason: 'OK', headers: { 'content-type': 'application/x-amz-json-1.0' }, body: answer } }),
    } as never,
  });
}

export async function runWebhookBench(options: { count?: number; warmup?: number } = {}): Promise<WebhookBenchResult[]> {
  const count = options.count ?? 20_000;
  const warmup = options.warmup ?? 3_000;
  const bodyBytes = JSON.stringify(contactEventOfAbout1KiB(0)).length;
  const results: WebhookBenchResult[] = [];

  const secrets = cachedSigningSecrets(new InMemorySecretStore({ [SECRET_ID]: TEST_SIGNING_SECRET }), SECRET_ID, {
    previousGraceMs: 86_400_000,
  });
  const fakeQueue: QueueSender = { send: async () => undefined };
  const coreDeps: WebhookIngestDeps = { queue: fakeQueue, secrets };
  const makeRequest = (index: number): WebhookRequest => signedWebhookRequest(contactEventOfAbout1KiB(index));
  results.push(
    await bench('ingest core, fake QueueSender', makeRequest, async (request) => (await ingestRelatelWebhook({ ...request, now: Date.now() }, coreDeps)).response.statusCode, count, warmup, bodyBytes),
  );

  const queueUrls = Object.fromEntries(ENTITIES.map((entity) => [entity, QUEUE_URL(entity)])) as Record<(typeof ENTITIES)[number], string>;
  const sdkDeps: WebhookIngestDeps = { queue: new SqsQueueSender(sqsClientWithoutNetwork(), queueUrls), secrets };
  results.push(
    await bench('ingest core, SqsQueueSender + SDK (HTTP faked)', makeRequest, async (request) => (await ingestRelatelWebhook({ ...request, now: Date.now() }, sdkDeps)).response.statusCode, count, warmup, bodyBytes),
  );

  results.push(await benchRealHandler(count, warmup, bodyBytes));
  return results;
}

export async function benchRealHandler(count: number, warmup: number, bodyBytes: number): Promise<WebhookBenchResult> {
  const secretsFile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-webhook-')), 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ [SECRET_ID]: TEST_SIGNING_SECRET }));
  Object.assign(process.env, {
    ...Object.fromEntries(ENTITIES.map((entity) => [queueUrlEnvVar(entity), QUEUE_URL(entity)])),
    WEBHOOK_SECRET_ID: SECRET_ID,
    LOCAL_SECRETS_FILE: secretsFile,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'RelatelGhlSyncBench',
    LOG_LEVEL: 'INFO',
  });
  // SQSClient.send answered in memory, as aws-sdk-client-mock does, but without sinon's call
  // recording and argument matching, whose cost per call would be measured as the handler's.
  const send = SQSClient.prototype.send;
  let sent = 0;
  SQSClient.prototype.send = (async (command: unknown) => {
    if (!(command instanceof SendMessageCommand)) throw new Error('The webhook should only send messages');
    sent++;
    return { MessageId: '00000000-0000-4000-8000-000000000000' };
  }) as typeof send;
  // Whichever store the handler reads (Secrets Manager or LOCAL_SECRETS_FILE), it finds the secret.
  const secretsManager = mockClient(SecretsManagerClient);
  secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ SecretString: TEST_SIGNING_SECRET });
  secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).resolves({});
  try {
    const { handler } = (await import('../functions/webhook/handler.js')) as {
      handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode?: number }>;
    };
    const context = lambdaContext();
    return await withStdoutSilenced(async () => {
      const result = await bench(
        'functions/webhook/handler.ts (middy, Powertools), SQS client mocked',
        (index) => signedApiGatewayEvent(contactEventOfAbout1KiB(index)),
        async (event) => (await handler(event, context)).statusCode ?? 0,
        count,
        warmup,
        bodyBytes,
      );
      if (sent !== count + warmup) throw new Error(`The handler sent ${sent} messages for ${count + warmup} events`);
      return result;
    });
  } finally {
    SQSClient.prototype.send = send;
    secretsManager.restore();
  }
}
