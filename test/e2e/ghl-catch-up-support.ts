/**
 * What the GHL catch-up tests share: the environment the CDK stack gives the catch-up Lambda
 * (names read from the synthesised template, so a variable the construct adds or renames is
 * noticed here), filled with the local stack's values; a Lambda context whose remaining time
 * the test controls; a GHL simulator clock the test can set back; and GHL-side edits made as a
 * person in GHL's UI would make them (no webhook reaches the sync).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Context } from 'aws-lambda';
import { loadInfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import { LOCAL_SECRETS_FILE_ENV } from '../../lib/aws/secret-store-from-env.js';
import { GHL_API_VERSIONS } from '../../lib/ghl/types.js';
import type { SimulatorClock } from '../../local/ghl-simulator/index.js';
import type { LocalStack } from '../../local/stack.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

type Variables = Record<string, unknown>;

/** The catch-up function's environment in the synthesised stack (values may be CloudFormation references). */
export function cdkCatchUpEnvironment(): Variables {
  const app = new App({ context: { ...cdkJsonContext, ghlLocationId: 'location-123', 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelatelGhlSyncStack(app, 'CatchUpEnv', { config: loadInfraConfig(app.node) });
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  const variables = functions
    .map((fn) => (fn.Properties?.Environment?.Variables ?? {}) as Variables)
    .filter((vars) => 'CATCH_UP_RATE_PER_SECOND' in vars);
  if (variables.length !== 1) throw new Error(`expected one catch-up function in the stack, found ${variables.length}`);
  return variables[0]!;
}

/**
 * Each variable the stack sets, with the local stack's value where it has one (resources,
 * endpoints, the tuned GHL budget), else the stack's own plain value; plus what the Lambda
 * runtime and the local stack add (endpoints, credentials, region, the secrets file).
 */
export function localCatchUpEnvironment(stack: LocalStack, cdkEnvironment: Variables, overrides: Record<string, string> = {}): Record<string, string> {
  const local = stack.handlerEnv;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(cdkEnvironment)) {
    const localValue = local[name] ?? (typeof value === 'string' ? value : undefined);
    if (localValue === undefined) throw new Error(`the local stack has no value for ${name}, which the CDK stack sets from a resource`);
    env[name] = localValue;
  }
  const runtime = ['AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', LOCAL_SECRETS_FILE_ENV];
  for (const name of runtime) env[name] = local[name] as string;
  return { ...env, ...overrides };
}

/** A Lambda context; `remainingMs` answers getRemainingTimeInMillis (the test can shorten it mid-run). */
export function lambdaContext(remainingMs: () => number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'relatel-ghl-sync-ghl-catch-up',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:relatel-ghl-sync-ghl-catch-up',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/relatel-ghl-sync-ghl-catch-up',
    logStreamName: 'local',
    getRemainingTimeInMillis: remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The simulator's time, `offsetMs` away from now: contacts edited "yesterday" get yesterday's dateUpdated. */
export function shiftableClock(): SimulatorClock & { offsetMs: number } {
  const clock = {
    offsetMs: 0,
    now: () => Date.now() + clock.offsetMs,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
  };
  return clock;
}

/** Edits a GHL contact through the simulator's API, as GHL's UI would (no webhook follows). */
export async function editGhlContact(baseUrl: string, token: string, id: string, fields: Record<string, unknown>): Promise<{ dateUpdated: string }> {
  const response = await fetch(`${baseUrl}/contacts/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, version: GHL_API_VERSIONS.contacts, 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  if (!response.ok) throw new Error(`PUT /contacts/${id} answered ${response.status}`);
  return ((await response.json()) as { contact: { dateUpdated: string } }).contact;
}
