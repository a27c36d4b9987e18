/**
 * SQS behind the consumer's DeadLetterParker, VisibilityChanger and ChildWaker ports.
 */
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Entity } from '../entities.js';
import type { ChildWaker, WaitingChild } from '../sync/contact-waiters.js';
import { PARKED_ATTRIBUTES, QUEUED_ATTRIBUTES, truncateUtf8, type AttributeLimit } from '../message-size.js';
import type { DeadLetterParker, ParkedFailure, VisibilityChanger } from '../sync/consumer.js';

type Attributes = Record<string, MessageAttributeValue>;

/**
 * The queued attributes the record arrived with (event type, delivery id), in SendMessage's
 * shape. Nothing else: the failure attributes of an earlier parking (a redriven message) would
 * describe a failure that is not this one, and the size budget counts the queued ones only.
 */
function originalAttributes(record: SQSRecord): Attributes {
  const copied: Attributes = {};
  for (const { name, dataType } of Object.values(QUEUED_ATTRIBUTES)) {
    const value = record.messageAttributes?.[name]?.stringValue;
    if (value !== undefined) copied[name] = { DataType: dataType, StringValue: value };
  }
  return copied;
}

/** Each value held to the size lib/message-size.ts declares, so any accepted event can be parked. */
function failureAttributes(failure: ParkedFailure, parkedAt: Date): Attributes {
  const attributes: Attributes = {};
  const text = (limit: AttributeLimit, value: string) => {
    attributes[limit.name] = { DataType: limit.dataType, StringValue: truncateUtf8(value, limit.maxValueBytes) };
  };
  // A number is left out rather than cut: a cut number would lie.
  const number = (limit: AttributeLimit, value: number) => {
    if (String(value).length <= limit.maxValueBytes) attributes[limit.name] = { DataType: limit.dataType, StringValue: String(value) };
  };
  text(PARKED_ATTRIBUTES.reason, failure.reason);
  text(PARKED_ATTRIBUTES.kind, failure.kind);
  text(PARKED_ATTRIBUTES.message, failure.message);
  number(PARKED_ATTRIBUTES.receiveCount, failure.receiveCount);
  text(PARKED_ATTRIBUTES.parkedAt, parkedAt.toISOString());
  if (failure.status !== undefined) number(PARKED_ATTRIBUTES.status, failure.status);
  if (failure.traceId !== undefined) text(PARKED_ATTRIBUTES.traceId, failure.traceId);
  return attributes;
}

export class SqsDeadLetterParker implements DeadLetterParker {
  constructor(
    private readonly sqs: SQSClient,
    private readonly deadLetterQueueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async park(record: SQSRecord, failure: ParkedFailure): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: { ...originalAttributes(record), ...failureAttributes(failure, this.now()) },
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

/**
 * Wakes children waiting for their contact: visibility 0 in their own queues. A receipt handle
 * gone stale (the child was received again meanwhile) fails its entry, which is fine: that
 * receive is already running or waiting on its own.
 */
export class SqsChildWaker implements ChildWaker {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrlOf: (entity: Entity) => string | undefined,
  ) {}

  async wake(children: readonly WaitingChild[]): Promise<void> {
    const byQueue = new Map<string, WaitingChild[]>();
    for (const child of children) {
      const queueUrl = this.queueUrlOf(child.entity);
      if (queueUrl === undefined) continue;
      byQueue.set(queueUrl, [...(byQueue.get(queueUrl) ?? []), child]);
    }
    for (const [queueUrl, waiting] of byQueue) {
      for (let start = 0; start < waiting.length; start += 10) {
        await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: waiting.slice(start, start + 10).map((child, index) => ({
              Id: String(index),
              ReceiptHandle: child.receiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    }
  }
}
