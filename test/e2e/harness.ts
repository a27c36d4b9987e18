/**
 * The end-to-end tests' stack: the real local stack (local/stack.ts) on free ports, tuned to
 * finish quickly on a 2-core machine (short visibility timeout and long polls, a fast GHL rate
 * limit, a short GHL request timeout, a short SQS redelivery backoff, a 1 s circuit probe, a 2 s
 * fetch grace for children), plus the few things the tests do to it: send signed events over
 * HTTP, wait until it drains, read what was parked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PARKED_ATTRIBUTES } from '../../lib/message-size.js';
import { ENTITIES, GHL_FLOW_NAMES, type Entity, type QueueOwner } from '../../lib/entities.js';
import type { RelatelWriteReport } from '../../lib/reverse/record-processor.js';
import { localSqsClient } from '../../local/aws/local-aws.js';
import { loadLocalSettings } from '../../local/config.js';
import type { GhlSimulator } from '../../local/ghl-simulator/index.js';
import type { RelatelSimulator } from '../../local/relatel-simulator/index.js';
import { sendGhlWebhook, sendSignedEvent, sendWorkflowWebhook } from '../../local/send.js';
import { readFileSync } from 'node:fs';
import { startLocalStack, type LocalStack, type LocalStackOptions, type ProcessedEvent } from '../../local/stack.js';
import { readLocalStatus, type LocalStatus } from '../../local/status.js';
import type { RelatelEventFixture } from '../factories/relatel-events.js';

/** Multiplies the event counts of the load scenarios (E2E_SCALE=10 for a soak run). */
export const E2E_SCALE = Math.max(0.1, Number(process.env.E2E_SCALE ?? '1') || 1);

export const E2E_WEBHOOK_SECRET = 'e2e-webhook-secret';
export const VISIBILITY_TIMEOUT_SECONDS = 4;

export interface E2eStack {
  stack: LocalStack;
  simulator: GhlSimulator;
  /** The Relatel API the consumers read from. */
  relatel: RelatelSimulator;
  /** Every event a consumer finished, in order. */
  processed: ProcessedEvent[];
  /**
   * Seeds the Relatel simulator with every contact the events name (as its first event has it),
   * as Relatel holds every contact its webhooks talk about: a child that arrives before its
   * contact reads the contact from there (lib/sync/contact-wait.ts).
   */
  relatelHolds(events: readonly RelatelEventFixture[]): void;
  /** Every GHL contact event the Relatel writer finished, in order. */
  relatelWrites: RelatelWriteReport[];
  /** POSTs a GHL app webhook body to the GHL door, signed with the stack's test key; answers the HTTP status. */
  sendGhl(body: Record<string, unknown>, privateKey?: string): Promise<number>;
  /** POSTs a workflow webhook body with the stack's workflow secret (or `secret`). */
  sendWorkflow(body: Record<string, unknown>, secret?: string): Promise<number>;
  /** POSTs the event, signed, to the webhook; answers the HTTP status. */
  send(event: RelatelEventFixture): Promise<number>;
  /** Puts the event straight on its queue under a new deduplication id: a redelivery SQS's window no longer catches. */
  redeliverLate(entity: Entity, event: RelatelEventFixture, groupId: string): Promise<void>;
  status(): Promise<LocalStatus>;
  /** Resolves once every queue is empty with nothing in flight, on two reads in a row. */
  drained(timeoutMs?: number): Promise<LocalStatus>;
  deadLetters(entity: QueueOwner): Promise<{ body: RelatelEventFixture; reason?: string; status?: string }[]>;
  stop(): Promise<void>;
}

