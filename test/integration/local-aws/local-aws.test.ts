import { createServer } from 'node:net';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_RECEIVE_COUNT,
  ENTITIES,
  SYNC_TABLE,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueName,
  queueUrlEnvVar,
} from '../../../lib/entities.js';
import {
  PortInUseError,
  localAwsEnv,
  localDynamoClient,
  localSqsClient,
  startLocalAws,
  startLocalDynamo,
  startLocalSqs,
  type LocalAws,
} from '../../../local/aws/local-aws.js';

/** Binds a port on 127.0.0.1 and returns it with a closer: a stand-in for "another process". */
async function occupyPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

describe('local AWS servers', () => {
  const maxReceiveCount = 2;
  let aws: LocalAws;
  let sqs: SQSClient;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0, maxReceiveCount });
    sqs = localSqsClient(aws.sqs.endpoint);
    dynamo = localDynamoClient(aws.dynamodb.endpoint);
  });

  afterAll(async () => {
    sqs.destroy();
    dynamo.destroy();
    await aws.stop();
  });

  it('listens on 127.0.0.1', () => {
    expect(aws.sqs.endpoint).toBe(`http://127.0.0.1:${aws.sqs.port}`);
    expect(aws.dynamodb.endpoint).toBe(`http://127.0.0.1:${aws.dynamodb.port}`);
  });

  it('hands out queue URLs on the local SQS endpoint', () => {
    const urls = ENTITIES.flatMap((entity) => [aws.queues[entity].queueUrl, aws.queues[entity].deadLetterQueueUrl]);

    expect(urls.filter((url) => !url.startsWith(`${aws.sqs.endpoint}/`))).toEqual([]);
  });

  it.each(ENTITIES)('creates the %s FIFO queue redriving to its FIFO DLQ', async (entity) => {
    const { queueUrl, deadLetterQueueUrl, deadLetterQueueArn } = aws.queues[entity];
    const { Attributes: queue } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    const { Attributes: dlq } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['All'] }),
    );

    expect(queueUrl.endsWith(`/${queueName(entity)}`)).toBe(true);
    expect(deadLetterQueueUrl.endsWith(`/${deadLetterQueueName(entity)}`)).toBe(true);
    expect(queue?.FifoQueue).toBe('true');
    expect(dlq?.FifoQueue).toBe('true');
    expect(JSON.parse(queue?.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount });
  });

  it('uses the shared maxReceiveCount unless told otherwise', async () => {
    const defaults = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
    try {
      const client = localSqsClient(defaults.sqs.endpoint);
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: defaults.queues.contacts.queueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      client.destroy();
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT });
    } finally {
      await defaults.stop();
    }
  });

  it('creates the sync-state table with the shared key schema', async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: aws.tableName }));

    expect(aws.tableName).toBe(SYNC_TABLE.name());
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: SYNC_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: SYNC_TABLE.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('delivers a message sent to a FIFO queue', async () => {
    const queueUrl = aws.queues.notes.queueUrl;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"n":1}', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' }),
    );

    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));

    expect(Messages?.map((m) => m.Body)).toEqual(['{"n":1}']);
  });

  it('moves a message received maxReceiveCount times to the DLQ', async () => {
    const { queueUrl, deadLetterQueueUrl } = aws.queues.tasks;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison', MessageGroupId: 'g', MessageDeduplicationId: 'p-1' }),
    );
    for (let receive = 1; receive <= maxReceiveCount; receive += 1) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      const [message] = Messages ?? [];
      expect(message?.Body).toBe('poison');
      // A failed attempt: hand the message back at once instead of waiting out the visibility timeout.
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 0 }),
      );
    }

    const fromQueue = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    const fromDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, WaitTimeSeconds: 1 }));

    expect(fromQueue.Messages ?? []).toEqual([]);
    expect(fromDlq.Messages?.map((m) => m.Body)).toEqual(['poison']);
  });

  it('gives handlers the environment that points their own SDK clients at the local servers', async () => {
    const env = localAwsEnv(aws);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      // Built like a handler builds it: no endpoint, region or credentials in code.
      const handlerSqs = new SQSClient({});
      await handlerSqs.send(
        new SendMessageCommand({
          QueueUrl: env[queueUrlEnvVar('appointments')],
          MessageBody: 'via env',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'e-1',
        }),
      );
      handlerSqs.destroy();
    } finally {
      process.env = saved;
    }
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.queues.appointments.queueUrl, WaitTimeSeconds: 1 }),
    );

    expect(Messages?.map((m) => m.Body)).toEqual(['via env']);
    expect(env).toMatchObject({
      [deadLetterQueueUrlEnvVar('appointments')]: aws.queues.appointments.deadLetterQueueUrl,
      SYNC_TABLE_NAME: aws.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodb.endpoint,
    });
  });
});

describe('starting and stopping', () => {
  it('frees both ports when stopped', async () => {
    const aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
    // A client with an open keep-alive connection must not hold the servers up.
    const dynamo = localDynamoClient(aws.dynamodb.endpoint);
    await dynamo.send(new DescribeTableCommand({ TableName: aws.tableName }));

    await aws.stop();
    dynamo.destroy();

    expect(await isPortFree(aws.sqs.port)).toBe(true);
    expect(await isPortFree(aws.dynamodb.port)).toBe(true);
  });

  it('names the port when the SQS port is in use', async () => {
    const taken = await occupyPort();
    try {
      await expect(startLocalSqs(taken.port)).rejects.toThrow(new PortInUseError('SQS (fauxqs)', taken.port));
    } finally {
      await taken.release();
    }
  });

  it('names the port when the DynamoDB port is in use', async () => {
    const taken = await occupyPort();
    try {
      await expect(startLocalDynamo(taken.port)).rejects.toThrow(new PortInUseError('DynamoDB (dynalite)', taken.port));
    } finally {
      await taken.release();
    }
  });

  it('leaves no server running when the second cannot start', async () => {
    const taken = await occupyPort();
    const free = await occupyPort();
    const sqsPort = free.port;
    await free.release();
    try {
      await expect(startLocalAws({ sqsPort, dynamoPort: taken.port })).rejects.toBeInstanceOf(PortInUseError);
      expect(await isPortFree(sqsPort)).toBe(true);
    } finally {
      await taken.release();
    }
  });
});
