/**
 * The local SQS event source against a real fauxqs through the real SDK: it must give consumer
 * handlers what Lambda gives them and settle batches the way Lambda does. Queues use a 1 s
 * visibility timeout so redeliveries come quickly.
 */
import { createHash } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSqsEventSource, type BatchReport, type SqsEventSource, type SqsEventSourceOptions } from '../../../local/lambda/index.js';
import type { Context } from 'aws-lambda';
import {
  capturingLogger,
  createTestQueue,
  gate,
  queueDepth,
  receiveOne,
  sendToGroup,
  startQueueServer,
  waitFor,
  type QueueServer,
} from './fixtures.js';

let server: QueueServer;
const running: SqsEventSource[] = [];

beforeAll(async () => {
  server = await startQueueServer();
});
afterEach(() => {
  for (const source of running.splice(0)) source.kill();
});
afterAll(async () => {
  await server.stop();
});

/** Starts an event source that records every record it is handed, in order. */
function startRecording(
  options: Pick<SqsEventSourceOptions, 'queueUrl' | 'handler'> & Partial<SqsEventSourceOptions>,
): { source: SqsEventSource; seen: SQSRecord[]; reports: BatchReport[]; logger: ReturnType<typeof capturingLogger> } {
  const seen: SQSRecord[] = [];
  const reports: BatchReport[] = [];
  const logger = capturingLogger();
  const source = startSqsEventSource({
    sqs: server.sqs,
    waitTimeSeconds: 1,
    logger,
    onBatch: (report) => reports.push(report),
    ...options,
    handler: async (event, context) => {
      seen.push(...event.Records);
      return options.handler(event, context, () => undefined) ?? undefined;
    },
  });
  running.push(source);
  return { source, seen, reports, logger };
}

const succeed = async (): Promise<void> => undefined;
const receivesOf = (seen: SQSRecord[], messageId: string) =>
  seen.filter((record) => record.messageId === messageId).map((record) => record.attributes.ApproximateReceiveCount);

