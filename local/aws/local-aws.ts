/**
 * Local AWS-protocol servers for the local stack and the integration/e2e tests: fauxqs 1.9
 * (SQS's JSON protocol; 2.x needs Node 22.5+) and dynalite (DynamoDB, in memory), each created
 * with the sync's queues and table. The real handlers reach them with their unchanged AWS SDK
 * clients through the environment `localAwsEnv` returns (AWS_ENDPOINT_URL_SQS / _DYNAMODB).
 *
 * Both bind 127.0.0.1 only (fauxqs's own `startFauxqs` would bind 0.0.0.0: see startLocalSqs).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { buildApp, type BuildAppOptions } from 'fauxqs';
import {
  CONSUMER_ENV,
  DEFAULT_RESOURCE_PREFIX,
  SYNC_TABLE,
  deadLetterQueueUrlEnvVar,
  queueUrlEnvVar,
  type QueueOwner,
} from '../../lib/entities.js';
import { QUEUE_OWNERS, createEntityQueues, createSyncTable, type EntityQueues, type QueueSettings } from './resources.js';

/** The ports fauxqs and dynalite use by default, so their own docs and CLIs agree with ours. */
export const DEFAULT_SQS_PORT = 4566;
export const DEFAULT_DYNAMODB_PORT = 4567;
export const LOCAL_AWS_HOST = '127.0.0.1';
/** The local servers ignore signatures, but the SDK will not send a request without credentials. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_AWS_REGION = 'eu-west-1';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
  constructor(
    readonly service: string,
    readonly port: number,
    /** How to choose another port, e.g. `set LOCAL_SQS_PORT` (the caller knows its settings). */
    howToMove = 'choose another port',
  ) {
    super(`Port ${port} is already in use, so the local ${service} server cannot start. Stop what listens there (lsof -i :${port}) or ${howToMove}.`);
  }
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:4566 */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface LocalAwsOptions extends QueueSettings {
  /** 0 picks a free port (tests). */
  sqsPort?: number;
  dynamoPort?: number;
}

export interface LocalAws {
  readonly sqs: LocalServer;
  readonly dynamodb: LocalServer;
  readonly region: string;
  readonly queues: Record<QueueOwner, EntityQueues>;
  readonly tableName: string;
  /** Stops both servers; their ports are free once it resolves. Stop pollers first. */
  stop(): Promise<void>;
}

/** Where running local AWS services answer (this process's or another's): all a client needs. */
export type LocalAwsEndpoints = Pick<LocalAws, 'region' | 'queues' | 'tableName'> & {
  readonly sqs: Pick<LocalServer, 'endpoint'>;
  readonly dynamodb: Pick<LocalServer, 'endpoint'>;
};

/** Starts both servers and creates every queue, DLQ and the sync table. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const sqs = await startLocalSqs(options.sqsPort ?? DEFAULT_SQS_PORT);
  let dynamodb: LocalServer;
  try {
    dynamodb = await startLocalDynamo(options.dynamoPort ?? DEFAULT_DYNAMODB_PORT);
  } catch (error) {
    await sqs.stop();
    throw error;
  }
  const stop = async () => {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  };
  try {
    const tableName = SYNC_TABLE.name(options.prefix ?? DEFAULT_RESOURCE_PREFIX);
    const sqsClient = localSqsClient(sqs.endpoint);
    const dynamoClient = localDynamoClient(dynamodb.endpoint);
    const [queues] = await Promise.all([
      createEntityQueues(sqsClient, options),
      createSyncTable(dynamoClient, tableName),
    ]);
    sqsClient.destroy();
    dynamoClient.destroy();
    return { sqs, dynamodb, region: LOCAL_AWS_REGION, queues, tableName, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The environment a webhook or consumer needs to run against the local servers: queue and DLQ
 * URLs, the table name, endpoints, dummy credentials and region. Merge it into process.env
 * before the handler module creates its SDK clients.
 */
export function localAwsEnv(aws: LocalAwsEndpoints): Record<string, string> {
  const queueUrls = QUEUE_OWNERS.flatMap((entity) => [
    [queueUrlEnvVar(entity), aws.queues[entity].queueUrl],
    [deadLetterQueueUrlEnvVar(entity), aws.queues[entity].deadLetterQueueUrl],
  ]);
  return {
    ...Object.fromEntries(queueUrls),
    [CONSUMER_ENV.syncTableName]: aws.tableName,
    AWS_ENDPOINT_URL_SQS: aws.sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodb.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: aws.region,
  };
}

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS });
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS });
}

export async function startLocalSqs(port: number): Promise<LocalServer> {
  const app = buildApp({ logger: false, stores: { sqsStore: await sqsStoreWithRequestHostUrls() } as BuildAppOptions['stores'] });
  try {
    await app.listen({ port, host: LOCAL_AWS_HOST });
  } catch (error) {
    await app.close();
    throw isAddressInUse(error) ? new PortInUseError('SQS (fauxqs)', port) : error;
  }
  const actualPort = (app.server.address() as AddressInfo).port;
  return {
    endpoint: `http://${LOCAL_AWS_HOST}:${actualPort}`,
    port: actualPort,
    stop: () => app.close(),
  };
}

/**
 * fauxqs's `startFauxqs` names every queue `http://sqs.<region>.<host>:<port>/...` (host
 * `localhost` by default) and binds 0.0.0.0. An unchanged SDK client sends each request to its
 * QueueUrl's host, and `sqs.<region>.localhost` does not resolve on most machines; an IP host
 * gives no valid URL at all. A store with no host makes fauxqs name queues after the Host the
 * client used (`127.0.0.1:<port>`, the endpoint we hand out), and building the app ourselves
 * lets it bind 127.0.0.1. The store class is not exported, so it is loaded next to fauxqs's
 * entry point; the local-aws tests fail if a fauxqs upgrade moves it.
 */
async function sqsStoreWithRequestHostUrls(): Promise<object> {
  const storeModuleUrl = new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href;
  const { SqsStore } = (await import(storeModuleUrl)) as { SqsStore?: new () => { host: string | undefined } };
  if (typeof SqsStore !== 'function') throw new Error(`fauxqs no longer has SqsStore in ${storeModuleUrl}`);
  const store = new SqsStore();
  store.host = undefined;
  return store;
}

export async function startLocalDynamo(port: number): Promise<LocalServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(isAddressInUse(error) ? new PortInUseError('DynamoDB (dynalite)', port) : error));
    server.listen(port, LOCAL_AWS_HOST, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${LOCAL_AWS_HOST}:${actualPort}`,
    port: actualPort,
    stop: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // close() waits for open keep-alive sockets (SDK clients keep them): end them now.
    server.closeAllConnections();
  });
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}
