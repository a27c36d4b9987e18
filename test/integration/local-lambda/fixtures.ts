/** Helpers for the local Lambda runtime tests: a real fauxqs, real queues from the shared definition, real SDK calls. */
import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { localSqsClient, startLocalSqs, type LocalServer } from '../../../local/aws/local-aws.js';
import { createEntityQueues, type EntityQueues } from '../../../local/aws/resources.js';
import type { RuntimeLogger } from '../../../local/lambda/index.js';

export interface QueueServer {
  server: LocalServer;
  sqs: SQSClient;
  stop(): Promise<void>;
}

export async function startQueueServer(): Promise<QueueServer> {
  const server = await startLocalSqs(0);
  const sqs = localSqsClient(server.endpoint);
  return {
    server,
    sqs,
    stop: async () => {
      sqs.destroy();
      await server.stop();
    },
  };
}

/** A fresh FIFO queue + DLQ pair, created exactly as the local stack creates the contacts queue. */
export async function createTestQueue(
  sqs: SQSClient,
  settings: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<EntityQueues> {
  const queues = await createEntityQueues(sqs, {
    prefix: `t${randomUUID().slice(0, 8)}`,
    maxReceiveCount: settings.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds ?? 1,
  });
  return queues.contacts;
}

export async function sendToGroup(
  sqs: SQSClient,
  queueUrl: string,
  groupId: string,
  body: string,
  messageAttributes?: Record<string, MessageAttributeValue>,
): Promise<string> {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: randomUUID(),
      MessageAttributes: messageAttributes,
    }),
  );
  if (MessageId === undefined) throw new Error('SendMessage returned no MessageId');
  return MessageId;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Long-polls until a message arrives (the DLQ in tests). */
export async function receiveOne(sqs: SQSClient, queueUrl: string, timeoutMs = 10_000): Promise<Message> {
  return waitFor(async () => {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }));
    return Messages?.[0];
  }, timeoutMs);
}

/** Polls a condition until it yields a value; fails the test with a clear message after the timeout. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A latch a handler can wait on, opened by the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Collects what the runtime logs, so tests stay quiet and can assert on it. */
export function capturingLogger(): RuntimeLogger & { lines: { level: string; message: string; extra: unknown[] }[] } {
  const lines: { level: string; message: string; extra: unknown[] }[] = [];
  return {
    lines,
    warn: (message, ...extra) => void lines.push({ level: 'warn', message, extra }),
    error: (message, ...extra) => void lines.push({ level: 'error', message, extra }),
  };
}
