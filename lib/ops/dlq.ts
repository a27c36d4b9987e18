/**
 * What on-call does with a dead-letter queue: look at what is parked (without consuming it)
 * and send it back to its queue once the cause is fixed. Behind `npm run dlq`.
 *
 * Listing FIFO queues: a received message hides its whole message group until it is deleted
 * or visible again, so a listing receives with a short visibility, never deletes, and makes
 * everything it received visible again at the end (also after an error). While it runs (a few
 * seconds) nothing else can receive those groups; nothing else reads a DLQ. It shows at most
 * 10 messages per group (SQS returns no more of a group while its first ones are in flight),
 * and says how many the queue holds in all.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { deadLetterQueueName, queueName, type QueueOwner } from '../entities.js';
import { PARKED_ATTRIBUTES } from '../message-size.js';
import { redactPersonalData } from '../observability.js';

export interface EntityQueueTarget {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

/** Finds an entity's queue and DLQ by name (lib/entities.ts), as deployed with `prefix`. */
export async function resolveEntityQueues(sqs: SQSClient, entity: QueueOwner, prefix?: string): Promise<EntityQueueTarget> {
  const [queueUrl, deadLetterQueueUrl] = await Promise.all([
    queueUrlOf(sqs, queueName(entity, prefix)),
    queueUrlOf(sqs, deadLetterQueueName(entity, prefix)),
  ]);
  const [queueArn, deadLetterQueueArn] = await Promise.all([queueArnOf(sqs, queueUrl), queueArnOf(sqs, deadLetterQueueUrl)]);
  return { queueUrl, queueArn, deadLetterQueueUrl, deadLetterQueueArn };
}

