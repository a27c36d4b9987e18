/**
 * The local stack as every stack bench runs it, in two processes: our Lambdas (the webhook and
 * the four consumers, local/stack.ts) here, and the outside world (SQS, DynamoDB, the GHL
 * simulator, Relatel's sender) in a child (bench/outside-world.ts). Also the bench's reads of
 * that world: queue depths, parked records, the simulator's state and request log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ENTITIES, type Entity } from '../lib/entities.js';
import { PARKED_ATTRIBUTES } from '../lib/message-size.js';
import type { RetryPolicy } from '../lib/retry.js';
import { localSqsClient, type LocalAwsEndpoints } from '../local/aws/local-aws.js';
import type { QueueSettings } from '../local/aws/resources.js';
import { loadLocalSettings } from '../local/config.js';
import type { GhlSimulatorSnapshot, SimRequestRecord } from '../local/ghl-simulator/index.js';
import { startLocalStack, type LocalStack, type ProcessedEvent } from '../local/stack.js';
import { startOutsideWorld, type OutsideWorld, type SimulatorInfo, type SimulatorSettings } from './outside-world.js';

export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret';
/** Deliveries Relatel has in flight at once. */
export const SENDER_PARALLELISM = 8;

export type QueueUrls = Readonly<Record<Entity, { readonly queueUrl: string; readonly deadLetterQueueUrl: string }>>;

export interface BenchStackOptions {
  queues: Required<Pick<QueueSettings, 'visibilityTimeoutSeconds' | 'maxReceiveCount'>>;
  simulator: SimulatorSettings;
  /** Concurrent batches per consumer (Lambda's maximum concurrency of the event source). */
  concurrency: number;
  /** Consumer settings as infra/ would set them (rate budget, timeouts, leases). */
  handlerEnv: Record<string, string>;
  /** The SQS redelivery backoff; the consumers' own (production's) when omitted. */
  retryPolicy?: RetryPolicy;
  onEvent?: (event: ProcessedEvent) => void;
}

export interface BenchStack {
  readonly world: OutsideWorld;
  readonly aws: LocalAwsEndpoints;
  readonly ghl: SimulatorInfo;
  readonly stack: LocalStack;
  /** A client of the outside world's SQS for the bench's own reads. */
  readonly sqs: SQSClient;
  /** Stops our Lambdas (pollers, webhook); the outside world keeps running. */
  stopLambdas(): Promise<void>;
  /** Stops everything, our Lambdas first; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the outside world and our Lambdas against it; on a signal both are ended. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  // EMF lines would flood the output, as in the e2e tests.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stateDir = mkdtempSync(join(tmpdir(), 'relatel-ghl-bench-'));
  const world = startOutsideWorld();
  // A signal ends this process without running the callers' finally blocks: take the child along.
  const onSignal = (signal: NodeJS.Signals) => {
    world.kill();
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lambdas: { stack: LocalStack; sqs: SQSClient } | undefined;
  const stopLambdas = async () => {
    const running = lambdas;
    lambdas = undefined;
    if (running === undefined) return;
    running.sqs.destroy();
    await running.stack.stop();
  };
  const stop = async () => {
    try {
      await stopLambdas();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await world.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  try {
    const outside = await world.call('start', { queues: options.queues, simulator: options.simulator }, 60_000);
    const settings = loadLocalSettings({
      PORT: '0',
      GHL_BASE_URL: outside.ghl.url,
      GHL_TOKEN: outside.ghl.token,
      GHL_LOCATION_ID: outside.ghl.locationId,
      GHL_CALENDAR_ID: outside.ghl.calendarId,
      RELATEL_SIMULATOR_PORT: '0',
      RELATEL_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
    });
    const stack = await startLocalStack({
      settings,
      aws: outside.aws,
      stateDir,
      logLevel: (process.env.BENCH_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR',
      queues: options.queues,
      pollers: { waitTimeSeconds: 1, batchSize: 10, concurrency: options.concurrency },
      ...(options.retryPolicy && { retryPolicy: options.retryPolicy }),
      handlerEnv: options.handlerEnv,
      ...(options.onEvent && { onEvent: options.onEvent }),
    });
    lambdas = { stack, sqs: localSqsClient(outside.aws.sqs.endpoint) };
    return { world, aws: outside.aws, ghl: outside.ghl, stack, sqs: lambdas.sqs, stopLambdas, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The simulator's records and request log, read over its admin endpoints (local/ghl-simulator/admin.ts). */
export async function readSimulator(simulator: SimulatorInfo): Promise<{ snapshot: GhlSimulatorSnapshot; requests: SimRequestRecord[] }> {
  const [snapshot, { requests }] = await Promise.all([
    readSimulatorPath<GhlSimulatorSnapshot>(simulator, '/__sim/state'),
    readSimulatorPath<{ requests: SimRequestRecord[] }>(simulator, '/__sim/requests'),
  ]);
  return { snapshot, requests };
}

/** The simulator's records only (cheaper than readSimulator while a run goes on). */
export const readSimulatorState = (simulator: SimulatorInfo) => readSimulatorPath<GhlSimulatorSnapshot>(simulator, '/__sim/state');

async function readSimulatorPath<T>(simulator: SimulatorInfo, path: string): Promise<T> {
  const response = await fetch(`${simulator.url}${path}`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Messages in every queue: visible, in flight and delayed, summed per queue. */
export async function queueDepths(sqs: SQSClient, queues: QueueUrls): Promise<Record<Entity, number>> {
  const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  const depths = await Promise.all(
    ENTITIES.map(async (entity) => {
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues[entity].queueUrl, AttributeNames: [...names] }));
      return [entity, names.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0)] as const;
    }),
  );
  return Object.fromEntries(depths) as Record<Entity, number>;
}

