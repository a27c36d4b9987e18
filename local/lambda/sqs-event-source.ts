/**
 * Lambda's SQS event source mapping, for the local stack: long-polls a queue, hands each batch
 * to the real consumer handler as a real-shaped SQSEvent, and deletes what the handler did not
 * report as failed (ReportBatchItemFailures). Everything else is SQS's own behaviour, done by
 * the SQS server behind the client: failed records reappear after their visibility timeout with
 * ApproximateReceiveCount incremented, and the queue's RedrivePolicy moves a record to the DLQ
 * after maxReceiveCount receives.
 *
 * Known difference from AWS: fauxqs returns at most one message per message group per receive,
 * so a batch holds one record per group where Lambda may get several in order. Ordering within
 * a group is unaffected (the group stays locked while a message of it is in flight).
 */
import { Buffer } from 'node:buffer';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { redactPersonalData } from '../../lib/observability.js';
import { backoffDelayMs, type RetryPolicy } from '../../lib/retry.js';
import { LOCAL_ACCOUNT_ID, createLambdaContext, invokeHandler, type LambdaHandler, type RuntimeLogger } from './invoke.js';

export type SqsLambdaHandler = LambdaHandler<SQSEvent, SQSBatchResponse | void>;

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Defaults to the ARN derived from the queue URL and the client's region. */
  queueArn?: string;
  handler: SqsLambdaHandler;
  /** Shown in the handler's context; defaults to the queue name. */
  functionName?: string;
  /** Lambda's BatchSize; 1 to 10 (SQS's receive limit, and Lambda's for FIFO queues). */
  batchSize?: number;
  /** Per-receive visibility timeout; the queue's own when omitted. */
  visibilityTimeoutSeconds?: number;
  /** Long polling wait per receive; short locally so stop() is prompt. */
  waitTimeSeconds?: number;
  /** Independent pollers, like Lambda's concurrent batches. */
  concurrency?: number;
  /**
   * Lambda's function timeout. Defaults to the visibility timeout, the most Lambda allows: a
   * handler that outlives the visibility timeout would race its own redelivery.
   */
  functionTimeoutMs?: number;
  /** How long stop() waits for in-flight batches before abandoning them like kill(). */
  stopTimeoutMs?: number;
  /** Backoff between failed receives. */
  retryPolicy?: RetryPolicy;
  onBatch?: (report: BatchReport) => void;
  logger?: RuntimeLogger;
}

/** What happened to one batch, for logs, metrics and tests. */
export interface BatchReport {
  messageIds: string[];
  /** Left in the queue for redelivery: listed in batchItemFailures, or all of a failed batch. */
  failedMessageIds: string[];
  /** Whole-batch failure (handler threw, timed out or answered invalidly), as Lambda logs it. */
  error?: string;
  durationMs: number;
}

export interface SqsEventSourceStats {
  running: boolean;
  inFlightBatches: number;
  batches: number;
  records: number;
  deleted: number;
  failedRecords: number;
  failedBatches: number;
  receiveErrors: number;
  deleteErrors: number;
}

export interface SqsEventSource {
  /** Stops polling, lets in-flight batches finish (up to stopTimeoutMs), and returns. */
  stop(): Promise<void>;
  /** Abandons everything at once: nothing more is deleted, in-flight messages reappear after their visibility timeout. */
  kill(): void;
  stats(): SqsEventSourceStats;
}

const DEFAULT_FUNCTION_TIMEOUT_MS = 30_000;
const RECEIVE_RETRY_POLICY: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 200, maxDelayMs: 5_000 };

