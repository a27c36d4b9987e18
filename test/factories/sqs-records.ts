/** SQS records and events as a FIFO event source mapping hands them to a consumer Lambda. */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export interface SqsRecordOptions {
  body?: unknown;
  messageId?: string;
  groupId?: string;
  deduplicationId?: string;
  receiveCount?: number;
  queueName?: string;
  /** When SQS accepted the message (epoch ms); default SENT_AT. */
  sentAt?: number;
}

/** Default SentTimestamp of factory records; a consumer under test reads its age from it. */
export const SENT_AT = Date.UTC(2026, 10, 27, 9, 0, 0);

let sequence = 0;

export function sqsRecord(options: SqsRecordOptions = {}): SQSRecord {
  sequence += 1;
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {});
  const queueName = options.queueName ?? 'relatel-ghl-sync-contacts.fifo';
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `receipt-${sequence}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(options.sentAt ?? SENT_AT),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String((options.sentAt ?? SENT_AT) + 1_000),
      SequenceNumber: String(10_000 + sequence),
      MessageGroupId: options.groupId ?? 'group-1',
      MessageDeduplicationId: options.deduplicationId ?? randomUUID(),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${queueName}`,
    awsRegion: 'eu-west-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
