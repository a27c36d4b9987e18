/**
 * The webhook's body limit against a queue and a DLQ at SQS's classic 262,144 bytes, counted by
 * the local SQS (fauxqs) as SQS counts: body plus each attribute's name, data type and value.
 * The largest accepted event, with the longest event type and delivery id, is queued by the
 * real SqsQueueSender and parked by the real SqsDeadLetterParker with every failure attribute
 * at its largest; one byte more would not fit the DLQ, so the limit leaves no slack either.
 */
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsDeadLetterParker } from '../../../lib/aws/sqs-consumer-adapters.js';
import { SqsQueueSender } from '../../../lib/aws/sqs-queue-sender.js';
import { ENTITIES, type Entity } from '../../../lib/entities.js';
import { ingestRelatelWebhook } from '../../../lib/ingest/webhook.js';
import type { ParkedFailure } from '../../../lib/sync/consumer.js';
import { localSqsClient, startLocalSqs, type LocalServer } from '../../../local/aws/local-aws.js';
import { toSqsEvent } from '../../../local/lambda/sqs-event-source.js';
import { relatelEventOfSize, relatelHeaders, TEST_SIGNING_SECRET } from '../../factories/relatel-events.js';

/** Every failure attribute at or over its room: the parker cuts strings, numbers fit exactly. */
const LARGEST_FAILURE: ParkedFailure = {
  reason: 'r'.repeat(100),
  kind: 'transient',
  status: 503,
  traceId: 't'.repeat(300),
  message: 'ø'.repeat(2_000),
  receiveCount: 9_999_999_999,
};

describe('the webhook body limit, against queues of 262,144 bytes', () => {
  let server: LocalServer;
  let sqs: SQSClient;
  let queueUrl: string;
  let deadLetterQueueUrl: string;
  let seq = 0;

  const createQueue = async (name: string) => {
    const attributes = { FifoQueue: 'true', MaximumMessageSize: '262144' };
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${(seq += 1)}.fifo`, Attributes: attributes }));
    return QueueUrl!;
  };

  beforeAll(async () => {
    server = await startLocalSqs(0);
    sqs = localSqsClient(server.endpoint);
  });

  afterAll(async () => {
    sqs?.destroy();
    await server?.stop();
  });

  /** The event ingested by the webhook core onto a queue, as the webhook Lambda does it. */
  async function ingest(bodyBytes: number) {
    queueUrl = await createQueue('appointments');
    deadLetterQueueUrl = await createQueue('appointments-dlq');
    const queueUrls = Object.fromEntries(ENTITIES.map((entity) => [entity, queueUrl])) as Record<Entity, string>;
    const { rawBody, deliveryId } = relatelEventOfSize(bodyBytes);
    const secrets = { get: async () => [TEST_SIGNING_SECRET], refresh: async () => undefined };
    const request = { headers: relatelHeaders(rawBody, deliveryId), rawBody, now: Date.now() };
    return ingestRelatelWebhook(request, { queue: new SqsQueueSender(sqs, queueUrls), secrets });
  }

  async function receiveOne(url: string) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    return Messages;
  }

  it('queues the largest accepted event, and parks it with every failure attribute at its largest', async () => {
    const { response } = await ingest(260_581);
    expect(response.statusCode).toBe(202);

    const [record] = toSqsEvent(await receiveOne(queueUrl), { queueArn: 'arn:aws:sqs:eu-west-1:000000000000:q.fifo', region: 'eu-west-1' }).Records;
    const parker = new SqsDeadLetterParker(sqs, deadLetterQueueUrl, () => new Date('2026-03-02T08:00:00.000Z'));
    await parker.park(record!, LARGEST_FAILURE);

    const [parked] = await receiveOne(deadLetterQueueUrl);
    expect(Buffer.byteLength(parked!.Body!)).toBe(260_581);
    expect(Object.keys(parked!.MessageAttributes!)).toHaveLength(9);
  });

  it('could not park one byte more: the limit is exactly what the attributes leave', async () => {
    const { response } = await ingest(260_581);
    expect(response.statusCode).toBe(202);
    const [record] = toSqsEvent(await receiveOne(queueUrl), { queueArn: 'arn:aws:sqs:eu-west-1:000000000000:q.fifo', region: 'eu-west-1' }).Records;
    // The same message with its body one byte longer (a space inside the JSON).
    const longer = { ...record!, body: `${record!.body} ` };
    const parker = new SqsDeadLetterParker(sqs, deadLetterQueueUrl, () => new Date('2026-03-02T08:00:00.000Z'));
    await expect(parker.park(longer, LARGEST_FAILURE)).rejects.toThrow(/shorter than 262144 bytes/);
  });

  it('answers 413 for an event one byte over the limit, and queues nothing', async () => {
    const { response } = await ingest(260_582);
    expect(response.statusCode).toBe(413);
    expect(await receiveOne(queueUrl)).toEqual([]);
  });
});
