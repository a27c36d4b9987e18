/**
 * The deployable stack, asserted on its synthesised CloudFormation template. Synthesised once
 * for the file (bundling runs esbuild for every function) from cdk.json's context plus the
 * optional settings, exactly as infra/app.ts does.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig, type InfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import {
  CONSUMER_ENV,
  ENTITIES,
  SYNC_TABLE,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  queueName,
  queueUrlEnvVar,
  type Entity,
} from '../../lib/entities.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<
  string,
  unknown
>;
const optionalSettings = {
  alarmEmail: 'on-call@example.com',
  ghlCalendarId: 'calendar-123',
  mapping: { defaultCountry: 'DK' },
};

let app: App;
let stack: RelatelGhlSyncStack;
let template: Template;
let config: InfraConfig;

beforeAll(() => {
  app = new App({ context: { ...cdkJsonContext, ...optionalSettings } });
  config = loadInfraConfig(app.node);
  stack = new RelatelGhlSyncStack(app, 'RelatelGhlSync-test', { config });
  template = Template.fromStack(stack);
});

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (type: string) => template.findResources(type) as Record<string, Resource>;
const resolve = (value: unknown) => stack.resolve(value) as unknown;
const logicalIdOf = (ref: unknown) => (resolve(ref) as { Ref: string }).Ref;
const resourceOf = (ref: unknown): Resource => template.toJSON().Resources[logicalIdOf(ref)] as Resource;

interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
}
/** The role's inline policy statements, with single actions and resources as arrays, actions sorted. */
function statementsOf(role: IRole): Statement[] {
  const policies = Object.values(resourcesOf('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(resolve(role.roleName))),
  );
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map((s) => ({
      Effect: s.Effect as string,
      Action: ([s.Action].flat() as string[]).sort(),
      Resource: [s.Resource].flat(),
    })),
  );
}
const allow = (actions: string[], resources: unknown[]): Statement => ({
  Effect: 'Allow',
  Action: [...actions].sort(),
  Resource: resources.map(resolve),
});

