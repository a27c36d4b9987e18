/**
 * `npm run verify` against the local stack: Relatel's contacts (a fake API) against the sync
 * state in dynalite. The contact that is in sync got there through the real `syncEvent`, so
 * verify's idea of "in sync" is the consumers' own.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSyncStateStore } from '../../../lib/aws/dynamo-sync-state.js';
import { validateRelatelEvent } from '../../../lib/events/validate.js';
import type { GhlClient } from '../../../lib/ghl/client.js';
import { parseMappingConfig } from '../../../lib/mapping/config.js';
import { backfillMessage } from '../../../lib/ops/backfill.js';
import { hasDrift, verifyContacts, type DriftReport } from '../../../lib/ops/verify.js';
import type { RelatelContact } from '../../../lib/relatel/client.js';
import { syncEvent } from '../../../lib/sync/sync-event.js';
import { localDynamoClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { fakeRelatel, relatelContact } from './fake-relatel.js';

const mapping = parseMappingConfig(undefined);
const NOW = new Date('2026-05-04T03:00:00Z');

let aws: LocalAws;
let dynamo: DynamoDBClient;
let state: DynamoSyncStateStore;

beforeAll(async () => {
  aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
  dynamo = localDynamoClient(aws.dynamodb.endpoint);
  state = new DynamoSyncStateStore(dynamo, aws.tableName);
});

afterAll(async () => {
  dynamo?.destroy();
  await aws?.stop();
});

/** GHL as far as syncing a new contact needs it: upsert creates `ghl-<n>`, tags are accepted. */
function fakeGhl(): GhlClient {
  let created = 0;
  const ghl: Partial<GhlClient> = {
    upsertContact: async () => ({ created: true, contact: { id: `ghl-${++created}` } as Awaited<ReturnType<GhlClient['getContact']>> & object }),
    addTags: async (_id, tags) => tags,
  };
  return ghl as GhlClient;
}

/** Syncs a contact as the contacts consumer would, from the event a backfill makes of it. */
async function syncThroughConsumer(contact: RelatelContact, ghl: GhlClient) {
  const event = validateRelatelEvent(JSON.parse(backfillMessage(contact, 'seed', NOW)!.body));
  if (!event.valid || event.kind !== 'routed') throw new Error('backfill made an invalid event');
  await syncEvent(event, { state, ghl, mapping, now: () => NOW, createLeaseMs: 60_000 });
}

const ids = (drifts: DriftReport['missing']) => drifts.map((d) => `${d.relatelId}:${d.reason}`).sort();

describe('verify', () => {
  it('reports missing, stale and orphaned contacts, and counts the ones in sync', async () => {
    const ghl = fakeGhl();
    const inSync = relatelContact(1);
    const changedSince = relatelContact(2);
    const neverSynced = relatelContact(3);
    const goneFromRelatel = relatelContact(4);
    for (const contact of [inSync, changedSince, goneFromRelatel]) await syncThroughConsumer(contact, ghl);
    // Relatel's contact 2 changed after its last event was applied (an event that was lost).
    const relatel = fakeRelatel([inSync, { ...changedSince, name: 'Nyt Navn' }, neverSynced]);

    const report = await verifyContacts({ relatel, state, mapping }, { pageSize: 2 });

    expect(ids(report.missing)).toEqual(['3:no-sync-state']);
    expect(ids(report.stale)).toEqual(['2:body-differs']);
    expect(ids(report.orphaned)).toEqual(['4:not-in-relatel']);
    expect(report).toMatchObject({ relatelContacts: 3, syncStates: 3, inSync: 1 });
    expect(hasDrift(report)).toBe(true);
  });

  it('reports ids and reasons only, never contact details', async () => {
    const relatel = fakeRelatel([relatelContact(99, { email: 'secret.person@example.dk', name: 'Hemmelig Person' })]);

    const report = await verifyContacts({ relatel, state, mapping });

    expect(JSON.stringify(report)).not.toMatch(/secret\.person|Hemmelig/);
  });
});
