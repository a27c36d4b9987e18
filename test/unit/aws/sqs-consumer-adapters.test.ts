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

describe('SqsVisibilityChanger', () => {
  it('changes visibility in batches of at most ten', async () => {
    const changes = Array.from({ length: 12 }, () => ({ record: sqsRecord(), seconds: 4 }));
    await new SqsVisibilityChanger(new SQSClient({}), 'https://sqs.test/q.fifo').changeVisibility(changes);
    const calls = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries!.length)).toEqual([10, 2]);
    expect(calls[0]!.args[0].input.Entries![0]).toMatchObject({ ReceiptHandle: changes[0]!.record.receiptHandle, VisibilityTimeout: 4 });
  });
});