export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const settings = resolveSettings(options);
  const { sqs, queueUrl, handler, logger } = settings;
  const stopping = new AbortController();
  const killing = new AbortController();
  const workers: Promise<void>[] = [];
  const stats: SqsEventSourceStats = {
    running: true,
    inFlightBatches: 0,
    batches: 0,
    records: 0,
    deleted: 0,
    failedRecords: 0,
    failedBatches: 0,
    receiveErrors: 0,
    deleteErrors: 0,
  };
  let source: Promise<EventSourceIdentity> | undefined;
  const identity = () => (source ??= resolveIdentity(sqs, queueUrl, options.queueArn));

  async function receive(): Promise<Message[]> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: settings.batchSize,
        WaitTimeSeconds: settings.waitTimeSeconds,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      // A graceful stop lets the receive finish: messages taken by an aborted long poll would
      // stay hidden for a whole visibility timeout. kill() does not care.
      { abortSignal: killing.signal },
    );
    return Messages ?? [];
  }

  async function processBatch(messages: Message[]): Promise<void> {
    const started = Date.now();
    const event = toSqsEvent(messages, await identity());
    const context = createLambdaContext({
      functionName: settings.functionName,
      timeoutMs: settings.functionTimeoutMs,
      region: (await identity()).region,
    });
    let settlement: BatchSettlement;
    try {
      const response = await invokeHandler(handler, event, context, settings.functionTimeoutMs);
      settlement = settleBatch(event, response);
    } catch (error) {
      settlement = { failedMessageIds: event.Records.map((record) => record.messageId), error: describeError(error) };
    }
    if (killing.signal.aborted) return;

    const failed = new Set(settlement.failedMessageIds);
    const processed = event.Records.filter((record) => !failed.has(record.messageId));
    await deleteRecords(processed);

    stats.batches++;
    stats.records += event.Records.length;
    stats.failedRecords += failed.size;
    if (settlement.error !== undefined) {
      stats.failedBatches++;
      logger.warn('Batch failed as a whole; its messages return after their visibility timeout', {
        queueUrl,
        awsRequestId: context.awsRequestId,
        error: settlement.error,
      });
    }
    options.onBatch?.({
      messageIds: event.Records.map((record) => record.messageId),
      failedMessageIds: settlement.failedMessageIds,
      ...(settlement.error === undefined ? {} : { error: settlement.error }),
      durationMs: Date.now() - started,
    });
  }

  async function deleteRecords(records: SQSRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      const { Failed = [] } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: records.map((record, i) => ({ Id: String(i), ReceiptHandle: record.receiptHandle })),
        }),
        { abortSignal: killing.signal },
      );
      stats.deleted += records.length - Failed.length;
      if (Failed.length > 0) {
        stats.deleteErrors += Failed.length;
        // Typically an expired receipt handle: the message is redelivered, which at-least-once allows.
        logger.warn('Some processed messages could not be deleted and will be redelivered', {
          queueUrl,
          codes: Failed.map((entry) => entry.Code),
        });
      }
    } catch (error) {
      if (killing.signal.aborted) return;
      stats.deleteErrors += records.length;
      logger.error('DeleteMessageBatch failed; the processed messages will be redelivered', { queueUrl, error: describeError(error) });
    }
  }

  /** Hands messages received after stop() straight back instead of leaving them hidden. */
  async function release(messages: Message[]): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    } catch (error) {
      logger.warn('Could not release messages received while stopping; they return after their visibility timeout', {
        queueUrl,
        error: describeError(error),
      });
    }
  }

  async function poll(): Promise<void> {
    let consecutiveErrors = 0;
    while (!stopping.signal.aborted && !killing.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receive();
        consecutiveErrors = 0;
      } catch (error) {
        if (killing.signal.aborted) return;
        stats.receiveErrors++;
        consecutiveErrors++;
        const delayMs = backoffDelayMs(consecutiveErrors, settings.retryPolicy);
        logger.error('ReceiveMessage failed; polling again after a backoff', { queueUrl, error: describeError(error), delayMs });
        await abortableDelay(delayMs, stopping.signal, killing.signal);
        continue;
      }
      if (messages.length === 0) continue;
      if (killing.signal.aborted) return;
      if (stopping.signal.aborted) {
        await release(messages);
        return;
      }
      stats.inFlightBatches++;
      try {
        await processBatch(messages);
      } catch (error) {
        // processBatch handles its own failures; this is a bug guard so a poller never dies.
        logger.error('Unexpected error in the SQS event source', { queueUrl, error: describeError(error) });
      } finally {
        stats.inFlightBatches--;
      }
    }
  }

  for (let i = 0; i < settings.concurrency; i++) workers.push(poll());
  const allStopped = Promise.all(workers).then(() => undefined);

  return {
    async stop() {
      stopping.abort();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), settings.stopTimeoutMs);
      });
      const outcome = await Promise.race([allStopped, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger.warn('In-flight batches did not finish before the stop timeout; abandoning them', { queueUrl });
        killing.abort();
      }
      stats.running = false;
    },
    kill() {
      stopping.abort();
      killing.abort();
      stats.running = false;
    },
    stats: () => ({ ...stats }),
  };
}

type ResolvedSettings = Required<Omit<SqsEventSourceOptions, 'queueArn' | 'visibilityTimeoutSeconds' | 'onBatch'>>;

