/**
 * What the operations commands share: flags for where to work (AWS by default, the local stack
 * with --local), queue and table names from lib/entities.ts with --prefix, and the Relatel client.
 *
 * AWS: the SDK's usual credentials and region (AWS_PROFILE, AWS_REGION, ...); AWS_ENDPOINT_URL_SQS
 * and AWS_ENDPOINT_URL_DYNAMODB are honoured by the SDK itself. --local: the endpoints the local
 * stack listens on (local/aws/local-aws.ts), unless those variables say otherwise.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { secretStoreFromEnvironment } from '../lib/aws/secret-store-from-env.js';
import { DEFAULT_RESOURCE_PREFIX, ENTITIES, GHL_FLOW_NAMES, SYNC_TABLE, type Entity, type QueueOwner } from '../lib/entities.js';
import { createRelatelClient, type RelatelClient } from '../lib/relatel/client.js';
import { readRelatelToken } from '../lib/relatel/token.js';
import { ghlClientConfigSchema, loadConfig } from '../lib/config.js';
import { ghlClientOnTable } from '../lib/aws/ghl-client-on-table.js';

export const COMMON_OPTIONS = {
  local: { type: 'boolean', default: false },
  prefix: { type: 'string', default: DEFAULT_RESOURCE_PREFIX },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The `--entity` flag's value, checked against the table. */
/** An entity, or a GHL -> Relatel flow (`ghl-contacts`): whatever owns a queue and a DLQ. */
export function entityFlag(value: string | undefined): QueueOwner {
  const owners: readonly string[] = [...ENTITIES, ...GHL_FLOW_NAMES];
  if (value === undefined) throw new UsageError(`--entity is required (${owners.join(', ')})`);
  if (!owners.includes(value)) throw new UsageError(`--entity must be one of ${owners.join(', ')}`);
  return value as QueueOwner;
}

export function numberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} must be a positive number`);
  return number;
}

export interface AwsClients {
  sqs: SQSClient;
  dynamo: DynamoDBClient;
  where: string;
  destroy(): void;
}

export async function awsClients(local: boolean): Promise<AwsClients> {
  if (!local) {
    const sqs = new SQSClient({});
    const dynamo = new DynamoDBClient({});
    const region = await sqs.config.region().catch(() => undefined);
    if (!region) {
      sqs.destroy();
      dynamo.destroy();
      throw new UsageError(
        'No AWS region: set AWS_REGION (with credentials, e.g. AWS_PROFILE) to work on a deployed stack, or add --local to work on the local stack (npm start)',
      );
    }
    return { sqs, dynamo, where: `AWS (${region})`, destroy: () => (sqs.destroy(), dynamo.destroy()) };
  }
  // Loaded only here: it pulls in the local servers' packages.
  const localAws = await import('../local/aws/local-aws.js');
  const host = `http://${localAws.LOCAL_AWS_HOST}`;
  const sqsEndpoint = process.env.AWS_ENDPOINT_URL_SQS ?? `${host}:${localAws.DEFAULT_SQS_PORT}`;
  const dynamoEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `${host}:${localAws.DEFAULT_DYNAMODB_PORT}`;
  const sqs = localAws.localSqsClient(sqsEndpoint);
  const dynamo = localAws.localDynamoClient(dynamoEndpoint);
  return { sqs, dynamo, where: `the local stack (${sqsEndpoint}, ${dynamoEndpoint})`, destroy: () => (sqs.destroy(), dynamo.destroy()) };
}

/**
 * With --local, fills the variables a command reads (endpoints, secrets file and ids, the
 * simulators' URLs, the GHL location) from the running local stack (local/ops-env.ts); what the
 * caller exported wins. `needsSecrets`: the command reads Relatel or GHL, which needs the stack's
 * secrets file, present only while `npm start` runs.
 */
export async function useLocalStack(local: boolean, needsSecrets: boolean, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!local) return;
  // Loaded only here: they pull in the local servers' packages.
  const [{ existsSync }, { join }, { DEFAULT_WEBHOOK_PORT, localStateDir }, { LOCAL_SECRET_IDS }, { localStackOpsEnv }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../local/config.js'),
    import('../local/stack.js'),
    import('../local/ops-env.js'),
  ]);
  const secretsFile = env.LOCAL_SECRETS_FILE || join(localStateDir(Number(env.PORT || DEFAULT_WEBHOOK_PORT)), 'secrets.json');
  if (needsSecrets && !existsSync(secretsFile)) {
    throw new UsageError(`--local: ${secretsFile} is missing, so the local stack is not running from this checkout. Start it with \`npm start\`.`);
  }
  Object.assign(env, localStackOpsEnv(secretsFile, LOCAL_SECRET_IDS, env));
}

export function syncTableName(prefix: string): string {
  return process.env.SYNC_TABLE_NAME ?? SYNC_TABLE.name(prefix);
}

/**
 * Relatel's API with a token from RELATEL_API_TOKEN, or else from the secret RELATEL_SECRET_ID
 * (Secrets Manager, or LOCAL_SECRETS_FILE on the local stack). Base URL: RELATEL_API_BASE_URL.
 */
export function relatelFromEnvironment(env = process.env): RelatelClient {
  const direct = env.RELATEL_API_TOKEN;
  const secretId = env.RELATEL_SECRET_ID;
  if (!direct && !secretId) {
    throw new UsageError('Set RELATEL_API_TOKEN, or RELATEL_SECRET_ID (the RelatelApiTokenSecretArn stack output)');
  }
  let token: Promise<string> | undefined;
  return createRelatelClient({
    ...(env.RELATEL_API_BASE_URL ? { baseUrl: env.RELATEL_API_BASE_URL } : {}),
    token: () => (token ??= direct ? Promise.resolve(direct) : readRelatelToken(secretStoreFromEnvironment(env), secretId!)),
  });
}

/** Runs a command: usage errors print the usage, others their message only (no stack, no data). */
export async function runCommand(usage: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    const refused = refusedConnection(error);
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else if (refused) {
      console.error(`Failed: nothing answers at ${refused}. With --local, start the local stack first (npm start), with the same port variables.`);
      process.exitCode = 1;
    } else {
      console.error(`Failed: ${(error as Error).name}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  }
}

/** The address a refused connection was for (the SDK puts Node's error in `cause` or throws it as is). */
function refusedConnection(error: unknown): string | undefined {
  for (let current = error as { code?: string; address?: string; port?: number; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code === 'ECONNREFUSED') return current.address === undefined ? 'the endpoint' : `${current.address}:${current.port ?? ''}`;
  }
  return undefined;
}

export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h${String(minutes % 60).padStart(2, '0')}m` : `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/** The GHL client as the consumers build it, on the same secret and the same shared rate budget. */
export function ghlClient(aws: AwsClients, table: string) {
  // The consumers' shared GHL health: during an outage a script fails fast instead of piling on.
  return ghlClientOnTable(loadConfig(ghlClientConfigSchema), aws.dynamo, table, secretStoreFromEnvironment());
}