/**
 * Resolves once every queue is empty with nothing in flight, on two reads in a row. Reads queue
 * depths only (the e2e harness's status also scans the sync table): the bench must not load the
 * process it measures.
 */
export async function waitUntilDrained(sqs: SQSClient, queues: QueueUrls, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietReads = 0;
  for (;;) {
    const depths = await queueDepths(sqs, queues);
    quietReads = Object.values(depths).some((depth) => depth > 0) ? 0 : quietReads + 1;
    if (quietReads >= 2) return;
    if (Date.now() > deadline) throw new Error(`stack did not drain within ${timeoutMs} ms: ${ENTITIES.map((entity) => `${entity} ${depths[entity]}`).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Every record in the dead-letter queues, counted by the reason the consumer parked it with
 * ('none' for one SQS moved itself). Reads by deleting: a FIFO queue holds back a group's later
 * messages while an earlier one is in flight, so reading without deleting would miss them.
 */
export async function readParked(sqs: SQSClient, queues: QueueUrls): Promise<{ entity: Entity; reason: string; count: number }[]> {
  const parked: { entity: Entity; reason: string; count: number }[] = [];
  for (const entity of ENTITIES) {
    const counts = new Map<string, number>();
    for (let receives = 0; receives < 1_000; receives++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues[entity].deadLetterQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 60, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const reason = message.MessageAttributes?.[PARKED_ATTRIBUTES.reason.name]?.StringValue ?? 'none';
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues[entity].deadLetterQueueUrl,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
        }),
      );
    }
    for (const [reason, count] of counts) parked.push({ entity, reason, count });
  }
  return parked;
}

/** GHL requests the simulator routed (an unknown path is not a GHL call). */
export const ghlRequestsOf = (requests: readonly SimRequestRecord[]) => requests.filter((request) => request.operation !== 'unknown');

/** Accepted GHL requests in each `bucketMs` of the run, for seeing where a run was not at the limit. */
export function requestsPerBucket(requests: readonly SimRequestRecord[], bucketMs = 1_000): number[] {
  const accepted = ghlRequestsOf(requests)
    .filter((request) => request.status !== 429)
    .map((request) => Date.parse(request.at));
  if (accepted.length === 0) return [];
  const first = Math.min(...accepted);
  const counts: number[] = [];
  for (const at of accepted) {
    const bucket = Math.floor((at - first) / bucketMs);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return Array.from(counts, (count) => count ?? 0);
}

/**
 * Accepted GHL requests per second between the first and the last GHL request, as a share of
 * GHL's limit (`maxPerInterval` per `intervalMs`).
 */
export function utilisationOf(requests: readonly SimRequestRecord[], limit: { maxPerInterval: number; intervalMs: number }): { accepted: number; rateLimited: number; spanMs: number; utilisation: number } {
  const ghl = ghlRequestsOf(requests);
  const accepted = ghl.filter((request) => request.status !== 429).length;
  const times = ghl.map((request) => Date.parse(request.at));
  const spanMs = times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
  const limitPerMs = limit.maxPerInterval / limit.intervalMs;
  return { accepted, rateLimited: ghl.length - accepted, spanMs, utilisation: accepted / Math.max(1_000, spanMs) / limitPerMs };
}
