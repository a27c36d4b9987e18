/**
 * Children waiting for their contact: the notes (in memory and on dynalite, one contract) and
 * the waker on a local FIFO queue (fauxqs): a woken child is received again at once instead of
 * after its long wait.
 */
import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoContactWaiters } from '../../../lib/aws/dynamo-contact-waiters.js';
import { SqsChildWaker, SqsVisibilityChanger } from '../../../lib/aws/sqs-consumer-adapters.js';
import { InMemoryContactWaiters, type ContactWaiters } from '../../../lib/sync/contact-waiters.js';
import { localDynamoClient, localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { createSyncTable } from '../../../local/aws/resources.js';
import { sqsRecord } from '../../factories/sqs-records.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const MINUTE = 60_000;
const task = (messageId: string, receiptHandle = `rh-${messageId}`) => ({ entity: 'tasks' as const, messageId, receiptHandle });

function describeContactWaitersContract(make: () => Promise<ContactWaiters>) {
  it('gives back every child noted for a contact, of every entity, once', async () => {
    const waiters = await make();
    await waiters.add('c-1', task('m-1'), NOW, 15 * MINUTE);
    await waiters.add('c-1', { entity: 'notes', messageId: 'm-2', receiptHandle: 'rh-2' }, NOW, 15 * MINUTE);
    await waiters.add('c-2', task('m-3'), NOW, 15 * MINUTE);

    const taken = await waiters.take('c-1', NOW);
    expect(taken.sort((a, b) => a.messageId.localeCompare(b.messageId))).toEqual([
      task('m-1'),
      { entity: 'notes', messageId: 'm-2', receiptHandle: 'rh-2' },
    ]);
    expect(await waiters.take('c-1', NOW)).toEqual([]);
    expect(await waiters.take('c-2', NOW)).toEqual([task('m-3')]);
  });

  it('keeps only the latest receipt handle of a child noted twice', async () => {
    const waiters = await make();
    await waiters.add('c-1', task('m-1', 'first-receive'), NOW, 15 * MINUTE);
    await waiters.add('c-1', task('m-1', 'second-receive'), NOW, 15 * MINUTE);
    expect(await waiters.take('c-1', NOW)).toEqual([task('m-1', 'second-receive')]);
  });

  it('forgets a note older than its time to live', async () => {
    const waiters = await make();
    await waiters.add('c-1', task('m-1'), NOW, 15 * MINUTE);
    expect(await waiters.take('c-1', new Date(NOW.getTime() + 16 * MINUTE))).toEqual([]);
  });

  it('gives each note to one caller: the take or the child withdrawing it, never both', async () => {
    const waiters = await make();
    await waiters.add('c-1', task('m-1'), NOW, 15 * MINUTE);
    await waiters.add('c-1', task('m-2'), NOW, 15 * MINUTE);
    expect(await waiters.withdraw('c-1', { entity: 'tasks', messageId: 'm-1' })).toBe(true);
    expect(await waiters.withdraw('c-1', { entity: 'tasks', messageId: 'm-1' })).toBe(false);
    expect(await waiters.take('c-1', NOW)).toEqual([task('m-2')]);
    expect(await waiters.withdraw('c-1', { entity: 'tasks', messageId: 'm-2' })).toBe(false);
    expect(await waiters.withdraw('nobody', { entity: 'notes', messageId: 'm-3' })).toBe(false);
  });

  it('takes nothing for a contact nobody waits for', async () => {
    expect(await (await make()).take('nobody', NOW)).toEqual([]);
  });
}

describe('InMemoryContactWaiters', () => {
  describeContactWaitersContract(async () => new InMemoryContactWaiters());
});

describe('on the local AWS servers', () => {
  let aws: LocalAws;
  let sqs: SQSClient;
  let dynamo: DynamoDBClient;
  let tables = 0;

  beforeAll(async () => {
    aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
    sqs = localSqsClient(aws.sqs.endpoint);
    dynamo = localDynamoClient(aws.dynamodb.endpoint);
  });

  afterAll(async () => {
    sqs.destroy();
    dynamo.destroy();
    await aws.stop();
  });

  describe('DynamoContactWaiters', () => {
    describeContactWaitersContract(async () => {
      tables += 1;
      const tableName = `waiters-${tables}`;
      await createSyncTable(dynamo, tableName);
      return new DynamoContactWaiters(dynamo, tableName);
    });

    it('does not hand out a note the child withdrew between the take\'s query and its delete', async () => {
      tables += 1;
      const tableName = `waiters-${tables}`;
      await createSyncTable(dynamo, tableName);
      const child = new DynamoContactWaiters(dynamo, tableName);
      await child.add('c-1', task('m-1'), NOW, 15 * MINUTE);
      await child.add('c-1', task('m-2'), NOW, 15 * MINUTE);
      // The contacts consumer's client: right after its Query answers, the child m-1 withdraws.
      const contactsClient = localDynamoClient(aws.dynamodb.endpoint);
      contactsClient.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName === 'QueryCommand') await child.withdraw('c-1', { entity: 'tasks', messageId: 'm-1' });
          return result;
        },
        { step: 'initialize' },
      );
      try {
        expect(await new DynamoContactWaiters(contactsClient, tableName).take('c-1', NOW)).toEqual([task('m-2')]);
      } finally {
        contactsClient.destroy();
      }
    });

    it('takes thirty children of one contact', async () => {
      tables += 1;
      const tableName = `waiters-${tables}`;
      await createSyncTable(dynamo, tableName);
      const waiters = new DynamoContactWaiters(dynamo, tableName);
      for (let i = 0; i < 30; i++) await waiters.add('c-1', task(`m-${i}`), NOW, 15 * MINUTE);
      expect(await waiters.take('c-1', NOW)).toHaveLength(30);
      expect(await waiters.take('c-1', NOW)).toEqual([]);
    });
  });

  describe('SqsChildWaker', () => {
    it('makes a child hidden for its long wait visible again at once', async () => {
      const queueUrl = aws.queues.tasks.queueUrl;
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}', MessageGroupId: 'contact-1', MessageDeduplicationId: 'wake-1' }));
      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      const message = first.Messages![0]!;
      // The child hides itself for 15 minutes, as a child waiting for its contact does.
      const received = sqsRecord({ messageId: message.MessageId!, groupId: 'contact-1' });
      await new SqsVisibilityChanger(sqs, queueUrl).changeVisibility([{ record: { ...received, receiptHandle: message.ReceiptHandle! }, seconds: 900 }]);
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))).Messages ?? []).toEqual([]);

      await new SqsChildWaker(sqs, (entity) => aws.queues[entity].queueUrl).wake([
        { entity: 'tasks', messageId: message.MessageId!, receiptHandle: message.ReceiptHandle! },
      ]);

      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(again.Messages?.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount])).toEqual([[message.MessageId, '2']]);
    });

    it('does not fail on a receipt handle gone stale', async () => {
      await expect(
        new SqsChildWaker(sqs, (entity) => aws.queues[entity].queueUrl).wake([{ entity: 'notes', messageId: 'gone', receiptHandle: 'not-a-receipt-handle' }]),
      ).resolves.toBeUndefined();
    });
  });
});
