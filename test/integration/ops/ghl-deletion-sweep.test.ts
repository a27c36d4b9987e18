/**
 * The deletion sweep on the adapters the catch-up Lambda and the script wire (local DynamoDB for
 * the links and its checkpoint, the ghl-contacts FIFO queue on local SQS), GHL being the
 * simulator, and the real Relatel writer applying what it queues on the Relatel simulator. GHL
 * contacts reach Relatel through the catch-up, two are then deleted in GHL without any webhook:
 * the sweep finds both, the writer deletes the twin the sync created and keeps the one Relatel had.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGhlContactLinkStore } from '../../../lib/aws/dynamo-ghl-contact-links.js';
import { SqsQueueSender } from '../../../lib/aws/sqs-queue-sender.js';
import type { QueueOwner } from '../../../lib/entities.js';
import { DynamoCheckpointStore } from '../../../lib/ops/dynamo-checkpoint.js';
import { createRelatelWriter } from '../../../lib/relatel/writer.js';
import { runGhlCatchUp } from '../../../lib/reverse/catch-up.js';
import { DELETION_SWEEP_CHECKPOINT, runScheduledDeletionSweep } from '../../../lib/reverse/deletion-sweep-schedule.js';
import { parseQueuedGhlContactEvent } from '../../../lib/reverse/record-processor.js';
import { syncGhlContactEvent } from '../../../lib/reverse/sync-ghl-contact.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { localDynamoClient, localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { ghlClientOf, harnessPerTest } from '../consumers/harness.js';
import { relatelSimulator } from '../relatel-simulator/support.js';

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
  const bodies: { body: string; groupId?: string; deduplicationId?: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] }),
    );
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push({ body: message.Body!, groupId: message.Attributes?.MessageGroupId, deduplicationId: message.Attributes?.MessageDeduplicationId });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

describe('GHL deletion sweep', () => {
  it('queues a delete for each contact deleted in GHL without a webhook; the writer removes only the twin it created', async () => {
    const h = await harness();
    const ghl = ghlClientOf(h);
    const relatel = await relatelSimulator();
    // Relatel had Ole before GHL did: his twin is linked, never deleted by the sync.
    relatel.seedContact({ id: 900, name: 'Ole', number: '4522334455', email: null });
    const create = async (firstName: string, phone: string) => {
      const result = await ghl.createContact({ firstName, phone });
      if (result.outcome !== 'created') throw new Error('expected a new contact');
      h.clock.advance(1_000);
      return result.contact.id;
    };
    const kept = await create('Anna', '+4571000001');
    const deleted = await create('Bo', '+4571000002');
    const linkedDeleted = await create('Ole', '+4522334455');

    const now = () => new Date(h.clock.now());
    const links = new DynamoGhlContactLinkStore(dynamo, aws.tableName);
    const checkpoints = new DynamoCheckpointStore(dynamo, aws.tableName);
    const queue = new SqsQueueSender(sqs, { 'ghl-contacts': aws.queues['ghl-contacts'].queueUrl } as Record<QueueOwner, string>);
    const state = new InMemorySyncStateStore();
    const writer = createRelatelWriter({ baseUrl: relatel.apiBaseUrl, token: async () => relatel.tokens[0] as string });
    const mapping = { defaultCountry: 'DK' as const };
    const clock = { now, sleep: h.clock.sleep };
    const applyQueued = async () => {
      const messages = await drainGhlContactsQueue();
      for (const message of messages) await syncGhlContactEvent(parseQueuedGhlContactEvent(message.body), { links, state, relatel: writer, mapping, now });
      return messages;
    };

    // The three reach Relatel (the catch-up stands in for their ContactCreate webhooks).
    await runGhlCatchUp({ ghl, links, queue, checkpoints, mapping, locationId: h.ghl.locationId, clock }, { mode: 'all', ratePerSecond: 1000 });
    await applyQueued();
    expect(await links.get(deleted)).toMatchObject({ origin: 'created' });
    expect(await links.get(linkedDeleted)).toMatchObject({ origin: 'linked', relatelId: '900' });
    expect(relatel.state.contacts().map((c) => c.name).sort()).toEqual(['Anna', 'Bo', 'Ole']);

    // Deleted in GHL; their ContactDelete webhooks never arrive.
    h.clock.advance(60_000);
    expect(h.ghl.deleteRecord('contact', deleted)).toBe(true);
    expect(h.ghl.deleteRecord('contact', linkedDeleted)).toBe(true);

    const deps = { ghl, links, queue, checkpoints, locationId: h.ghl.locationId, clock, newRunId: () => 'sweep-1' };
    const sweep = await runScheduledDeletionSweep(deps, { intervalHours: 24, ratePerSecond: 1000 });
    expect(sweep).toMatchObject({ outcome: 'completed', walked: 1, candidates: 2, confirmedGone: 2, stillThere: 0, getFailures: 0, enqueued: 2 });
    expect(await checkpoints.load(DELETION_SWEEP_CHECKPOINT)).toMatchObject({ runId: 'sweep-1', enqueued: 2, completedAt: now().toISOString() });

    const messages = await applyQueued();
    expect(messages.map((m) => [m.groupId, m.deduplicationId]).sort()).toEqual(
      [
        [deleted, `sweep-deleted-${deleted}`],
        [linkedDeleted, `sweep-deleted-${linkedDeleted}`],
      ].sort(),
    );
    // Bo's twin (created by the sync) is gone; Ole's (Relatel's own) stays; both links are tombstones.
    expect(relatel.state.contacts().map((c) => c.name).sort()).toEqual(['Anna', 'Ole']);
    expect(await links.get(deleted)).toMatchObject({ deleted: true });
    expect(await links.get(linkedDeleted)).toMatchObject({ deleted: true });
    expect(await links.get(kept)).not.toHaveProperty('deleted');

    // Within the interval nothing runs; after it, nothing is left to find.
    expect(await runScheduledDeletionSweep(deps, { intervalHours: 24, ratePerSecond: 1000 })).toMatchObject({ outcome: 'not-due' });
    h.clock.advance(24 * 3_600_000);
    expect(await runScheduledDeletionSweep(deps, { intervalHours: 24, ratePerSecond: 1000 })).toMatchObject({ outcome: 'completed', candidates: 0, enqueued: 0 });
  });

  it('lists every link, across Scan pages, and nothing else of the sync table', async () => {
    const links = new DynamoGhlContactLinkStore(dynamo, aws.tableName);
    const checkpoints = new DynamoCheckpointStore(dynamo, aws.tableName);
    await checkpoints.save('list-test', { runId: 'r', enqueued: 0, startedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
    const ids = Array.from({ length: 30 }, (_, i) => `listTest${i}`);
    // Items big enough that one Scan page (1 MB) cannot hold them all.
    const padding = 'p'.repeat(60_000);
    for (const id of ids) await links.save({ ghlId: id, relatelId: `r${id}`, origin: 'created', relatelHash: padding, version: 0 }, 0);

    const listed: string[] = [];
    for await (const link of links.list()) listed.push(link.ghlId);
    expect(listed.filter((id) => id.startsWith('listTest')).sort()).toEqual(ids.sort());
    expect(new Set(listed).size).toBe(listed.length);
  });
});
