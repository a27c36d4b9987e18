import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSyncStateStore } from '../../../lib/aws/dynamo-sync-state.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { localDynamoClient, startLocalDynamo, type LocalServer } from '../../../local/aws/local-aws.js';
import { createSyncTable } from '../../../local/aws/resources.js';
import { describeSyncStateContract } from './sync-state-contract.js';

describe('InMemorySyncStateStore', () => {
  describeSyncStateContract(async () => new InMemorySyncStateStore());
});

describe('DynamoSyncStateStore on dynalite', () => {
  let server: LocalServer;
  let dynamo: DynamoDBClient;
  let tables = 0;

  /** A fresh table per test: no test sees another's records. */
  async function freshStore(): Promise<{ store: DynamoSyncStateStore; tableName: string }> {
    tables += 1;
    const tableName = `sync-state-${tables}`;
    await createSyncTable(dynamo, tableName);
    return { store: new DynamoSyncStateStore(dynamo, tableName), tableName };
  }

  beforeAll(async () => {
    server = await startLocalDynamo(0);
    dynamo = localDynamoClient(server.endpoint);
  });

  afterAll(async () => {
    dynamo.destroy();
    await server.stop();
  });

  describeSyncStateContract(async () => (await freshStore()).store);

  describe('key layout', () => {
    it('keeps a record state under pk <entity>#<relatelId>, sk state', async () => {
      const { store, tableName } = await freshStore();
      await store.save({ entity: 'tasks', relatelId: 'rel-9', ghlId: 'ghl-9', version: 0 }, 0);

      const { Item } = await dynamo.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'tasks#rel-9' }, sk: { S: 'state' } } }),
      );

      expect(Item).toMatchObject({ ghlId: { S: 'ghl-9' }, version: { N: '1' } });
    });

    it('keeps a processed delivery under pk delivery#<id>, sk delivery, expiring at epoch seconds', async () => {
      const { store, tableName } = await freshStore();
      await store.markDeliveryProcessed('d-9', new Date('2025-03-01T12:00:00.900Z'), 60);

      const { Item } = await dynamo.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'delivery#d-9' }, sk: { S: 'delivery' } } }),
      );

      expect(Item?.expiresAt).toEqual({ N: String(Date.parse('2025-03-01T12:00:00Z') / 1000 + 60) });
    });
  });
});
