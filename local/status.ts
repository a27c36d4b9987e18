/**
 * `npm run status`: what the running local stack holds, read from its fixed local ports (so it
 * works from another terminal): per entity the queue depth, messages in flight, DLQ depth and
 * the records the sync state knows in GHL, plus the GHL and Relatel simulators' record counts
 * when they run.
 * `readLocalStatus` is also how the end-to-end tests wait for the stack to drain.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoSyncStateStore } from '../lib/aws/dynamo-sync-state.js';
import { ConfigError } from '../lib/config.js';
import { ENTITIES, GHL_FLOW_NAMES, SYNC_TABLE, deadLetterQueueName, queueName, type Entity, type GhlFlow } from '../lib/entities.js';
import { allStates, type RecordSyncState } from '../lib/sync/state.js';
import { DynamoGhlContactLinkStore } from '../lib/aws/dynamo-ghl-contact-links.js';
import type { GhlContactLink } from '../lib/reverse/links.js';
import { LOCAL_AWS_HOST, localDynamoClient, localSqsClient } from './aws/local-aws.js';
import { hideAwsSdkNodeVersionWarning, loadLocalSettings } from './config.js';

export interface EntityStatus {
  /** Messages waiting (visible or delayed). */
  queued: number;
  /** Received by a consumer and not yet deleted or made visible again. */
  inFlight: number;
  /** Parked messages, waiting for a human. */
  deadLettered: number;
  /** Records the sync state links to a live GHL record (ghl-contacts: to a Relatel contact the writer wrote last). */
  synced: number;
  /** Deletes applied: tombstones (a delete drops the record's GHL id, so they are counted apart). */
  deleted: number;
}

export interface SimulatorCounts {
  contacts: number;
  tasks: number;
  notes: number;
  appointments: number;
  requests: number;
}

export interface RelatelSimulatorCounts {
  contacts: number;
  requests: number;
}

/** A GHL -> Relatel flow: its queue, in flight, DLQ, and the contacts' links. */
export type FlowStatus = EntityStatus;

export interface LocalStatus {
  /** Relatel -> GHL. */
  entities: Record<Entity, EntityStatus>;
  /** GHL -> Relatel. */
  flows: Record<GhlFlow, FlowStatus>;
  simulator?: SimulatorCounts;
  relatelSimulator?: RelatelSimulatorCounts;
}

export interface StatusEndpoints {
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** The simulator's base URL; absent or unreachable leaves `simulator` out. */
  simulatorUrl?: string;
  /** The Relatel simulator's root URL (not its /api/v2); absent or unreachable leaves `relatelSimulator` out. */
  relatelSimulatorUrl?: string;
  tableName?: string;
}

export async function readLocalStatus(endpoints: StatusEndpoints): Promise<LocalStatus> {
  const sqs = localSqsClient(endpoints.sqsEndpoint);
  const dynamo = localDynamoClient(endpoints.dynamoEndpoint);
  try {
    const states = new DynamoSyncStateStore(dynamo, endpoints.tableName ?? SYNC_TABLE.name());
    const rows = await Promise.all(
      ENTITIES.map(async (entity): Promise<EntityStatus> => {
        const [queue, dlq, records] = await Promise.all([
          depthOf(sqs, queueName(entity)),
          depthOf(sqs, deadLetterQueueName(entity)),
          countStates(states, entity),
        ]);
        return { queued: queue.queued, inFlight: queue.inFlight, deadLettered: dlq.queued + dlq.inFlight, ...records };
      }),
    );
    const links = new DynamoGhlContactLinkStore(dynamo, endpoints.tableName ?? SYNC_TABLE.name());
    const flowRows = await Promise.all(
      GHL_FLOW_NAMES.map(async (flow): Promise<FlowStatus> => {
        // ghl-contacts is the one flow; its records are the GHL contacts' links.
        const [queue, dlq, records] = await Promise.all([depthOf(sqs, queueName(flow)), depthOf(sqs, deadLetterQueueName(flow)), tallyLinks(links.list())]);
        return { queued: queue.queued, inFlight: queue.inFlight, deadLettered: dlq.queued + dlq.inFlight, ...records };
      }),
    );
    const [simulator, relatelSimulator] = await Promise.all([
      endpoints.simulatorUrl === undefined ? undefined : simulatorCounts(endpoints.simulatorUrl),
      endpoints.relatelSimulatorUrl === undefined ? undefined : relatelSimulatorCounts(endpoints.relatelSimulatorUrl),
    ]);
    return {
      entities: Object.fromEntries(ENTITIES.map((entity, i) => [entity, rows[i]])) as Record<Entity, EntityStatus>,
      flows: Object.fromEntries(GHL_FLOW_NAMES.map((flow, i) => [flow, flowRows[i]])) as Record<GhlFlow, FlowStatus>,
      ...(simulator && { simulator }),
      ...(relatelSimulator && { relatelSimulator }),
    };
  } finally {
    sqs.destroy();
    dynamo.destroy();
  }
}

