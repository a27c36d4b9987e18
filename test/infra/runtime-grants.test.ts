/**
 * Each Lambda may do exactly what its code does: walks the synthesised template from every
 * AWS::Lambda::Function to its role's policies and to each resource its environment names
 * (queues, DLQs, table, secrets), and compares the actions granted on each resource with the
 * SDK calls the function makes on it. A missing grant fails in production on the first call; an
 * extra one is privilege nobody needs. The expected lists are written out here from reading the
 * code (lib/aws/*, lib/ops/dynamo-checkpoint.ts, functions/*), never taken from the stack.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import {
  ENV,
  asList,
  globMatches,
  referencedIds,
  referencedResource,
  resolveValue,
  resourcesOfType,
  type CfnTemplate,
  type Resource,
} from './template-walk.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

let template: CfnTemplate;

beforeAll(() => {
  const app = new App({
    context: {
      ...cdkJsonContext,
      ghlCalendarId: 'calendar-123',
      reconcileEnabled: 'true',
      // Deploys the GHL -> Relatel flow (opt-in): its door and its Relatel writer.
      ghlLocationId: 'location-123',
      'aws:cdk:bundling-stacks': [],
    },
  });
  const stack = new RelatelGhlSyncStack(app, 'RuntimeGrants', { config: loadInfraConfig(app.node) });
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

const sorted = (actions: Iterable<string>) => [...new Set(actions)].sort();

// What each function calls on the resource an environment variable names.
const SEND = ['sqs:SendMessage']; // SendMessageCommand (lib/aws/sqs-queue-sender.ts, SqsDeadLetterParker)
const READ_SECRET = ['secretsmanager:GetSecretValue']; // GetSecretValueCommand, AWSCURRENT and AWSPREVIOUS
const CONSUMER_EXPECTATIONS = (entity: string): Record<string, string[]> => ({
  // Its own queue: the event source mapping polls with the function's role (ReceiveMessage,
  // DeleteMessage, GetQueueAttributes); SqsVisibilityChanger sends ChangeMessageVisibilityBatch,
  // which IAM authorises as sqs:ChangeMessageVisibility.
  [`QUEUE_URL_${entity.toUpperCase()}`]: [
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
  ],
  // SqsDeadLetterParker parks a permanent failure with its reason.
  [`DLQ_URL_${entity.toUpperCase()}`]: SEND,
  // DynamoSyncStateStore (Get, Put, Update), DynamoRateBudgetStore (Get, Update), DynamoLock
  // (Put, Delete), DynamoGhlHealthStore (Get, Put), DynamoContactWaiters.add (Put) and .withdraw (Delete). listStates' Scan
  // runs only in `npm run verify`, with the operator's credentials.
  SYNC_TABLE_NAME: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // Reads the credentials; an OAuth refresh writes the new refresh token back (PutSecretValueCommand).
  GHL_SECRET_ID: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  RELATEL_SECRET_ID: READ_SECRET,
  ...(entity === 'contacts' ? CONTACTS_CONSUMER_EXPECTATIONS : CHILD_CONSUMER_EXPECTATIONS),
});
// The contacts consumer wakes children waiting for a contact: DynamoContactWaiters.take (Query,
// then DeleteItem per note) and SqsChildWaker's ChangeMessageVisibilityBatch in each child queue.
const WAKE = ['sqs:ChangeMessageVisibility'];
const CONTACTS_CONSUMER_EXPECTATIONS: Record<string, string[]> = {
  SYNC_TABLE_NAME: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  QUEUE_URL_TASKS: WAKE,
  QUEUE_URL_NOTES: WAKE,
  QUEUE_URL_APPOINTMENTS: WAKE,
};
// A child consumer queues a contact the sync never saw, read from Relatel (SqsQueueSender).
const CHILD_CONSUMER_EXPECTATIONS: Record<string, string[]> = {
  QUEUE_URL_CONTACTS: SEND,
};
const WEBHOOK_EXPECTATIONS: Record<string, string[]> = {
  QUEUE_URL_CONTACTS: SEND,
  QUEUE_URL_TASKS: SEND,
  QUEUE_URL_NOTES: SEND,
  QUEUE_URL_APPOINTMENTS: SEND,
  WEBHOOK_SECRET_ID: READ_SECRET,
};
const RECONCILE_EXPECTATIONS: Record<string, string[]> = {
  // runBackfill only enqueues contact events.
  QUEUE_URL_CONTACTS: SEND,
  // DynamoCheckpointStore: GetCommand and PutCommand of its checkpoint item.
  SYNC_TABLE_NAME: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  RELATEL_SECRET_ID: READ_SECRET,
};
const GHL_CATCH_UP_EXPECTATIONS: Record<string, string[]> = {
  // runGhlCatchUp queues synthetic GHL contact events on the flow's queue only.
  QUEUE_URL_GHL_CONTACTS: SEND,
  // DynamoGhlContactLinkStore.get (Get) and .list (Scan, the deletion sweep), DynamoCheckpointStore
  // (Get, Put), and the GHL client's DynamoRateBudgetStore (Get, Update), DynamoLock (Put, Delete),
  // DynamoGhlHealthStore (Get, Put).
  SYNC_TABLE_NAME: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
  // Reads the GHL credentials; an OAuth refresh writes the new refresh token back.
  GHL_SECRET_ID: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
};
const GHL_WEBHOOK_EXPECTATIONS: Record<string, string[]> = {
  // functions/ghl-webhook: SqsQueueSender to its flow's queue only.
  QUEUE_URL_GHL_CONTACTS: SEND,
  // cachedSigningSecrets reads AWSCURRENT and AWSPREVIOUS of the workflow secret.
  GHL_WORKFLOW_SECRET_ID: READ_SECRET,
};
const RELATEL_WRITER_EXPECTATIONS: Record<string, string[]> = {
  // Its own queue, polled by the event source mapping; SqsVisibilityChanger backs records off.
  QUEUE_URL_GHL_CONTACTS: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
  // SqsDeadLetterParker.
  DLQ_URL_GHL_CONTACTS: SEND,
  // DynamoGhlContactLinkStore (Get, Put), DynamoSyncStateStore's deliveries and contacts state
  // (Get, Put), DynamoRateBudgetStore of the Relatel budget (Get, Update). No DeleteItem: no lock.
  SYNC_TABLE_NAME: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // readRelatelToken; the writes to Relatel need the token's write access, not an AWS grant.
  RELATEL_SECRET_ID: READ_SECRET,
};
// Every function writes its own log group (and nothing else in CloudWatch Logs).
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

type Kind = { kind: 'consumer'; entity: string } | { kind: 'webhook' } | { kind: 'ghl-webhook' } | { kind: 'relatel-writer' } | { kind: 'reconcile' } | { kind: 'ghl-catch-up' };

/** Which function this is, from its environment; an unknown function fails until it is described here. */
function kindOf(logicalId: string, variables: Record<string, unknown>): Kind {
  if (typeof variables.ENTITY === 'string') return { kind: 'consumer', entity: variables.ENTITY };
  if ('WEBHOOK_SECRET_ID' in variables) return { kind: 'webhook' };
  if ('GHL_WORKFLOW_SECRET_ID' in variables) return { kind: 'ghl-webhook' };
  if ('RELATEL_RATE_LIMIT_REQUESTS' in variables) return { kind: 'relatel-writer' };
  if ('BACKFILL_RATE_PER_SECOND' in variables) return { kind: 'reconcile' };
  if ('CATCH_UP_RATE_PER_SECOND' in variables) return { kind: 'ghl-catch-up' };
  throw new Error(`${logicalId}: a function this test does not know; add what its code calls`);
}