describe('the local SQS event source', () => {
  it('hands the handler a batch shaped like the SQSEvent Lambda builds', async () => {
    const queue = await createTestQueue(server.sqs);
    const attributes = { source: { DataType: 'String', StringValue: 'relatel' } };
    const first = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', '{"n":1}', attributes);
    const second = await sendToGroup(server.sqs, queue.queueUrl, 'contact-2', '{"n":2}');
    const events: { event: SQSEvent; context: Context }[] = [];
    startRecording({
      queueUrl: queue.queueUrl,
      functionTimeoutMs: 1_000,
      functionName: 'contacts-consumer',
      handler: async (event, context) => void events.push({ event, context }),
    });

    const { event, context } = await waitFor(() => events[0]);

    expect(event.Records.map((record) => record.messageId).sort()).toEqual([first, second].sort());
    const record = event.Records.find((r) => r.messageId === first);
    expect(record).toEqual({
      messageId: first,
      receiptHandle: expect.any(String),
      body: '{"n":1}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
        MessageGroupId: 'contact-1',
        MessageDeduplicationId: expect.any(String),
        SequenceNumber: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: { source: { stringValue: 'relatel', stringListValues: [], binaryListValues: [], dataType: 'String' } },
      md5OfBody: createHash('md5').update('{"n":1}').digest('hex'),
      md5OfMessageAttributes: expect.any(String),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.queueArn,
      awsRegion: 'eu-west-1',
    });
    expect(context).toMatchObject({
      functionName: 'contacts-consumer',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:contacts-consumer',
    });
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1_000);
  });

  it('delivers the messages of one group in the order they were sent', async () => {
    const queue = await createTestQueue(server.sqs);
    const bodies = ['1', '2', '3', '4', '5'];
    for (const body of bodies) await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', body);
    const { seen } = startRecording({ queueUrl: queue.queueUrl, handler: succeed });

    await waitFor(() => seen.length === bodies.length);

    expect(seen.map((record) => record.body)).toEqual(bodies);
  });

  it('deletes the records of a successful batch', async () => {
    const queue = await createTestQueue(server.sqs);
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'a');
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-2', 'b');
    const { reports, source } = startRecording({ queueUrl: queue.queueUrl, handler: succeed });

    await waitFor(() => source.stats().deleted === 2);

    expect(await queueDepth(server.sqs, queue.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(reports.flatMap((report) => report.failedMessageIds)).toEqual([]);
  });

  it('redelivers a record listed in batchItemFailures after its visibility timeout, with its receive count incremented, and deletes the rest', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    const failing = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'fails once');
    const passing = await sendToGroup(server.sqs, queue.queueUrl, 'contact-2', 'passes');
    let failed = false;
    const { seen } = startRecording({
      queueUrl: queue.queueUrl,
      handler: async (event): Promise<SQSBatchResponse> => {
        const target = event.Records.find((record) => record.messageId === failing);
        if (target === undefined || failed) return { batchItemFailures: [] };
        failed = true;
        return { batchItemFailures: [{ itemIdentifier: failing }] };
      },
    });

    await waitFor(() => receivesOf(seen, failing).length === 2);

    expect(receivesOf(seen, failing)).toEqual(['1', '2']);
    expect(receivesOf(seen, passing)).toEqual(['1']);
  });

  it('leaves a record that keeps failing to the queue redrive policy, which moves it to the DLQ after maxReceiveCount receives', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
    const poison = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'poison');
    const { seen } = startRecording({
      queueUrl: queue.queueUrl,
      handler: async (event): Promise<SQSBatchResponse> => ({
        batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
      }),
    });

    const parked = await receiveOne(server.sqs, queue.deadLetterQueueUrl);

    expect(parked).toMatchObject({ MessageId: poison, Body: 'poison' });
    expect(receivesOf(seen, poison)).toEqual(['1', '2']);
  });

  it('fails the whole batch when the handler throws', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    const a = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'a');
    const b = await sendToGroup(server.sqs, queue.queueUrl, 'contact-2', 'b');
    let calls = 0;
    const { seen, reports } = startRecording({
      queueUrl: queue.queueUrl,
      handler: async () => {
        if (calls++ === 0) throw new Error('GHL unavailable');
      },
    });

    await waitFor(() => receivesOf(seen, a).length === 2 && receivesOf(seen, b).length === 2);

    expect(reports[0]).toMatchObject({ failedMessageIds: expect.arrayContaining([a, b]), error: 'Error: GHL unavailable' });
    expect([...receivesOf(seen, a), ...receivesOf(seen, b)]).toEqual(['1', '2', '1', '2']);
  });

  it('fails the whole batch when the handler outlives the function timeout', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    const message = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'slow');
    const never = gate();
    let calls = 0;
    const { seen, reports } = startRecording({
      queueUrl: queue.queueUrl,
      visibilityTimeoutSeconds: 1,
      functionTimeoutMs: 100,
      handler: async () => {
        if (calls++ === 0) await never.wait;
      },
    });

    await waitFor(() => receivesOf(seen, message).length === 2);
    never.open();

    expect(reports[0]?.error).toMatch(/Task timed out after 0\.10 seconds/);
  });

  it('fails the whole batch when an itemIdentifier is not a message of the batch', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    const message = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'a');
    let calls = 0;
    const { seen } = startRecording({
      queueUrl: queue.queueUrl,
      handler: async (): Promise<SQSBatchResponse> => ({
        batchItemFailures: calls++ === 0 ? [{ itemIdentifier: 'not-a-message-id' }] : [],
      }),
    });

    await waitFor(() => receivesOf(seen, message).length === 2);

    expect(receivesOf(seen, message)).toEqual(['1', '2']);
  });

  it('kill() abandons the in-flight batch without deleting it, so SQS redelivers it after the visibility timeout', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    const message = await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'in flight');
    const release = gate();
    const killed = startRecording({ queueUrl: queue.queueUrl, handler: () => release.wait });
    await waitFor(() => killed.seen.length === 1);

    killed.source.kill();
    release.open();
    const restarted = startRecording({ queueUrl: queue.queueUrl, handler: succeed });
    await waitFor(() => restarted.source.stats().deleted === 1);

    expect(receivesOf(restarted.seen, message)).toEqual(['2']);
    expect(killed.source.stats()).toMatchObject({ running: false, deleted: 0 });
  });

  it('stop() lets the in-flight batch finish and settle before it resolves', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 1 });
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'in flight');
    const release = gate();
    const order: string[] = [];
    const { source, seen } = startRecording({
      queueUrl: queue.queueUrl,
      handler: async () => {
        await release.wait;
        order.push('handler finished');
      },
    });
    await waitFor(() => seen.length === 1);

    const stopped = source.stop().then(() => order.push('stopped'));
    setImmediate(release.open);
    await stopped;

    expect(order).toEqual(['handler finished', 'stopped']);
    expect(source.stats()).toMatchObject({ running: false, deleted: 1 });
    expect(await queueDepth(server.sqs, queue.queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('hands a message received while stopping straight back to the queue instead of hiding it', async () => {
    const queue = await createTestQueue(server.sqs, { visibilityTimeoutSeconds: 30 });
    const { source, seen } = startRecording({ queueUrl: queue.queueUrl, handler: succeed });

    const stopped = source.stop();
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'arrives during the last long poll');
    await stopped;

    expect(seen).toEqual([]);
    expect(await queueDepth(server.sqs, queue.queueUrl)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('runs up to `concurrency` batches at once', async () => {
    const queue = await createTestQueue(server.sqs);
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-1', 'a');
    await sendToGroup(server.sqs, queue.queueUrl, 'contact-2', 'b');
    const release = gate();
    const { source } = startRecording({ queueUrl: queue.queueUrl, batchSize: 1, concurrency: 2, handler: () => release.wait });

    await waitFor(() => source.stats().inFlightBatches === 2);
    release.open();

    await waitFor(() => source.stats().deleted === 2);
  });

  it('keeps polling through SQS errors, logging them, and delivers once the queue answers', async () => {
    const name = `late-${Date.now()}.fifo`;
    const queueUrl = `${server.server.endpoint}/000000000000/${name}`;
    const { source, seen, logger } = startRecording({
      queueUrl,
      handler: succeed,
      retryPolicy: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 10, maxDelayMs: 50 },
    });
    await waitFor(() => source.stats().receiveErrors >= 2);

    const { QueueUrl } = await server.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true' } }));
    expect(QueueUrl).toBe(queueUrl);
    await sendToGroup(server.sqs, queueUrl, 'contact-1', 'finally');
    await waitFor(() => seen.length === 1);

    expect(logger.lines[0]).toMatchObject({ level: 'error', message: expect.stringContaining('ReceiveMessage failed') });
  });
});
