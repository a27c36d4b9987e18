import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueUrlOf } from '../config.js';
import { ENTITIES, type Entity, type QueueOwner } from '../entities.js';
import type { QueueMessage, QueueSender } from '../ingest/ports.js';

/** The entity queues' URLs, read from the configuration (`QUEUE_URL_<ENTITY>`). */
export function queueUrlsFromConfig(config: Record<string, unknown>): Record<Entity, string> {
  return Object.fromEntries(ENTITIES.map((entity) => [entity, queueUrlOf(config, entity)])) as Record<Entity, string>;
}

/** SQS FIFO queues behind the QueueSender port: one queue per entity (or GHL flow). */
export class SqsQueueSender implements QueueSender {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrls: Readonly<Partial<Record<QueueOwner, string>>>,
  ) {}

  async send(message: QueueMessage): Promise<void> {
    const queueUrl = this.queueUrls[message.entity];
    if (queueUrl === undefined) throw new Error(`No queue URL configured for ${message.entity}`);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
        MessageAttributes: {
          event_type: { DataType: 'String', StringValue: message.attributes.event_type },
          delivery_id: { DataType: 'String', StringValue: message.attributes.delivery_id },
        },
      }),
    );
  }
}