function resolveSettings(options: SqsEventSourceOptions): ResolvedSettings {
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new RangeError(`batchSize must be an integer from 1 to 10 (got ${batchSize})`);
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  const visibilityMs = options.visibilityTimeoutSeconds === undefined ? undefined : options.visibilityTimeoutSeconds * 1000;
  const functionTimeoutMs = options.functionTimeoutMs ?? visibilityMs ?? DEFAULT_FUNCTION_TIMEOUT_MS;
  // Lambda refuses this mapping too (CreateEventSourceMapping: visibility timeout < function timeout).
  if (visibilityMs !== undefined && functionTimeoutMs > visibilityMs) {
    throw new RangeError(
      `visibility timeout (${options.visibilityTimeoutSeconds} s) is shorter than the function timeout (${functionTimeoutMs} ms): a slow batch would be redelivered while still running`,
    );
  }
  return {
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    handler: options.handler,
    functionName: options.functionName ?? queueNameOf(options.queueUrl).replace(/\.fifo$/, ''),
    batchSize,
    waitTimeSeconds: options.waitTimeSeconds ?? 1,
    concurrency,
    functionTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? functionTimeoutMs,
    retryPolicy: options.retryPolicy ?? RECEIVE_RETRY_POLICY,
    logger: options.logger ?? console,
  };
}

export interface EventSourceIdentity {
  queueArn: string;
  region: string;
}

async function resolveIdentity(sqs: SQSClient, queueUrl: string, queueArn: string | undefined): Promise<EventSourceIdentity> {
  const region = await sqs.config.region();
  return { region, queueArn: queueArn ?? queueArnFromUrl(queueUrl, region) };
}

/** SQS queue URLs end in /<account>/<queue name>: the ARN is arn:aws:sqs:<region>:<account>:<name>. */
export function queueArnFromUrl(queueUrl: string, region: string): string {
  const [account = LOCAL_ACCOUNT_ID, name] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${region}:${account}:${name ?? queueNameOf(queueUrl)}`;
}

function queueNameOf(queueUrl: string): string {
  return new URL(queueUrl).pathname.split('/').filter(Boolean).at(-1) ?? queueUrl;
}

/** The event Lambda builds from a ReceiveMessage answer. */
export function toSqsEvent(messages: Message[], source: EventSourceIdentity): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, source)) };
}

function toSqsRecord(message: Message, source: EventSourceIdentity): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    // SQS answers every system attribute as a string, which is how Lambda passes them on.
    attributes: { ...message.Attributes } as SQSRecordAttributes,
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

/** Lambda lower-cases the SDK's attribute fields, base64-encodes binary values and always lists the (unused) list fields. */
function toLambdaMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map(base64),
        dataType: value.DataType ?? 'String',
      },
    ]),
  );
}

export interface BatchSettlement {
  /** Records to leave in the queue; every other record is deleted. */
  failedMessageIds: string[];
  /** Set when the whole batch failed. */
  error?: string;
}

/**
 * Lambda's reading of a partial batch response: no response, or no / an empty
 * batchItemFailures, means every record succeeded; an itemIdentifier that is missing, empty or
 * not a message id of the batch fails the whole batch, as does a malformed response.
 */
export function settleBatch(event: SQSEvent, response: unknown): BatchSettlement {
  const allIds = event.Records.map((record) => record.messageId);
  const wholeBatch = (error: string): BatchSettlement => ({ failedMessageIds: allIds, error });
  if (response === undefined || response === null) return { failedMessageIds: [] };
  if (typeof response !== 'object' || Array.isArray(response)) return wholeBatch('Invalid function response: not an object');
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { failedMessageIds: [] };
  if (!Array.isArray(failures)) return wholeBatch('Invalid function response: batchItemFailures is not a list');
  const known = new Set(allIds);
  const failedMessageIds = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || !known.has(id)) return wholeBatch('Invalid function response: an itemIdentifier is not a message id of the batch');
    failedMessageIds.add(id);
  }
  return { failedMessageIds: allIds.filter((id) => failedMessageIds.has(id)) };
}

/** Error class and message, with personal data masked: handler errors may quote payloads. */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${redactPersonalData(error.message)}`;
  return redactPersonalData(String(error));
}

function abortableDelay(ms: number, ...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const signal of signals) signal.addEventListener('abort', done, { once: true });
  });
}
