/**
 * `npm run backfill -- --from ghl` on the adapters the script wires (local DynamoDB and SQS): the
 * links and the checkpoint in the sync table, the ghl-contacts FIFO queue. GHL is the simulator.
 * A run stopped midway resumes from its checkpoint; only contacts the links do not reflect are
 * queued, each once.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGhlContactLinkStore } from '../../../lib/aws/dynamo-ghl-contact-links.js';
import { SqsQueueSender } from '../../../lib/aws/sqs-queue-sender.js';
import type { QueueOwner } from '../../../lib/entities.js';
import { mapGhlContactToRelatel } from '../../../lib/mapping/relatel-contact.js';
import { DynamoCheckpointStore } from '../../../lib/ops/dynamo-checkpoint.js';
import { runGhlCatchUp, type GhlCatchUpDependencies } from '../../../lib/reverse/catch-up.js';
import { parseQueuedGhlContactEvent } from '../../../lib/reverse/record-processor.js';
import { localDynamoClient, localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { ghlClientOf, harnessPerTest } from '../consumers/harness.js';

const harness = harnessPerTest();
let aws: LocalAws;
let sqs: SQSClient;
let dynamo: DynamoDBClient;

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

async function drainGhlContactsQueue() {
  const queueUrl = aws.queues['ghl-contacts'].queueUrl;
  const messages: { body: string; groupId?: string; deduplicationId?: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] }),
    );
    if (Messages.length === 0) return messages;
    for (const message of Messages) {
      messages.push({ body: message.Body!, groupId: message.Attributes?.MessageGroupId, deduplicationId: message.Attributes?.MessageDeduplicationId });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

describe('backfill --from ghl', () => {
  it('queues the GHL contacts the links do not reflect, resuming a stopped run from its checkpoint in the sync table', async () => {
    const h = await harness();
    const ghl = ghlClientOf(h);
    const create = async (firstName: string, phone: string) => {
      const result = await ghl.createContact({ firstName, phone });
      if (result.outcome !== 'created') throw new Error('expected a new contact');
      h.clock.advance(1_000);
      return result.contact.id;
    };
    const inStep = await create('Anna', '+4571000001');
    const changed = await create('Bo', '+4571000002');
    const unlinked = await create('Cai', '+4571000003');

    const links = new DynamoGhlContactLinkStore(dynamo, aws.tableName);
    const mapping = { defaultCountry: 'DK' as const };
    const hashOf = (firstName: string, phone: string) => {
      const mapped = mapGhlContactToRelatel({ firstName, phone }, mapping);
      if (!mapped.qualifies) throw new Error('expected a qualifying contact');
      return mapped.hash;
    };
    await links.save({ ghlId: inStep, relatelId: '11', origin: 'created', relatelHash: hashOf('Anna', '+4571000001'), version: 0 }, 0);
    await links.save({ ghlId: changed, relatelId: '12', origin: 'created', relatelHash: hashOf('Bo (before)', '+4571000002'), version: 0 }, 0);

    const deps: GhlCatchUpDependencies = {
      ghl,
      links,
      queue: new SqsQueueSender(sqs, { 'ghl-contacts': aws.queues['ghl-contacts'].queueUrl } as Record<QueueOwner, string>),
      checkpoints: new DynamoCheckpointStore(dynamo, aws.tableName),
      mapping,
      locationId: h.ghl.locationId,
      clock: { now: () => new Date(h.clock.now()), sleep: h.clock.sleep },
      newRunId: () => 'run-ghl-1',
    };
    let asked = 0;
    const stopped = await runGhlCatchUp(deps, { mode: 'all', pageSize: 1, ratePerSecond: 1000, shouldStop: () => ++asked > 2 });
    expect(stopped).toMatchObject({ outcome: 'stopped', read: 2, enqueued: 1 });

    const resumed = await runGhlCatchUp(deps, { mode: 'all', pageSize: 1, ratePerSecond: 1000 });
    expect(resumed).toMatchObject({ outcome: 'completed', resumed: true, runId: 'run-ghl-1', runTotal: 3 });

    // Bo was sent twice (read again at the cursor): SQS kept one, as the delivery id is the same.
    const messages = await drainGhlContactsQueue();
    expect(messages.map((message) => message.groupId)).toEqual([changed, unlinked]);
    expect(messages.map((message) => message.deduplicationId)).toEqual([
      `catchup-${changed}-2026-03-02T09:00:01.000Z`,
      `catchup-${unlinked}-2026-03-02T09:00:02.000Z`,
    ]);
    expect(parseQueuedGhlContactEvent(messages[0]!.body)).toMatchObject({ source: 'catch-up', type: 'updated', contact: { ghlId: changed, firstName: 'Bo' } });
  });
});