function expectationsOf(kind: Kind): Record<string, string[]> {
  if (kind.kind === 'consumer') return CONSUMER_EXPECTATIONS(kind.entity);
  if (kind.kind === 'ghl-webhook') return GHL_WEBHOOK_EXPECTATIONS;
  if (kind.kind === 'relatel-writer') return RELATEL_WRITER_EXPECTATIONS;
  if (kind.kind === 'ghl-catch-up') return GHL_CATCH_UP_EXPECTATIONS;
  return kind.kind === 'webhook' ? WEBHOOK_EXPECTATIONS : RECONCILE_EXPECTATIONS;
}

const functions = () => resourcesOfType(template, 'AWS::Lambda::Function');
const variablesOf = (fn: Resource): Record<string, unknown> => fn.Properties?.Environment?.Variables ?? {};

/** The Allow statements that apply to a role: its inline policies and every AWS::IAM::Policy attached to it. */
function statementsOfRole(roleId: string): Record<string, unknown>[] {
  const role = template.Resources[roleId]!;
  expect(role.Type).toBe('AWS::IAM::Role');
  expect(role.Properties?.ManagedPolicyArns ?? [], `${roleId} managed policies`).toEqual([]);
  const documents = [
    ...asList(role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined).map((p) => p.PolicyDocument),
    ...resourcesOfType(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => asList(policy.Properties?.Roles).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
      .map(([, policy]) => policy.Properties!.PolicyDocument),
  ] as { Statement: unknown }[];
  const statements = documents.flatMap((document) => asList(document.Statement as Record<string, unknown>[]));
  for (const statement of statements) {
    expect(statement.Effect, JSON.stringify(statement)).toBe('Allow');
    expect(Object.keys(statement).filter((key) => key.startsWith('Not'))).toEqual([]);
  }
  return statements;
}

/**
 * Actions granted per resource: a statement's actions count for every resource it names. A
 * resource given as a literal (`*`, a hand-written ARN) is recorded under that literal, so it
 * matches no expectation and fails.
 */
function grantsOfRole(roleId: string): Map<string, string[]> {
  const grants = new Map<string, Set<string>>();
  for (const statement of statementsOfRole(roleId)) {
    for (const resource of asList(statement.Resource)) {
      const ids = referencedIds(resource);
      const key = ids.length === 1 ? ids[0]! : `literal ${resolveValue(resource)}`;
      const actions = grants.get(key) ?? new Set<string>();
      for (const action of asList(statement.Action as string | string[])) actions.add(action);
      grants.set(key, actions);
    }
  }
  return new Map([...grants].map(([key, actions]) => [key, sorted(actions)]));
}

/** What the function should be granted per resource: from its environment, plus its log group. */
function expectedGrants(logicalId: string, fn: Resource): Map<string, string[]> {
  const variables = variablesOf(fn);
  const expectations = expectationsOf(kindOf(logicalId, variables));
  const expected = new Map<string, string[]>();
  for (const [name, value] of Object.entries(variables)) {
    if (referencedIds(value).length === 0) continue; // a plain setting, not a resource
    const actions = expectations[name];
    if (actions === undefined) throw new Error(`${logicalId}: ${name} names a resource this test has no expectation for`);
    const [resourceId] = referencedResource(template, value);
    expected.set(resourceId, sorted([...(expected.get(resourceId) ?? []), ...actions]));
  }
  for (const name of Object.keys(expectations)) {
    expect(variables, `${logicalId} environment`).toHaveProperty(name);
  }
  const [logGroupId] = referencedResource(template, fn.Properties?.LoggingConfig?.LogGroup);
  expected.set(logGroupId, sorted(LOG_ACTIONS));
  return expected;
}

describe('runtime grants', () => {
  it('covers the four consumers, both doors, the Relatel writer, the reconciliation and the GHL catch-up', () => {
    const kinds = functions().map(([id, fn]) => kindOf(id, variablesOf(fn)));
    expect(kinds.map((k) => (k.kind === 'consumer' ? `consumer ${k.entity}` : k.kind)).sort()).toEqual([
      'consumer appointments',
      'consumer contacts',
      'consumer notes',
      'consumer tasks',
      'ghl-catch-up',
      'ghl-webhook',
      'reconcile',
      'relatel-writer',
      'webhook',
    ]);
  });

  it('grant each function exactly the actions its code calls on each resource of its environment, and nothing on anything else', () => {
    for (const [id, fn] of functions()) {
      const [roleId] = referencedResource(template, fn.Properties?.Role);
      const granted = Object.fromEntries(grantsOfRole(roleId));
      const expected = Object.fromEntries(expectedGrants(id, fn));
      expect(granted, id).toEqual(expected);
    }
  });

  it('let every consumer poll its own queue, the one its environment names', () => {
    for (const [id, fn] of functions()) {
      const kind = kindOf(id, variablesOf(fn));
      const ownQueueVariable = kind.kind === 'consumer' ? `QUEUE_URL_${kind.entity.toUpperCase()}` : kind.kind === 'relatel-writer' ? 'QUEUE_URL_GHL_CONTACTS' : undefined;
      if (ownQueueVariable === undefined) continue;
      const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
        ([, mapping]) => referencedIds(mapping.Properties?.FunctionName)[0] === id,
      );
      expect(mappings, id).toHaveLength(1);
      const [queueId] = referencedResource(template, mappings[0]![1].Properties?.EventSourceArn);
      const [ownQueueId] = referencedResource(template, variablesOf(fn)[ownQueueVariable]);
      expect(queueId, id).toBe(ownQueueId);
    }
  });
});

