/**
 * SQS behind the consumer's DeadLetterParker and VisibilityChanger ports.
 */
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetterParker, ParkedFailure, VisibilityChanger } from '../sync/consumer.js';

/** Message attributes a parked message carries; `npm run dlq -- list` reads them back. */
export const PARKED_ATTRIBUTES = {
  reason: 'failure-reason',
  kind: 'failure-kind',
  status: 'failure-status',
  traceId: 'failure-trace-id',
  message: 'failure-message',
  receiveCount: 'failure-receive-count',
  parkedAt: 'parked-at',
} as const;

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** Copies the attributes the record arrived with (event type, delivery id) into SendMessage's shape. */
function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const copied: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) copied[name] = { DataType: value.dataType || 'String', StringValue: value.stringValue };
  }
  return copied;
}

export class SqsDeadLetterParker implements DeadLetterParker {
  constructor(
    private readonly sqs: SQSClient,
    private readonly deadLetterQueueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async park(record: SQSRecord, failure: ParkedFailure): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      ...originalAttributes(record),
      [PARKED_ATTRIBUTES.reason]: text(failure.reason),
      [PARKED_ATTRIBUTES.kind]: text(failure.kind),
      // SQS caps attribute values at 256 KiB in total; messages are short by construction.
      [PARKED_ATTRIBUTES.message]: text(failure.message.slice(0, 1_000)),
      [PARKED_ATTRIBUTES.receiveCount]: { DataType: 'Number', StringValue: String(failure.receiveCount) },
      [PARKED_ATTRIBUTES.parkedAt]: text(this.now().toISOString()),
    };
    if (failure.status !== undefined) attributes[PARKED_ATTRIBUTES.status] = { DataType: 'Number', StringValue: String(failure.status) };
    if (failure.traceId !== undefined) attributes[PARKED_ATTRIBUTES.traceId] = text(failure.traceId);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
        MessageGroupId: record.attributes.MessageGroupId ?? record.messageId,
        // The SQS message id is stable across redeliveries of one message, so a record parked
        // twice (its batch retried after a crash) is dropped by the DLQ; a message redriven and
        // failing again gets a new id and is parked again (the delivery id would drop it: lost).
        MessageDeduplicationId: record.messageId,
      }),
    );
  }
}

export class SqsVisibilityChanger implements VisibilityChanger {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async changeVisibility(changes: { record: SQSRecord; seconds: number }[]): Promise<void> {
    // ChangeMessageVisibilityBatch takes at most 10 entries; a Lambda batch may hold more.
    for (let start = 0; start < changes.length; start += 10) {
      const chunk = changes.slice(start, start + 10);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map(({ record, seconds }, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  }
}
