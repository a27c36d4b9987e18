/**
 * A GHL delete whose webhook was lost, end to end on the local stack: a contact made in GHL
 * reaches Relatel through the GHL door and the Relatel writer; it is then deleted in the GHL
 * simulator with no ContactDelete webhook; `npm run backfill -- --from ghl` (the real script, as
 * a child process) walks GHL, sweeps, and queues the delete; the writer removes the twin. The
 * scheduled catch-up Lambda (its real handler) does the same when its sweep is due.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGhlContactLinkStore } from '../../lib/aws/dynamo-ghl-contact-links.js';
import { DynamoCheckpointStore } from '../../lib/ops/dynamo-checkpoint.js';
import { GHL_BACKFILL_CHECKPOINT } from '../../lib/reverse/catch-up.js';
import { localDynamoClient } from '../../local/aws/local-aws.js';
import { lambdaContext } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

const run = promisify(execFile);
let e2e: E2eStack;
let webhookSeq = 0;

beforeAll(async () => {
  e2e = await startE2eStack({ handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '1000', RELATEL_RATE_LIMIT_INTERVAL_MS: '1000' } });
});

afterAll(async () => {
  await e2e?.stop();
});

function ghlWebhook(type: string, contact: Record<string, unknown>): Record<string, unknown> {
  webhookSeq += 1;
  return { type, locationId: e2e.stack.ghlLocationId, timestamp: new Date().toISOString(), webhookId: `e2e-lost-delete-${Date.now()}-${webhookSeq}`, ...contact };
}

/** `npm run backfill -- --from ghl --local` against this stack; its stdout (the summary). */
async function backfillFromGhl(): Promise<string> {
  const { stdout } = await run('npx', ['tsx', 'scripts/backfill.ts', '--from', 'ghl', '--local', '--rate', '100'], {
    env: { ...process.env, ...e2e.stack.handlerEnv },
    timeout: 50_000,
  });
  return stdout;
}

const relatelNumbers = () => e2e.relatel.state.contacts().map((contact) => contact.number).sort();

/** Made in GHL (the simulator), and its ContactCreate webhook through the door. */
async function ghlContactThroughTheDoor(firstName: string, phone: string): Promise<string> {
  const made = e2e.simulator.seedContact({ firstName, phone });
  expect(await e2e.sendGhl(ghlWebhook('ContactCreate', { id: made.id, firstName, phone, tags: [] }))).toBe(202);
  return made.id;
}

describe('a GHL delete whose webhook was lost', () => {
  it('is found by the backfill\'s deletion sweep, and the Relatel twin the sync created is deleted', async () => {
    await ghlContactThroughTheDoor('Kept', '+4571000011');
    const goneId = await ghlContactThroughTheDoor('Gone', '+4571000012');
    await e2e.drained();
    expect(relatelNumbers()).toEqual(['4571000011', '4571000012']);

    // Deleted in GHL; GHL's ContactDelete webhook never reaches the door.
    expect(e2e.simulator.deleteRecord('contact', goneId)).toBe(true);
    await e2e.drained();
    expect(relatelNumbers()).toEqual(['4571000011', '4571000012']);

    const out = await backfillFromGhl();
    expect(out).toMatch(/GHL backfill completed/);
    expect(out).toMatch(/Deletion sweep completed/);
    expect(out).toMatch(/candidates: +1\n/);
    expect(out).toMatch(/gone in GHL: +1\n/);
    expect(out).toContain(`deletes enqueued:  1 (ids ${goneId})`);
    // Ids and counts only: no name or number of either contact.
    expect(out).not.toMatch(/Kept|Gone|4571000011|4571000012/);

    await e2e.drained();
    expect(relatelNumbers()).toEqual(['4571000011']);
    expect(e2e.relatelWrites.at(-1)).toMatchObject({ eventType: 'ghl.contact.deleted', ghlId: goneId, result: { outcome: { status: 'synced', action: 'deleted' } } });

    // Nothing left to find: the link is a tombstone now.
    const again = await backfillFromGhl();
    expect(again).toMatch(/candidates: +0\n/);
    expect(again).toMatch(/deletes enqueued: +0/);
  });

  it('is not concluded by a resumed run, which says the sweep was skipped', async () => {
    const dynamo = localDynamoClient(e2e.stack.aws.dynamodb.endpoint);
    try {
      // An unfinished run at a cursor past every contact: the resumed part reads nothing before it.
      const at = new Date().toISOString();
      await new DynamoCheckpointStore(dynamo, e2e.stack.aws.tableName).save(GHL_BACKFILL_CHECKPOINT, { runId: 'unfinished', enqueued: 0, lastId: at, startedAt: at, updatedAt: at });
    } finally {
      dynamo.destroy();
    }
    const goneId = await ghlContactThroughTheDoor('Later', '+4571000013');
    await e2e.drained();
    expect(e2e.simulator.deleteRecord('contact', goneId)).toBe(true);

    const out = await backfillFromGhl();
    expect(out).toMatch(/GHL backfill completed .*resumed/);
    expect(out).toMatch(/Deletion sweep skipped: this run was resumed/);
    await e2e.drained();
    expect(relatelNumbers()).toContain('4571000013');
  });

  it('is found by the scheduled catch-up Lambda when its sweep is due, and not again within the interval', async () => {
    // Left by the previous test: 'Later' deleted in GHL, its twin still in Relatel.
    expect(relatelNumbers()).toContain('4571000013');
    // The handler reads its settings and builds its clients at import, as at a cold start.
    Object.assign(process.env, e2e.stack.handlerEnv, { GHL_DELETION_SWEEP_INTERVAL_HOURS: '24', LOG_LEVEL: 'ERROR' });
    const { handler } = await import('../../functions/ghl-catch-up/handler.js');
    const context = lambdaContext({ functionName: 'relatel-ghl-sync-ghl-catch-up', getRemainingTimeInMillis: () => 900_000 });

    const first = await handler({}, context);
    expect(first.deletionSweep).toMatchObject({ outcome: 'completed', candidates: 1, confirmedGone: 1, enqueued: 1 });
    await e2e.drained();
    expect(relatelNumbers()).toEqual(['4571000011']);

    const second = await handler({}, context);
    expect(second.deletionSweep).toMatchObject({ outcome: 'not-due' });
  });

  it('is not concluded from a walk that misses more linked contacts than lost webhooks explain: the script refuses and exits 1', async () => {
    // 26 links whose GHL contacts this GHL has never held: what a walk of the wrong location looks like.
    const dynamo = localDynamoClient(e2e.stack.aws.dynamodb.endpoint);
    try {
      const links = new DynamoGhlContactLinkStore(dynamo, e2e.stack.aws.tableName);
      for (let i = 0; i < 26; i += 1) {
        await links.save({ ghlId: `elsewhere${i}`, relatelId: String(800_000 + i), origin: 'created', lastOccurredAt: '2026-01-01T00:00:00.000Z', version: 0 }, 0);
      }
    } finally {
      dynamo.destroy();
    }
    const relatelBefore = relatelNumbers();

    const failure = await backfillFromGhl().then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/Deletion sweep refused: 26 links' GHL contacts were not in the walk, more than the 25 /);
    expect(failure?.stdout).toContain('--max-sweep-candidates 26');
    await e2e.drained();
    expect(relatelNumbers()).toEqual(relatelBefore);
  });
});
