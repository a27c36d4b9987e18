/**
 * Runs functions/webhook/handler.ts as Lambda would: environment set, a fresh module per cold
 * start, SQS and Secrets Manager mocked at the SDK client, and everything the function writes
 * to the console (Powertools logs and EMF metrics) captured instead of printed.
 */
import { ResourceNotFoundException, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { ENTITIES, queueName, queueUrlEnvVar, type Entity } from '../../../lib/entities.js';
import { lambdaContext, TEST_SIGNING_SECRET } from '../../factories/relatel-events.js';

export const SECRET_ID = 'relatel-ghl-sync/webhook-signing-secret';

export const QUEUE_URLS = Object.fromEntries(
  ENTITIES.map((entity) => [entity, `https://sqs.eu-north-1.amazonaws.com/123456789012/${queueName(entity)}`]),
) as Record<Entity, string>;

export const sqs = mockClient(SQSClient);
export const secretsManager = mockClient(SecretsManagerClient);

export type Invoke = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Everything written to the console since `captureConsole()`, one entry per call. */
export const consoleOutput: string[] = [];

export function captureConsole(): void {
  consoleOutput.length = 0;
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
}

/** The environment infra/ gives the function; Powertools writes to the (captured) console. */
export function stubWebhookEnvironment(overrides: Record<string, string> = {}): void {
  vi.stubEnv('AWS_REGION', 'eu-north-1');
  for (const entity of ENTITIES) vi.stubEnv(queueUrlEnvVar(entity), QUEUE_URLS[entity]);
  vi.stubEnv('WEBHOOK_SECRET_ID', SECRET_ID);
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  for (const [name, value] of Object.entries(overrides)) vi.stubEnv(name, value);
}

/**
 * What Secrets Manager holds for the signing secret; `previous` absent means never rotated.
 * `currentCreatedAt` is the current version's CreatedDate (the rotation's time): now by default.
 */
export function givenSigningSecret(current: string = TEST_SIGNING_SECRET, previous?: string, currentCreatedAt: Date = new Date()): void {
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: current, CreatedDate: currentCreatedAt });
  const previousStage = secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSPREVIOUS' });
  if (previous === undefined) {
    previousStage.rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret version", $metadata: {} }));
  } else {
    previousStage.resolves({ SecretString: previous, CreatedDate: new Date(currentCreatedAt.getTime() - 90 * 86_400_000) });
  }
}

/** A cold start: the handler module is evaluated afresh, with its own caches and clients. */
export async function coldStart(): Promise<Invoke> {
  vi.resetModules();
  const { handler } = await import('../../../functions/webhook/handler.js');
  return async (event) => (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
}

/** The EMF metric names emitted since `captureConsole()`. */
export function emittedMetricNames(): string[] {
  return consoleOutput.flatMap((line) => {
    try {
      const record = JSON.parse(line) as { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } };
      return record._aws?.CloudWatchMetrics?.flatMap((group) => group.Metrics?.map((metric) => metric.Name) ?? []) ?? [];
    } catch {
      return [];
    }
  });
}