async function queueUrlOf(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`No queue named ${name}`);
  return QueueUrl;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  if (Attributes?.QueueArn === undefined) throw new Error(`No QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

/** Messages in a queue, visible and in flight (SQS's approximation). */
export async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

export interface ParkedMessage {
  messageId: string;
  /** The Relatel contact the event belongs to (the FIFO group). */
  groupId?: string;
  eventType?: string;
  deliveryId?: string;
  reason?: string;
  kind?: string;
  status?: number;
  traceId?: string;
  /** Why it failed, in words; redacted again here in case an old parker let something through. */
  failureMessage?: string;
  receiveCount?: number;
  parkedAt?: string;
  /** Since it was parked. */
  ageMs: number;
  /** The event as Relatel sent it: personal data, only when asked for. */
  body?: string;
}

export interface ListParkedOptions {
  showPayload?: boolean;
  /** Stop after this many messages. */
  max?: number;
  /** How long received messages stay hidden; they are released at the end anyway. */
  visibilitySeconds?: number;
  now?: () => Date;
}

export interface ParkedListing {
  messages: ParkedMessage[];
  /** All messages in the DLQ, as SQS counts them. */
  approximateTotal: number;
}

export async function listParked(sqs: SQSClient, deadLetterQueueUrl: string, options: ListParkedOptions = {}): Promise<ParkedListing> {
  const max = options.max ?? 100;
  const now = options.now ?? (() => new Date());
  const approximateTotal = await approximateDepth(sqs, deadLetterQueueUrl);
  const received: Message[] = [];
  try {
    while (received.length < max) {
      const batch = await receive(sqs, deadLetterQueueUrl, Math.min(10, max - received.length), options.visibilitySeconds ?? 30);
      const fresh = batch.filter((message) => !received.some((seen) => seen.MessageId === message.MessageId));
      if (fresh.length === 0) break;
      received.push(...fresh);
    }
  } finally {
    await release(sqs, deadLetterQueueUrl, received);
  }
  return { messages: received.map((message) => describeParked(message, now(), options.showPayload ?? false)), approximateTotal };
}

async function receive(sqs: SQSClient, queueUrl: string, count: number, visibilitySeconds: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: count,
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'MessageGroupId', 'MessageDeduplicationId'],
    }),
  );
  return Messages;
}

/** Makes received messages visible again at once: listing must not hold or consume them. */
async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
}

export function describeParked(message: Message, now: Date, showPayload: boolean): ParkedMessage {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const number = (name: string) => {
    const value = attribute(name);
    return value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  const parkedAt = attribute(PARKED_ATTRIBUTES.parkedAt.name);
  const sentAt = Number(message.Attributes?.SentTimestamp ?? NaN);
  const since = parkedAt !== undefined && !Number.isNaN(Date.parse(parkedAt)) ? Date.parse(parkedAt) : sentAt;
  const failureMessage = attribute(PARKED_ATTRIBUTES.message.name);
  const fields: ParkedMessage = {
    messageId: message.MessageId ?? '',
    groupId: message.Attributes?.MessageGroupId,
    eventType: attribute('event_type'),
    deliveryId: attribute('delivery_id'),
    reason: attribute(PARKED_ATTRIBUTES.reason.name),
    kind: attribute(PARKED_ATTRIBUTES.kind.name),
    status: number(PARKED_ATTRIBUTES.status.name),
    traceId: attribute(PARKED_ATTRIBUTES.traceId.name),
    failureMessage: failureMessage === undefined ? undefined : redactPersonalData(failureMessage),
    receiveCount: number(PARKED_ATTRIBUTES.receiveCount.name),
    parkedAt,
    ageMs: Number.isNaN(since) ? 0 : Math.max(0, now.getTime() - since),
    ...(showPayload && message.Body !== undefined && { body: message.Body }),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as ParkedMessage;
}

export interface RedriveOptions {
  dryRun?: boolean;
  /** Native move task only: messages per second (SQS decides when absent). */
  ratePerSecond?: number;
  /** Wait for the native move task to finish (default true). */
  wait?: boolean;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (moved: number) => void;
}

export interface RedriveReport {
  /** `native`: SQS's StartMessageMoveTask; `fallback`: receive, send, delete (see below). */
  mode: 'dry-run' | 'native' | 'fallback';
  /** In the DLQ before the redrive. */
  approximateMessages: number;
  moved: number;
  taskHandle?: string;
  /** Final status of a native move task (COMPLETED, FAILED, ...), when waited for. */
  status?: string;
  failureReason?: string;
}

/**
 * Moves every parked message back to the entity's queue with SQS's native message move task,
 * DestinationArn always given: the consumer parks messages by SendMessage, so SQS does not
 * know their "original source". Endpoints without the API (fauxqs, the local stack) get a
 * receive-send-delete fallback with the same effect, used only then.
 */
export async function redrive(sqs: SQSClient, target: EntityQueueTarget, options: RedriveOptions = {}): Promise<RedriveReport> {
  const approximateMessages = await approximateDepth(sqs, target.deadLetterQueueUrl);
  if (options.dryRun) return { mode: 'dry-run', approximateMessages, moved: 0 };

  let taskHandle: string | undefined;
  try {
    ({ TaskHandle: taskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: target.deadLetterQueueArn,
        DestinationArn: target.queueArn,
        ...(options.ratePerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: options.ratePerSecond }),
      }),
    ));
  } catch (error) {
    if (!isUnsupportedOperation(error)) throw error;
    return { mode: 'fallback', approximateMessages, moved: await moveByHand(sqs, target, options.onProgress) };
  }
  const report: RedriveReport = { mode: 'native', approximateMessages, moved: 0, ...(taskHandle === undefined ? {} : { taskHandle }) };
  if (options.wait === false) return report;
  return { ...report, ...(await waitForMoveTask(sqs, target.deadLetterQueueArn, options)) };
}

const UNSUPPORTED_ERRORS = new Set(['InvalidAction', 'UnknownOperationException', 'UnsupportedOperation', 'NotImplemented']);

/** The endpoint does not implement the call (as opposed to refusing this particular request). */
export function isUnsupportedOperation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return UNSUPPORTED_ERRORS.has(error.name) || (typeof code === 'string' && UNSUPPORTED_ERRORS.has(code)) || /unknown action/i.test(error.message);
}

async function waitForMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  options: RedriveOptions,
): Promise<Pick<RedriveReport, 'moved' | 'status' | 'failureReason'>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = Results[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    options.onProgress?.(moved);
    if (task === undefined || task.Status !== 'RUNNING') {
      return { moved, ...(task?.Status && { status: task.Status }), ...(task?.FailureReason && { failureReason: task.FailureReason }) };
    }
    await sleep(options.pollIntervalMs ?? 2_000);
  }
}

/**
 * Receive, send to the queue, delete from the DLQ, one message at a time in the order FIFO
 * hands them out, so each contact's events go back in order. The deduplication id is derived
 * from the DLQ message id: a rerun after a crash between send and delete sends an equal copy,
 * which the queue drops (within SQS's 5-minute window; the sync state's delivery ids after it).
 */
async function moveByHand(sqs: SQSClient, target: EntityQueueTarget, onProgress?: (moved: number) => void): Promise<number> {
  let moved = 0;
  for (;;) {
    const batch = await receive(sqs, target.deadLetterQueueUrl, 10, 60);
    if (batch.length === 0) return moved;
    for (const message of batch) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: target.queueUrl,
          MessageBody: message.Body ?? '',
          MessageGroupId: message.Attributes?.MessageGroupId ?? message.MessageId!,
          MessageDeduplicationId: `redrive-${message.MessageId!}`,
          MessageAttributes: sendableAttributes(message.MessageAttributes),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: target.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
      moved += 1;
      onProgress?.(moved);
    }
  }
}

/** Received attributes as SendMessage takes them (as SQS's own move task keeps them). */
function sendableAttributes(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> {
  const sendable: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value.StringValue !== undefined) sendable[name] = { DataType: value.DataType ?? 'String', StringValue: value.StringValue };
  }
  return sendable;
}
