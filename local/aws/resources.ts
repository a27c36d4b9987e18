/**
 * Creates the sync's AWS resources (FIFO queue + FIFO DLQ with redrive per entity, the
 * sync-state table) through the real AWS SDK, from the one definition in lib/entities.ts that
 * infra/ also reads, so the local stack and the CDK stack cannot drift. Speaking the AWS API
 * (not an emulator's own API) keeps this usable against any SQS / DynamoDB endpoint.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_RESOURCE_PREFIX,
  DLQ_RETENTION_DAYS,
  ENTITIES,
  GHL_FLOW_NAMES,
  SYNC_TABLE,
  deadLetterQueueName,
  queueName,
  type QueueOwner,
} from '../../lib/entities.js';

export interface QueueSettings {
  prefix?: string;
  maxReceiveCount?: number;
  /** How long a received message stays hidden before SQS offers it again. */
  visibilityTimeoutSeconds?: number;
}

export interface EntityQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
}

/** SQS's default; a consumer poller may pass its own per receive. */
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

const SECONDS_PER_DAY = 24 * 60 * 60;

/** Every queue owner: the entities, and the GHL -> Relatel flows (lib/entities.ts GHL_FLOWS). */
export const QUEUE_OWNERS: readonly QueueOwner[] = [...ENTITIES, ...GHL_FLOW_NAMES];

export async function createEntityQueues(
  sqs: SQSClient,
  settings: QueueSettings = {},
): Promise<Record<QueueOwner, EntityQueues>> {
  const created = await Promise.all(QUEUE_OWNERS.map((owner) => createQueuePair(sqs, owner, settings)));
  return Object.fromEntries(QUEUE_OWNERS.map((owner, i) => [owner, created[i]])) as Record<QueueOwner, EntityQueues>;
}

async function createQueuePair(sqs: SQSClient, entity: QueueOwner, settings: QueueSettings): Promise<EntityQueues> {
  const prefix = settings.prefix ?? DEFAULT_RESOURCE_PREFIX;
  const deadLetterQueueUrl = await createQueue(sqs, deadLetterQueueName(entity, prefix), {
    FifoQueue: 'true',
    MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * SECONDS_PER_DAY),
  });
  const deadLetterQueueArn = await queueArnOf(sqs, deadLetterQueueUrl);
  const queueUrl = await createQueue(sqs, queueName(entity, prefix), {
    FifoQueue: 'true',
    // The webhook sets the delivery id as MessageDeduplicationId: content must not decide.
    ContentBasedDeduplication: 'false',
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterQueueArn,
      maxReceiveCount: settings.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
    }),
  });
  return { queueUrl, queueArn: await queueArnOf(sqs, queueUrl), deadLetterQueueUrl, deadLetterQueueArn };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return QueueUrl;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueUrl}`);
  return arn;
}

/**
 * Creates the sync-state table if it does not exist. TTL is not switched on: dynalite has no
 * UpdateTimeToLive, and the code decides expiry itself (see lib/aws/dynamo-sync-state.ts).
 */
export async function createSyncTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: SYNC_TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: SYNC_TABLE.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: SYNC_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: SYNC_TABLE.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilActive(dynamo, tableName);
}

/** Writes to a CREATING table fail; the SDK's waiter polls every 20 s, far too slow locally. */
async function waitUntilActive(dynamo: DynamoDBClient, tableName: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} not ACTIVE after ${timeoutMs} ms`);
    await delay(50);
  }
}