export async function startE2eStack(overrides: Partial<Omit<LocalStackOptions, 'settings'>> = {}): Promise<E2eStack> {
  // EMF lines would flood the test output; the log-hygiene test turns them on to inspect them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stateDir = mkdtempSync(join(tmpdir(), 'relatel-ghl-e2e-'));
  const processed: ProcessedEvent[] = [];
  const relatelWrites: RelatelWriteReport[] = [];
  const settings = loadLocalSettings({
    PORT: '0',
    LOCAL_SQS_PORT: '0',
    LOCAL_DYNAMODB_PORT: '0',
    GHL_SIMULATOR_PORT: '0',
    RELATEL_SIMULATOR_PORT: '0',
    RELATEL_WEBHOOK_SECRET: E2E_WEBHOOK_SECRET,
  });
  const stack = await startLocalStack({
    settings,
    stateDir,
    logLevel: 'ERROR',
    queues: { visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS, maxReceiveCount: 12 },
    pollers: { waitTimeSeconds: 1, batchSize: 10, concurrency: 2 },
    retryPolicy: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 500, maxDelayMs: 2_000 },
    ...overrides,
    simulator: { rateLimit: { maxPerInterval: 10_000, intervalMs: 1_000 }, ...overrides.simulator },
    handlerEnv: {
      GHL_RATE_LIMIT_REQUESTS: '10000',
      GHL_RATE_LIMIT_INTERVAL_MS: '1000',
      GHL_REQUEST_TIMEOUT_MS: '1000',
      // The shared GHL circuit probes every second, not every 30 s: an open circuit costs a test seconds.
      GHL_CIRCUIT_PROBE_INTERVAL_MS: '1000',
      // A child waits 2 s, not a minute, for an unknown contact's webhook before reading it from Relatel.
      CHILD_FETCH_GRACE_MS: '2000',
      // A claim left by a crashed consumer must lapse within the test: longer than a batch may run.
      CREATE_LEASE_MS: String(((overrides.queues?.visibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_SECONDS) + 1) * 1000),
      ...overrides.handlerEnv,
    },
    onEvent: (event) => {
      processed.push(event);
      overrides.onEvent?.(event);
    },
    onRelatelWrite: (report) => {
      relatelWrites.push(report);
      overrides.onRelatelWrite?.(report);
    },
  });
  const simulator = stack.simulator as GhlSimulator;
  const relatel = stack.relatelSimulator as RelatelSimulator;
  const sqs = localSqsClient(stack.aws.sqs.endpoint);
  const status = () =>
    readLocalStatus({
      sqsEndpoint: stack.aws.sqs.endpoint,
      dynamoEndpoint: stack.aws.dynamodb.endpoint,
      relatelSimulatorUrl: relatel.url,
      tableName: stack.aws.tableName,
    });

  return {
    stack,
    simulator,
    relatel,
    processed,
    relatelHolds(events) {
      const seeded = new Set(relatel.state.contacts().map((contact) => contact.id));
      for (const { event_type: type, payload } of events) {
        const id = Number(payload.id);
        if (!type.startsWith('contact.') || type === 'contact.deleted' || seeded.has(id)) continue;
        seeded.add(id);
        relatel.seedContact({ id, name: String(payload.name ?? ''), number: (payload.number as string | undefined) ?? null, email: (payload.email as string | undefined) ?? null });
      }
    },
    relatelWrites,
    async sendGhl(body, privateKey) {
      return (await sendGhlWebhook(stack.ghlWebhookUrl, body, privateKey ?? readFileSync(stack.ghlKeys.privateKeyFile, 'utf8'))).status;
    },
    async sendWorkflow(body, secret) {
      return (await sendWorkflowWebhook(stack.ghlWebhookUrl, body, secret ?? stack.ghlKeys.workflowSecret)).status;
    },
    async send(event) {
      return (await sendSignedEvent(stack.webhookUrl, event, E2E_WEBHOOK_SECRET)).status;
    },
    async redeliverLate(entity, event, groupId) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.aws.queues[entity].queueUrl,
          MessageBody: JSON.stringify(event),
          MessageGroupId: groupId,
          MessageDeduplicationId: `${event.delivery_id}-late`,
        }),
      );
    },
    status,
    async drained(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      let quietReads = 0;
      for (;;) {
        const current = await status();
        const busy =
          ENTITIES.some((entity) => current.entities[entity].queued + current.entities[entity].inFlight > 0) ||
          GHL_FLOW_NAMES.some((flow) => current.flows[flow].queued + current.flows[flow].inFlight > 0);
        quietReads = busy ? 0 : quietReads + 1;
        if (quietReads >= 2) return current;
        if (Date.now() > deadline) throw new Error(`stack did not drain within ${timeoutMs} ms: ${JSON.stringify(current.entities)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async deadLetters(entity) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.aws.queues[entity].deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 0,
        }),
      );
      return Messages.map((message) => {
        const reason = message.MessageAttributes?.[PARKED_ATTRIBUTES.reason.name]?.StringValue;
        const status = message.MessageAttributes?.[PARKED_ATTRIBUTES.status.name]?.StringValue;
        return {
          body: JSON.parse(message.Body ?? 'null') as RelatelEventFixture,
          ...(reason !== undefined && { reason }),
          ...(status !== undefined && { status }),
        };
      });
    },
    async stop() {
      sqs.destroy();
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
