/** The GHL contact link stores (lib/reverse/links.ts), in memory and on dynalite: one contract. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoGhlContactLinkStore } from '../../../lib/aws/dynamo-ghl-contact-links.js';
import { InMemoryGhlContactLinkStore, LinkConflictError, type GhlContactLinkStore } from '../../../lib/reverse/links.js';
import { localDynamoClient, startLocalDynamo, type LocalServer } from '../../../local/aws/local-aws.js';
import { createSyncTable } from '../../../local/aws/resources.js';

function describeLinkContract(fresh: () => Promise<GhlContactLinkStore>) {
  it('answers undefined for a GHL contact never linked', async () => {
    expect(await (await fresh()).get('ghl-1')).toBeUndefined();
  });

  it('stores a new link at version 1 and reads it back without the fields left out', async () => {
    const store = await fresh();
    const saved = await store.save({ ghlId: 'ghl-1', relatelId: '1000', origin: 'created', relatelHash: 'h1', lastOccurredAt: '2026-12-02T17:00:00.000Z', version: 0 }, 0);
    expect(saved.version).toBe(1);
    expect(await store.get('ghl-1')).toEqual({ ghlId: 'ghl-1', relatelId: '1000', origin: 'created', relatelHash: 'h1', lastOccurredAt: '2026-12-02T17:00:00.000Z', version: 1 });
  });

  it('refuses a write that did not see the latest one (optimistic version), as a transient conflict', async () => {
    const store = await fresh();
    await store.save({ ghlId: 'ghl-1', version: 0 }, 0);
    await store.save({ ghlId: 'ghl-1', relatelHash: 'h2', version: 1 }, 1);
    await expect(store.save({ ghlId: 'ghl-1', relatelHash: 'h3', version: 1 }, 1)).rejects.toBeInstanceOf(LinkConflictError);
    await expect(store.save({ ghlId: 'ghl-1', version: 0 }, 0)).rejects.toMatchObject({ kind: 'transient', reason: 'state-conflict' });
    expect(await store.get('ghl-1')).toMatchObject({ relatelHash: 'h2', version: 2 });
  });

  it('drops a field a later write leaves out', async () => {
    const store = await fresh();
    await store.save({ ghlId: 'ghl-1', relatelId: '1000', origin: 'created', version: 0 }, 0);
    await store.save({ ghlId: 'ghl-1', deleted: true, version: 1 }, 1);
    expect(await store.get('ghl-1')).toEqual({ ghlId: 'ghl-1', deleted: true, version: 2 });
  });
}

describe('InMemoryGhlContactLinkStore', () => {
  describeLinkContract(async () => new InMemoryGhlContactLinkStore());
});

describe('DynamoGhlContactLinkStore on dynalite', () => {
  let server: LocalServer;
  let dynamo: DynamoDBClient;
  let tables = 0;

  beforeAll(async () => {
    server = await startLocalDynamo(0);
    dynamo = localDynamoClient(server.endpoint);
  });

  afterAll(async () => {
    dynamo.destroy();
    await server.stop();
  });

  describeLinkContract(async () => {
    tables += 1;
    const tableName = `links-${tables}`;
    await createSyncTable(dynamo, tableName);
    return new DynamoGhlContactLinkStore(dynamo, tableName);
  });
});
