/**
 * `npm run backfill` against the local stack: Relatel contacts become contact.updated events on
 * the contacts FIFO queue (through the webhook's SqsQueueSender), checkpointed in the sync table,
 * and a run interrupted after its first page resumes without enqueueing a contact twice.
 */
import { DeleteMessageCommand, PurgeQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsQueueSender } from '../../../lib/aws/sqs-queue-sender.js';
import { ENTITIES } from '../../../lib/entities.js';
import { validateRelatelEvent } from '../../../lib/events/validate.js';
import { runBackfill, type BackfillClock, type BackfillDependencies } from '../../../lib/ops/backfill.js';
import { DynamoCheckpointStore } from '../../../lib/ops/dynamo-checkpoint.js';
import { localDynamoClient, localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { fakeRelatel, relatelContact } from './fake-relatel.js';

const START = Date.UTC(2026, 4, 4, 3, 0, 0);

let aws: LocalAws;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let checkpointName: string;
let testNumber = 0;
let runs = 0;

beforeAll(async () => {
  aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
  sqs = localSqsClient(aws.sqs.endpoint);
  dynamo = localDynamoClient(aws.dynamodb.endpoint);
});

afterAll(async () => {
  sqs?.destroy();
  dynamo?.destroy();
  await aws?.stop();
});

beforeEach(async () => {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: aws.queues.contacts.queueUrl }));
  testNumber += 1;
  checkpointName = `contacts-test-${testNumber}`;
});

/** A clock that advances only when the backfill sleeps, recording how long it asked to. */
function steppingClock(): BackfillClock & { slept: number[] } {
  let now = START;
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function deps(relatel: BackfillDependencies['relatel'], clock = steppingClock()): BackfillDependencies {
  const queueUrls = Object.fromEntries(ENTITIES.map((entity) => [entity, aws.queues[entity].queueUrl])) as Record<(typeof ENTITIES)[number], string>;
  return {
    relatel,
    queue: new SqsQueueSender(sqs, queueUrls),
    checkpoints: new DynamoCheckpointStore(dynamo, aws.tableName),
    clock,
    // Unique per test: the FIFO queue remembers deduplication ids for 5 minutes, purge or not.
    newRunId: () => `run-${testNumber}-${++runs}`,
  };
}

/** Every message on the contacts queue, received and deleted, in order. */
async function drainContactsQueue(): Promise<{ body: unknown; groupId?: string; deduplicationId?: string }[]> {
  const messages: { body: unknown; groupId?: string; deduplicationId?: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: aws.queues.contacts.queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    if (Messages.length === 0) return messages;
    for (const message of Messages) {
      messages.push({
        body: JSON.parse(message.Body!),
        groupId: message.Attributes?.MessageGroupId,
        deduplicationId: message.Attributes?.MessageDeduplicationId,
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: aws.queues.contacts.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

const contacts = (count: number) => Array.from({ length: count }, (_, i) => relatelContact(i + 1));

describe('backfill', () => {
  it('enqueues every contact as a contact.updated event the consumers accept, grouped by contact, with a deterministic delivery id', async () => {
    const summary = await runBackfill(deps(fakeRelatel(contacts(3))), { checkpointName, ratePerSecond: 100 });

    const messages = await drainContactsQueue();
    expect(summary).toMatchObject({ outcome: 'completed', enqueued: 3, runTotal: 3, resumed: false, skipped: [] });
    expect(messages.map((m) => m.groupId).sort()).toEqual(['1', '2', '3']);
    for (const message of messages) {
      const event = validateRelatelEvent(message.body);
      expect(event).toMatchObject({ valid: true, kind: 'routed', eventType: 'contact.updated' });
      const envelope = message.body as { delivery_id: string; payload: { id: number }; occurred_at: string };
      expect(envelope.delivery_id).toBe(`backfill-${envelope.payload.id}-${summary.runId}`);
      expect(message.deduplicationId).toBe(envelope.delivery_id);
      // When the page was read, not when the message was sent: a later webhook event wins.
      expect(envelope.occurred_at).toBe(new Date(START).toISOString());
    }
  });

  it('paces sends to the configured rate', async () => {
    const clock = steppingClock();
    await runBackfill(deps(fakeRelatel(contacts(5)), clock), { checkpointName, ratePerSecond: 2 });

    expect(clock.slept).toEqual([500, 500, 500, 500]);
  });

  it('resumes an interrupted run after the last contact it enqueued, without enqueueing any contact twice', async () => {
    const relatel = fakeRelatel(contacts(5));
    relatel.failPage(2);
    const interrupted = runBackfill(deps(relatel), { checkpointName, pageSize: 2, ratePerSecond: 100 });
    await expect(interrupted).rejects.toThrow(/page 2/);

    const resumed = await runBackfill(deps(relatel), { checkpointName, pageSize: 2, ratePerSecond: 100 });

    const ids = (await drainContactsQueue()).map((m) => (m.body as { payload: { id: number } }).payload.id);
    expect(ids.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(resumed).toMatchObject({ resumed: true, enqueued: 3, runTotal: 5, outcome: 'completed' });
  });

  it('starts a new run once the previous one completed', async () => {
    const relatel = fakeRelatel(contacts(2));
    const first = await runBackfill(deps(relatel), { checkpointName, ratePerSecond: 100 });
    const second = await runBackfill(deps(relatel), { checkpointName, ratePerSecond: 100 });

    expect(second.resumed).toBe(false);
    expect(second.runId).not.toBe(first.runId);
    expect(second.enqueued).toBe(2);
  });

  it('stops cleanly when asked and continues from there on the next run', async () => {
    const relatel = fakeRelatel(contacts(4));
    let sent = 0;
    const stopped = await runBackfill(deps(relatel), {
      checkpointName,
      ratePerSecond: 100,
      shouldStop: () => sent >= 2,
      onProgress: (progress) => (sent = progress.enqueued),
    });
    const rest = await runBackfill(deps(relatel), { checkpointName, ratePerSecond: 100 });

    expect(stopped).toMatchObject({ outcome: 'stopped', enqueued: 2, lastId: '2' });
    expect(rest).toMatchObject({ resumed: true, enqueued: 2, outcome: 'completed' });
    expect(await drainContactsQueue()).toHaveLength(4);
  });
});