describe('queues', () => {
  it('has one FIFO queue and one FIFO dead-letter queue per entity, named by lib/entities.ts', () => {
    template.resourceCountIs('AWS::SQS::Queue', ENTITIES.length * 2);
    for (const entity of ENTITIES) {
      for (const name of [queueName(entity), deadLetterQueueName(entity)]) {
        template.hasResourceProperties('AWS::SQS::Queue', {
          QueueName: name,
          FifoQueue: true,
          // Deduplication is by MessageDeduplicationId (the delivery id), never by body.
          ContentBasedDeduplication: false,
        });
      }
    }
  });

  it('redrives each queue to its own dead-letter queue only as a backstop, after 1000 receives', () => {
    for (const entity of ENTITIES) {
      const pipeline = stack.pipelines[entity];
      expect(resourceOf(pipeline.queue.queueUrl).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: resolve(pipeline.deadLetterQueue.queueArn),
        maxReceiveCount: 1000,
      });
    }
  });

  it('keeps queued messages 14 days, past the 24-hour retry horizon and any wait for GHL', () => {
    for (const entity of ENTITIES) {
      expect(resourceOf(stack.pipelines[entity].queue.queueUrl).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('keeps dead-lettered messages for 14 days, as docs/DEPLOYMENT.md promises', () => {
    for (const entity of ENTITIES) {
      expect(resourceOf(stack.pipelines[entity].deadLetterQueue.queueUrl).Properties.MessageRetentionPeriod).toBe(1_209_600);
    }
  });

  it('hides a received message for at least six times its consumer timeout', () => {
    for (const entity of ENTITIES) {
      const pipeline = stack.pipelines[entity];
      const visibility = resourceOf(pipeline.queue.queueUrl).Properties.VisibilityTimeout as number;
      const timeout = resourceOf(pipeline.consumer.function.functionName).Properties.Timeout as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  it('encrypts every queue at rest', () => {
    for (const queue of Object.values(resourcesOf('AWS::SQS::Queue'))) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('denies every request to every queue that does not use TLS', () => {
    const policies = Object.values(resourcesOf('AWS::SQS::QueuePolicy'));
    for (const [logicalId] of Object.entries(resourcesOf('AWS::SQS::Queue'))) {
      const policy = policies.find((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: logicalId }]));
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });
});

describe('consumers', () => {
  it('reads each queue in batches of 10, at most 2 at a time, reporting failed records one by one', () => {
    for (const entity of ENTITIES) {
      const pipeline = stack.pipelines[entity];
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: resolve(pipeline.queue.queueArn),
        FunctionName: resolve(pipeline.consumer.function.functionName),
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 2 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', ENTITIES.length);
  });

  it('runs functions/<entity>/handler.ts with the environment named by CONSUMER_ENV, its queue and its DLQ', () => {
    for (const entity of ENTITIES) {
      const pipeline = stack.pipelines[entity];
      const variables = resourceOf(pipeline.consumer.function.functionName).Properties.Environment.Variables;
      expect(variables).toEqual({
        [CONSUMER_ENV.entity]: entity,
        [CONSUMER_ENV.syncTableName]: resolve(stack.syncState.table.tableName),
        [CONSUMER_ENV.ghlSecretId]: resolve(stack.secrets.ghlCredentials.secretArn),
        [CONSUMER_ENV.relatelSecretId]: resolve(stack.secrets.relatelApiToken.secretArn),
        [CONSUMER_ENV.ghlBaseUrl]: 'https://services.leadconnectorhq.com',
        [CONSUMER_ENV.relatelApiBaseUrl]: 'https://app.relatel.dk/api/v2',
        [CONSUMER_ENV.ghlCalendarId]: 'calendar-123',
        [CONSUMER_ENV.rateLimitRequests]: '95',
        [CONSUMER_ENV.rateLimitIntervalMs]: '10000',
        [CONSUMER_ENV.circuitFailureThreshold]: '5',
        [CONSUMER_ENV.circuitFailureWindowMs]: '60000',
        [CONSUMER_ENV.circuitProbeIntervalMs]: '30000',
        [CONSUMER_ENV.mappingConfig]: JSON.stringify(optionalSettings.mapping),
        [CONSUMER_ENV.logLevel]: 'INFO',
        [CONSUMER_ENV.maxReceiveCount]: '1000',
        [CONSUMER_ENV.retryHorizonMs]: '86400000',
        [CONSUMER_ENV.createLeaseMs]: '120000',
        [queueUrlEnvVar(entity)]: resolve(pipeline.queue.queueUrl),
        [deadLetterQueueUrlEnvVar(entity)]: resolve(pipeline.deadLetterQueue.queueUrl),
        // Children waiting for their contact: the contacts consumer wakes them in their queues,
        // a child queues a contact the sync never saw on the contacts queue.
        ...Object.fromEntries(
          (entity === 'contacts' ? ['tasks', 'notes', 'appointments'] : ['contacts']).map((other) => [
            queueUrlEnvVar(other as Entity),
            resolve(stack.pipelines[other as Entity].queue.queueUrl),
          ]),
        ),
      });
    }
  });
});

describe('webhook API', () => {
  it('routes POST /webhooks/relatel to the webhook function', () => {
    const route = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'));
    expect(route.map((r) => r.Properties.RouteKey)).toEqual(['POST /webhooks/relatel']);
    const integration = Object.values(resourcesOf('AWS::ApiGatewayV2::Integration'));
    expect(integration).toHaveLength(1);
    expect(integration[0]?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: resolve(stack.ingest.webhook.function.functionArn),
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage with the rate and burst from context', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('writes access logs, without request bodies, to a log group with retention', () => {
    const stage = Object.values(resourcesOf('AWS::ApiGatewayV2::Stage'))[0]!;
    const { DestinationArn, Format } = stage.Properties.AccessLogSettings;
    expect(DestinationArn).toEqual(resolve(stack.ingest.accessLogs.logGroupArn));
    expect(Object.keys(JSON.parse(Format))).toEqual(expect.arrayContaining(['requestId', 'status', 'routeKey']));
    expect(Format).not.toMatch(/body/i);
    expect(resourceOf(stack.ingest.accessLogs.logGroupName).Properties.RetentionInDays).toBe(30);
  });

  it('gives the webhook every queue URL, its secret, the signature tolerance, the previous secret\'s grace window and the log level', () => {
    const variables = resourceOf(stack.ingest.webhook.function.functionName).Properties.Environment.Variables;
    expect(variables).toEqual({
      ...Object.fromEntries(
        ENTITIES.map((entity) => [queueUrlEnvVar(entity), resolve(stack.pipelines[entity].queue.queueUrl)]),
      ),
      WEBHOOK_SECRET_ID: resolve(stack.secrets.webhookSigningSecret.secretArn),
      SIGNATURE_TOLERANCE_SECONDS: '300',
      PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: '86400',
      LOG_LEVEL: 'INFO',
    });
  });

  it('outputs the full webhook URL to enter in Relatel', () => {
    template.hasOutput('WebhookUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/webhooks/relatel$')])] },
    });
  });
});

describe('functions', () => {
  it('runs every function on nodejs22.x and arm64, logging to its own log group with retention', () => {
    const functions = Object.values(resourcesOf('AWS::Lambda::Function'));
    // The consumers, the webhook and the reconciliation.
    expect(functions).toHaveLength(ENTITIES.length + 2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('least privilege', () => {
  it('grants no action on every resource', () => {
    for (const policy of Object.values(resourcesOf('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect([statement.Resource].flat()).not.toContain('*');
        expect([statement.Action].flat().some((action: string) => action.endsWith('*'))).toBe(false);
      }
    }
  });

  it('lets the webhook send to the four queues and read its one secret, nothing else', () => {
    const { webhook } = stack.ingest;
    const statements = statementsOf(webhook.role);
    expect(statements).toHaveLength(3);
    expect(statements).toEqual(
      expect.arrayContaining([
        allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [webhook.logGroup.logGroupArn]),
        allow(
          ['sqs:SendMessage'],
          ENTITIES.map((entity) => stack.pipelines[entity].queue.queueArn),
        ),
        allow(['secretsmanager:GetSecretValue'], [stack.secrets.webhookSigningSecret.secretArn]),
      ]),
    );
  });

  it('lets a consumer read its queue, park in its DLQ, use the sync table and the GHL and Relatel secrets, nothing else', () => {
    const { ghlCredentials, relatelApiToken } = stack.secrets;
    for (const entity of ENTITIES) {
      const { consumer, queue, deadLetterQueue } = stack.pipelines[entity];
      const statements = statementsOf(consumer.role);
      expect(statements).toHaveLength(entity === 'contacts' ? 8 : 7);
      expect(statements).toEqual(
        expect.arrayContaining([
          allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [consumer.logGroup.logGroupArn]),
          // The event source mapping polls with receive, delete and attributes; the consumer
          // backs records off with ChangeMessageVisibilityBatch.
          allow(
            ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
            [queue.queueArn],
          ),
          allow(['sqs:SendMessage'], [deadLetterQueue.queueArn]),
          // Item reads and writes only: sync state, rate budget and create lock (no Scan, Query or batch).
          allow(
            ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
            [stack.syncState.table.tableArn],
          ),
          allow(['secretsmanager:GetSecretValue'], [ghlCredentials.secretArn, relatelApiToken.secretArn]),
          // OAuth refresh writes the new refresh token back.
          allow(['secretsmanager:PutSecretValue'], [ghlCredentials.secretArn]),
          // Children waiting for their contact: the contacts consumer takes the waiting notes and
          // wakes the children in their queues; a child queues a contact the sync never saw.
          ...(entity === 'contacts'
            ? [
                allow(
                  ['sqs:ChangeMessageVisibility'],
                  (['tasks', 'notes', 'appointments'] as const).map((child) => stack.pipelines[child].queue.queueArn),
                ),
                allow(['dynamodb:Query'], [stack.syncState.table.tableArn]),
              ]
            : [allow(['sqs:SendMessage'], [stack.pipelines.contacts.queue.queueArn])]),
        ]),
      );
    }
  });
});

describe('sync-state table', () => {
  it('is keyed by pk and sk strings, expires items through expiresAt, billed on demand, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: SYNC_TABLE.name(),
      KeySchema: [
        { AttributeName: SYNC_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: SYNC_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: SYNC_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: SYNC_TABLE.sortKey, AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: SYNC_TABLE.ttlAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('survives the deletion of the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('secrets', () => {
  it('generates the webhook signing secret at deploy, letters and digits only', () => {
    expect(resourceOf(stack.secrets.webhookSigningSecret.secretArn).Properties.GenerateSecretString).toMatchObject({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
  });

  it('creates the GHL and Relatel secrets with a placeholder that is not a credential', () => {
    for (const secret of [stack.secrets.ghlCredentials, stack.secrets.relatelApiToken]) {
      const value = JSON.parse(resourceOf(secret.secretArn).Properties.SecretString as string);
      expect(value).not.toHaveProperty('type');
      expect(value).not.toHaveProperty('token');
    }
  });
});

describe('alarms', () => {
  it('raises one alarm per dead-letter queue as soon as one message is visible, to the alarm topic', () => {
    // The other alarms (queue age, errors, webhook, GHL quota) are tested in monitoring.test.ts.
    const alarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(alarms).toHaveLength(ENTITIES.length);
    const topic = resolve(stack.monitoring.alarmTopic.topicArn);
    for (const entity of ENTITIES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: resolve(stack.pipelines[entity].deadLetterQueue.queueName) }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
        AlarmDescription: Match.stringLikeRegexp(`docs/RUNBOOK\\.md#${entity}-dlq-not-empty`),
      });
    }
  });

  it('sends alarms through an encrypted topic that refuses non-TLS publishing', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: resolve(stack.monitoring.alarmTopic.masterKey!.keyArn),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets CloudWatch use the topic key, which the AWS managed SNS key would not allow', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('subscribes the alarmEmail from context to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: optionalSettings.alarmEmail,
      TopicArn: resolve(stack.monitoring.alarmTopic.topicArn),
    });
  });
});

describe('outputs', () => {
  it('names the webhook URL, every queue and DLQ URL, the table and every secret', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'WebhookUrl',
        'SyncTableName',
        'WebhookSigningSecretArn',
        'GhlCredentialsSecretArn',
        'RelatelApiTokenSecretArn',
        ...['Contacts', 'Tasks', 'Notes', 'Appointments'].flatMap((e) => [`${e}QueueUrl`, `${e}DeadLetterQueueUrl`]),
      ]),
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });
});
