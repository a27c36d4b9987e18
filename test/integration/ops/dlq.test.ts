/**
 * `npm run dlq` against the local stack (fauxqs): listing shows why each message was parked
 * without its payload and without consuming it; redrive moves nothing in a dry run and every
 * message back to its queue otherwise (fauxqs has no StartMessageMoveTask: the fallback runs).
 */
import { DeleteMessageCommand, GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterParker } from '../../../lib/aws/sqs-consumer-adapters.js';
import { listParked, redrive, resolveEntityQueues, type EntityQueueTarget } from '../../../lib/ops/dlq.js';
import { localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { sqsRecord } from '../../factories/sqs-records.js';

const PARKED_AT = new Date('2026-05-04T10:00:00.000Z');
const LISTED_AT = new Date('2026-05-04T10:05:00.000Z');
const SECRET_EMAIL = 'anna.jensen@example.dk';

let aws: LocalAws;
let sqs: SQSClient;
let tasks: EntityQueueTarget;

beforeAll(async () => {
  aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
  sqs = localSqsClient(aws.sqs.endpoint);
  tasks = await resolveEntityQueues(sqs, 'tasks');
});

afterAll(async () => {
  sqs?.destroy();
  await aws?.stop();
});

beforeEach(async () => {
  for (const url of [tasks.queueUrl, tasks.deadLetterQueueUrl]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
});

/** Parks a task event the way a consumer does, with a GHL failure (fresh SQS message ids: the DLQ deduplicates on them). */
async function parkTask(id: number, options: { groupId?: string } = {}) {
  const body = JSON.stringify({
    delivery_id: `delivery-${id}`,
    event_type: 'task.updated',
    occurred_at: '2026-05-04T09:59:00Z',
    payload: { id, contact_id: options.groupId ?? `contact-${id}`, title: `Call ${SECRET_EMAIL}` },
  });
  const record: SQSRecord = {
    ...sqsRecord({ body, groupId: options.groupId ?? `contact-${id}`, queueName: 'relatel-ghl-sync-tasks.fifo' }),
    messageAttributes: {
      event_type: { dataType: 'String', stringValue: 'task.updated' },
      delivery_id: { dataType: 'String', stringValue: `delivery-${id}` },
    } as SQSRecord['messageAttributes'],
  };
  await new SqsDeadLetterParker(sqs, tasks.deadLetterQueueUrl, () => PARKED_AT).park(record, {
    reason: 'ghl-422',
    kind: 'permanent',
    status: 422,
    traceId: `trace-${id}`,
    message: 'GHL answered 422 to PUT /contacts/abc/tasks/def: invalid properties: dueDate',
    receiveCount: 1,
  });
}

async function visibility(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

async function depth(queueUrl: string): Promise<number> {
  const { visible, inFlight } = await visibility(queueUrl);
  return visible + inFlight;
}

/** Receives and deletes until the queue is empty, as a consumer would: the delivery ids in order. */
async function drain(queueUrl: string): Promise<string[]> {
  const deliveries: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    if (Messages.length === 0) return deliveries;
    for (const message of Messages) {
      deliveries.push(message.MessageAttributes?.delivery_id?.StringValue ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

describe('dlq list', () => {
  it('shows each parked message with its reason, status, traceId and age', async () => {
    await parkTask(1);
    await parkTask(2);

    const listing = await listParked(sqs, tasks.deadLetterQueueUrl, { now: () => LISTED_AT });

    expect(listing.approximateTotal).toBe(2);
    expect(listing.messages.map((m) => [m.deliveryId, m.reason, m.status, m.traceId, m.ageMs]).sort()).toEqual([
      ['delivery-1', 'ghl-422', 422, 'trace-1', 5 * 60_000],
      ['delivery-2', 'ghl-422', 422, 'trace-2', 5 * 60_000],
    ]);
    expect(listing.messages[0]).toMatchObject({ eventType: 'task.updated', kind: 'permanent', groupId: expect.stringMatching(/^contact-/) });
  });

  it('leaves the payload out unless asked for it', async () => {
    await parkTask(1);

    const hidden = await listParked(sqs, tasks.deadLetterQueueUrl);
    const shown = await listParked(sqs, tasks.deadLetterQueueUrl, { showPayload: true });

    expect(JSON.stringify(hidden)).not.toContain(SECRET_EMAIL);
    expect(shown.messages[0]?.body).toContain(SECRET_EMAIL);
  });

  it('does not consume what it lists: the messages can be received again at once', async () => {
    await parkTask(1);
    await parkTask(2, { groupId: 'contact-1' });

    await listParked(sqs, tasks.deadLetterQueueUrl);

    expect(await visibility(tasks.deadLetterQueueUrl)).toEqual({ visible: 2, inFlight: 0 });
  });
});

describe('dlq redrive', () => {
  it('moves nothing in a dry run and says how many it would move', async () => {
    await parkTask(1);
    await parkTask(2);

    const report = await redrive(sqs, tasks, { dryRun: true });

    expect(report).toMatchObject({ mode: 'dry-run', approximateMessages: 2, moved: 0 });
    expect(await depth(tasks.deadLetterQueueUrl)).toBe(2);
    expect(await depth(tasks.queueUrl)).toBe(0);
  });

  it('moves every parked message back to its queue, in order per contact, falling back where StartMessageMoveTask is missing', async () => {
    await parkTask(1, { groupId: 'contact-1' });
    await parkTask(2, { groupId: 'contact-1' });
    await parkTask(3);

    const report = await redrive(sqs, tasks);

    expect(report).toMatchObject({ mode: 'fallback', approximateMessages: 3, moved: 3 });
    expect(await depth(tasks.deadLetterQueueUrl)).toBe(0);
    const deliveries = await drain(tasks.queueUrl);
    expect([...deliveries].sort()).toEqual(['delivery-1', 'delivery-2', 'delivery-3']);
    expect(deliveries.indexOf('delivery-1')).toBeLessThan(deliveries.indexOf('delivery-2'));
  });
});
