/**
 * The GHL client as every process of a deployment builds it outside the consumers (the ops
 * scripts, the GHL catch-up): its health state, OAuth refresh lock and rate budget in the sync
 * table, shared with the consumers, so a catch-up or a verify run neither outruns GHL's rate
 * limit nor hammers GHL during an outage the consumers already see.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GhlClientConfig } from '../config.js';
import { createGhlClient, createGhlHealth, type GhlClient } from '../ghl/index.js';
import type { SecretStore } from '../secrets.js';
import { DynamoGhlHealthStore } from './dynamo-ghl-health.js';
import { DynamoLock } from './dynamo-lock.js';
import { DynamoRateBudgetStore } from './dynamo-rate-budget.js';

/** A GHL client sharing health, lock and rate budget with the consumers through the sync table. */
export function ghlClientOnTable(config: GhlClientConfig, dynamo: DynamoDBClient, table: string, secretStore: SecretStore): GhlClient {
  return createGhlClient({
    config,
    health: createGhlHealth({ config, store: new DynamoGhlHealthStore(dynamo, table) }),
    secretStore,
    lock: new DynamoLock(dynamo, table),
    rateBudgetStore: new DynamoRateBudgetStore(dynamo, table),
  });
}
