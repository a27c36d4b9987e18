import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DLQ_RETENTION_DAYS, QUEUE_RETENTION_DAYS, deadLetterQueueName, queueName, type QueueOwner } from '../../lib/entities.js';
import type { InfraConfig } from '../config.js';

/** AWS's advice for SQS event sources: visibility timeout at least 6x the function timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * A consumer's FIFO queue and the FIFO dead-letter queue beside it, as every flow has them
 * (construct ids `Queue` and `DeadLetterQueue` under `scope`).
 */
export function fifoQueueWithDeadLetter(scope: Construct, owner: QueueOwner, config: InfraConfig): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  // SQS-managed SSE: encrypted at rest with no key to manage, no KMS request per message
  // (cost, KMS throttling under load) and no key policy for producers and consumers to get
  // right. A customer managed key would add control over the key, not over who reads the
  // queues, which IAM and the TLS-only policies already decide.
  const common = {
    fifo: true,
    // Deduplication by MessageDeduplicationId (the sender's delivery or webhook id), not by body.
    contentBasedDeduplication: false,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  } as const;

  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    ...common,
    queueName: deadLetterQueueName(owner, config.resourcePrefix),
    retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    ...common,
    queueName: queueName(owner, config.resourcePrefix),
    visibilityTimeout: Duration.seconds(config.consumerTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
    // Longer than any wait the consumer allows (the retry horizon, waits for the quota or for
    // GHL to answer): a record is parked with its reason before SQS could drop it.
    retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}