/** The ARN API Gateway presents when it invokes an integration for a route of a stage. */
function invocationArn(apiRef: string, stage: string, routeKey: string): string {
  const [method, path] = routeKey.split(' ');
  return `arn:${ENV.partition}:execute-api:${ENV.region}:${ENV.accountId}:${apiRef}/${stage}/${method}${path}`;
}

/** The door behind each route: Relatel's webhook, GHL's door. */
const DOOR_OF_ROUTE: Record<string, Kind['kind']> = { 'POST /webhooks/relatel': 'webhook', 'POST /webhooks/ghl': 'ghl-webhook' };
const isDoor = (kind: Kind) => kind.kind === 'webhook' || kind.kind === 'ghl-webhook';

/**
 * What stops API Gateway from invoking the function behind each route: every route's
 * integration must be that route's door (DOOR_OF_ROUTE), and a lambda:InvokeFunction permission for
 * apigateway.amazonaws.com must cover that route's ARN on every stage of this API (and not
 * another API's). Empty when all is well.
 */
function invocationProblems(t: CfnTemplate): string[] {
  const problems: string[] = [];
  const routes = resourcesOfType(t, 'AWS::ApiGatewayV2::Route');
  if (routes.length === 0) problems.push('no route');
  const stages = resourcesOfType(t, 'AWS::ApiGatewayV2::Stage').map(([, stage]) => stage.Properties!.StageName as string);
  for (const [routeId, route] of routes) {
    const [integrationId, integration] = referencedResource(t, route.Properties?.Target);
    if (integration.Type !== 'AWS::ApiGatewayV2::Integration' || resolveValue(route.Properties?.Target) !== `integrations/<Ref ${integrationId}>`) {
      problems.push(`${routeId}: target is not an integration`);
      continue;
    }
    const [functionId, fn] = referencedResource(t, integration.Properties?.IntegrationUri);
    const door = DOOR_OF_ROUTE[route.Properties!.RouteKey as string];
    if (fn.Type !== 'AWS::Lambda::Function' || door === undefined || kindOf(functionId, variablesOf(fn)).kind !== door) {
      problems.push(`${routeId}: integrates ${functionId}, not the route's door`);
      continue;
    }
    const apiRef = resolveValue(route.Properties?.ApiId);
    const permissions = resourcesOfType(t, 'AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties!)
      .filter((p) => referencedIds(p.FunctionName)[0] === functionId && p.Principal === 'apigateway.amazonaws.com');
    for (const stage of stages) {
      const arn = invocationArn(apiRef, stage, route.Properties!.RouteKey as string);
      const covers = (p: Record<string, any>, sourceArn: string) =>
        p.Action === 'lambda:InvokeFunction' && p.SourceArn !== undefined && globMatches(resolveValue(p.SourceArn), sourceArn, false);
      if (!permissions.some((p) => covers(p, arn))) problems.push(`${functionId} may not be invoked as ${arn}`);
      const otherApi = invocationArn('otherapi', stage, route.Properties!.RouteKey as string);
      if (permissions.some((p) => covers(p, otherApi) || p.SourceArn === undefined)) problems.push(`${functionId} may be invoked by another API`);
    }
  }
  for (const [id, permission] of resourcesOfType(t, 'AWS::Lambda::Permission')) {
    if (permission.Properties?.Principal !== 'apigateway.amazonaws.com') continue;
    const [functionId, fn] = referencedResource(t, permission.Properties.FunctionName);
    if (!isDoor(kindOf(functionId, variablesOf(fn)))) problems.push(`${id}: API Gateway may invoke ${functionId}`);
  }
  return problems;
}

describe('webhook invocation', () => {
  it('lets API Gateway invoke the door behind every route, for this API only, and no other function', () => {
    expect(invocationProblems(template)).toEqual([]);
  });

  it('would notice a missing, a too broad or a misdirected permission', () => {
    const edited = (edit: (permission: Record<string, any>) => void): CfnTemplate => {
      const copy = structuredClone(template);
      // The Relatel door's permission only: each case names one problem of one route.
      for (const [, permission] of resourcesOfType(copy, 'AWS::Lambda::Permission')) {
        if (permission.Properties?.Principal !== 'apigateway.amazonaws.com') continue;
        const [functionId, fn] = referencedResource(copy, permission.Properties.FunctionName);
        if (kindOf(functionId, variablesOf(fn)).kind === 'webhook') edit(permission.Properties);
      }
      return copy;
    };
    expect(invocationProblems(edited((p) => (p.Principal = 'events.amazonaws.com')))).toEqual([
      expect.stringMatching(/may not be invoked as arn:aws:execute-api:.*\/\$default\/POST\/webhooks\/relatel$/),
    ]);
    expect(invocationProblems(edited((p) => (p.SourceArn = 'arn:aws:execute-api:eu-west-1:111111111111:*')))).toEqual([
      expect.stringMatching(/may be invoked by another API/),
    ]);
    expect(invocationProblems(edited((p) => delete p.SourceArn))).toEqual([
      expect.stringMatching(/may not be invoked/),
      expect.stringMatching(/may be invoked by another API/),
    ]);
    const reconcileId = functions().find(([id, fn]) => kindOf(id, variablesOf(fn)).kind === 'reconcile')![0];
    expect(invocationProblems(edited((p) => (p.FunctionName = { 'Fn::GetAtt': [reconcileId, 'Arn'] })))).toEqual([
      expect.stringMatching(/may not be invoked/),
      expect.stringMatching(new RegExp(`API Gateway may invoke ${reconcileId}`)),
    ]);
  });
});
