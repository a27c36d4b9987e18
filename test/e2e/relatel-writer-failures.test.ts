/**
 * The Relatel writer under Relatel's failures, on the local stack: a create applied but answered
 * 5xx is found by number on the retry (one contact, counted as the sync's own); a Relatel
 * answering only 429s holds the event until it answers again; a message that is not a GHL
 * contact event is parked in the ghl-contacts DLQ with its reason.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localSqsClient } from '../../local/aws/local-aws.js';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;
let seq = 0;

beforeAll(async () => {
  e2e = await startE2eStack({ handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '1000', RELATEL_RATE_LIMIT_INTERVAL_MS: '1000', RELATEL_REQUEST_TIMEOUT_MS: '1000' } });
});

afterAll(async () => {
  await e2e?.stop();
});

function ghlWebhook(type: string, contact: Record<string, unknown>): Record<string, unknown> {
  seq += 1;
  return { type, locationId: e2e.stack.ghlLocationId, timestamp: new Date().toISOString(), webhookId: `e2e-fail-${Date.now()}-${seq}`, ...contact };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('a create Relatel applied but answered 5xx is found by number on the retry: one contact, deleted with the GHL contact', async () => {
  e2e.relatel.setFaults({ afterWriteServerErrorRate: 1, serverErrorStatuses: [500] });
  const contact = { id: 'E2eFailContact000001', firstName: 'Lise', lastName: 'Dam', phone: '+4520304050' };
  expect(await e2e.sendGhl(ghlWebhook('ContactCreate', contact))).toBe(202);
  await until(() => (e2e.relatel.state.counters().byStatus['500'] ?? 0) >= 1, 'the 5xx after the create');
  e2e.relatel.setFaults({ afterWriteServerErrorRate: 0 });
  await e2e.drained();

  expect(e2e.relatel.state.contacts().filter((c) => c.number === '4520304050')).toHaveLength(1);
  expect(e2e.relatelWrites.at(-1)?.result.outcome).toEqual({ status: 'synced', action: 'created' });

  expect(await e2e.sendGhl(ghlWebhook('ContactDelete', contact))).toBe(202);
  await e2e.drained();
  expect(e2e.relatel.state.contacts().filter((c) => c.number === '4520304050')).toHaveLength(0);
});

it('waits out a Relatel that answers only 429, then syncs', async () => {
  // A 1 s interval: Relatel's Retry-After (which the writer honours) stays short.
  e2e.relatel.setRateLimit({ maxPerInterval: 0, intervalMs: 1_000 });
  expect(await e2e.sendGhl(ghlWebhook('ContactCreate', { id: 'E2eFailContact000002', firstName: 'Ole', phone: '+4521314151' }))).toBe(202);
  await until(() => (e2e.relatel.state.counters().byStatus['429'] ?? 0) >= 1, 'a 429');
  e2e.relatel.setRateLimit({ maxPerInterval: null });
  await e2e.drained();
  expect(e2e.relatel.state.contacts().find((c) => c.number === '4521314151')).toMatchObject({ name: 'Ole' });
  expect(await e2e.deadLetters('ghl-contacts')).toEqual([]);
});

it('parks a message that is not a GHL contact event in the ghl-contacts DLQ, with its reason', async () => {
  const sqs = localSqsClient(e2e.stack.aws.sqs.endpoint);
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: e2e.stack.aws.queues['ghl-contacts'].queueUrl,
        MessageBody: JSON.stringify({ type: 'created', contact: {} }),
        MessageGroupId: 'E2eFailContact000003',
        MessageDeduplicationId: 'e2e-not-an-event',
      }),
    );
  } finally {
    sqs.destroy();
  }
  await e2e.drained();
  expect(await e2e.deadLetters('ghl-contacts')).toMatchObject([{ reason: 'invalid-event' }]);
});