async function depthOf(sqs: SQSClient, name: string): Promise<{ queued: number; inFlight: number }> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const count = (attribute: string) => Number(Attributes[attribute as keyof typeof Attributes] ?? 0);
  return {
    queued: count('ApproximateNumberOfMessages') + count('ApproximateNumberOfMessagesDelayed'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
  };
}

async function countStates(states: DynamoSyncStateStore, entity: Entity): Promise<{ synced: number; deleted: number }> {
  return tallyStates(allStates(states, entity));
}

/** Live records in GHL, and tombstones (a delete drops `ghlId`, so a tombstone is counted by `deleted` alone). */
export async function tallyStates(states: AsyncIterable<Pick<RecordSyncState, 'ghlId' | 'deleted'>>): Promise<{ synced: number; deleted: number }> {
  let synced = 0;
  let deleted = 0;
  for await (const state of states) {
    if (state.deleted) deleted++;
    else if (state.ghlId !== undefined) synced++;
  }
  return { synced, deleted };
}

/**
 * GHL -> Relatel: live links whose last write went to Relatel (the writer's work; a contact
 * synced the other way is linked too, with its last write to GHL), and deleted links.
 */
export async function tallyLinks(
  links: AsyncIterable<Pick<GhlContactLink, 'relatelId' | 'deleted' | 'lastWrittenTo'>>,
): Promise<{ synced: number; deleted: number }> {
  let synced = 0;
  let deleted = 0;
  for await (const link of links) {
    if (link.deleted) deleted++;
    else if (link.relatelId !== undefined && link.lastWrittenTo === 'relatel') synced++;
  }
  return { synced, deleted };
}

async function simulatorCounts(url: string): Promise<SimulatorCounts | undefined> {
  const snapshot = await simulatorSnapshot<{ contacts: unknown[]; tasks: unknown[]; notes: unknown[]; appointments: unknown[]; counters: { total: number } }>(url);
  return (
    snapshot && {
      contacts: snapshot.contacts.length,
      tasks: snapshot.tasks.length,
      notes: snapshot.notes.length,
      appointments: snapshot.appointments.length,
      requests: snapshot.counters.total,
    }
  );
}

async function relatelSimulatorCounts(url: string): Promise<RelatelSimulatorCounts | undefined> {
  const snapshot = await simulatorSnapshot<{ contacts: unknown[]; counters: { total: number } }>(url);
  return snapshot && { contacts: snapshot.contacts.length, requests: snapshot.counters.total };
}

/** A simulator's `/__sim/state`; undefined when it does not answer (stopped, or a real API is configured). */
async function simulatorSnapshot<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(`${url}/__sim/state`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? ((await response.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function formatStatus(status: LocalStatus): string[] {
  const header = ['Relatel -> GHL', 'queued', 'in flight', 'DLQ', 'synced', 'deleted'];
  const rows = ENTITIES.map((entity) => {
    const row = status.entities[entity];
    return [entity, row.queued, row.inFlight, row.deadLettered, row.synced, row.deleted].map(String);
  });
  rows.push(['GHL -> Relatel', '', '', '', '', '']);
  for (const flow of GHL_FLOW_NAMES) {
    const row = status.flows[flow];
    rows.push([flow, row.queued, row.inFlight, row.deadLettered, row.synced, row.deleted].map(String));
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const lines = [line(header), ...rows.map(line)];
  const sim = status.simulator;
  lines.push('');
  lines.push(
    sim
      ? `GHL simulator: ${sim.contacts} contacts, ${sim.tasks} tasks, ${sim.notes} notes, ${sim.appointments} appointments (${sim.requests} requests served)`
      : 'GHL simulator: not running (a real GHL is configured, or the stack is stopped)',
  );
  const relatel = status.relatelSimulator;
  lines.push(
    relatel
      ? `Relatel simulator: ${relatel.contacts} contacts (${relatel.requests} requests served)`
      : 'Relatel simulator: not running (a real Relatel API is configured, or the stack is stopped)',
  );
  return lines;
}

async function main(): Promise<void> {
  hideAwsSdkNodeVersionWarning();
  const settings = loadLocalSettings();
  const host = `http://${LOCAL_AWS_HOST}`;
  let status: LocalStatus;
  try {
    status = await readLocalStatus({
      sqsEndpoint: `${host}:${settings.sqsPort}`,
      dynamoEndpoint: `${host}:${settings.dynamoPort}`,
      ...(settings.ghl.kind === 'simulator' && { simulatorUrl: `${host}:${settings.ghl.port}` }),
      ...(settings.relatel.kind === 'simulator' && { relatelSimulatorUrl: `${host}:${settings.relatel.port}` }),
    });
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED' || (error as { name?: string }).name === 'QueueDoesNotExist') {
      throw new ConfigError(`The local stack is not running (nothing answers on ${host}:${settings.sqsPort}). Start it with \`npm start\`.`);
    }
    throw error;
  }
  for (const line of formatStatus(status)) console.log(line);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
