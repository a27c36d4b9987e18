import { describe, expect, it, beforeEach } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeadLetterParker, SqsVisibilityChanger } from '../../../lib/aws/sqs-consumer-adapters.js';
import { sqsRecord } from '../../factories/sqs-records.js';

const sqsMock = mockClient(SQSClient);
beforeEach(() => sqsMock.reset());

describe('SqsDeadLetterParker', () => {
  it('sends the original body to the DLQ with the failure as attributes, in the same group', async () => {
    const record = sqsRecord({ body: { delivery_id: 'd1' }, groupId: 'contact-7' });
    record.messageAttributes = { event_type: { stringValue: 'task.created', dataType: 'String', stringListValues: [], binaryListValues: [] } };
    const parker = new SqsDeadLetterParker(new SQSClient({}), 'https://sqs.test/dlq.fifo', () => new Date('2026-11-27T10:00:00Z'));
    await parker.park(record, { reason: 'ghl-422', kind: 'permanent', status: 422, traceId: 'tr-1', message: 'GHL rejected', receiveCount: 1 });
    const input = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      QueueUrl: 'https://sqs.test/dlq.fifo',
      MessageBody: record.body,
      MessageGroupId: 'contact-7',
      MessageDeduplicationId: record.messageId,
    });
    expect(input.MessageAttributes).toMatchObject({
      event_type: { StringValue: 'task.created' },
      'failure-reason': { StringValue: 'ghl-422' },
      'failure-status': { StringValue: '422' },
      'failure-trace-id': { StringValue: 'tr-1' },
      'parked-at': { StringValue: '2026-11-27T10:00:00.000Z' },
    });
  });
});

describe('SqsDeadLetterParker: values held to the sizes the webhook\'s body limit counts on', () => {
  const attribute = (stringValue: string) => ({ stringValue, dataType: 'String', stringListValues: [], binaryListValues: [] });
  const parkedAttributes = async (failure: Parameters<SqsDeadLetterParker['park']>[1], record = sqsRecord()) => {
    await new SqsDeadLetterParker(new SQSClient({}), 'https://sqs.test/dlq.fifo').park(record, failure);
    return sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes!;
  };

  it('cuts a long message to 1,000 bytes of UTF-8, never inside a character', async () => {
    const attributes = await parkedAttributes({ reason: 'ghl-422', kind: 'permanent', message: 'ø'.repeat(1_000), receiveCount: 1 });
    expect(attributes['failure-message']!.StringValue).toBe('ø'.repeat(500));
  });

  it('cuts the reason to 64 bytes and the trace id to 128', async () => {
    const attributes = await parkedAttributes({ reason: 'r'.repeat(65), kind: 'permanent', traceId: 't'.repeat(129), message: 'm', receiveCount: 1 });
    expect(attributes['failure-reason']!.StringValue).toBe('r'.repeat(64));
    expect(attributes['failure-trace-id']!.StringValue).toBe('t'.repeat(128));
  });

  it('leaves out a number too long for its room rather than cutting it', async () => {
    const attributes = await parkedAttributes({ reason: 'odd', kind: 'permanent', status: 1000, message: 'm', receiveCount: 10_000_000_000 });
    expect(attributes['failure-status']).toBeUndefined();
    expect(attributes['failure-receive-count']).toBeUndefined();
  });

  it('keeps the queued attributes but not the failure of an earlier parking (a redriven message)', async () => {
    const record = sqsRecord();
    record.messageAttributes = {
      event_type: attribute('task.created'),
      delivery_id: attribute('dlv_1'),
      'failure-trace-id': attribute('trace-of-the-first-failure'),
      'x-extra': attribute('not ours'),
    };
    const attributes = await parkedAttributes({ reason: 'ghl-timeout', kind: 'transient', message: 'm', receiveCount: 8 }, record);
    expect(Object.keys(attributes).sort()).toEqual(
      ['delivery_id', 'event_type', 'failure-kind', 'failure-message', 'failure-reason', 'failure-receive-count', 'parked-at'].sort(),
    );
  });
});

describe('SqsVisibilityChanger', () => {
  it('changes visibility in batches of at most ten', async () => {
    const changes = Array.from({ length: 12 }, () => ({ record: sqsRecord(), seconds: 4 }));
    await new SqsVisibilityChanger(new SQSClient({}), 'https://sqs.test/q.fifo').changeVisibility(changes);
    const calls = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries!.length)).toEqual([10, 2]);
    expect(calls[0]!.args[0].input.Entries![0]).toMatchObject({ ReceiptHandle: changes[0]!.record.receiptHandle, VisibilityTimeout: 4 });
  });
});
