/**
 * Context settings reach the resources they govern (nothing is hard-coded to the defaults).
 * Bundling is skipped here: stack.test.ts already bundles every function once.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import { CONSUMER_ENV, ENTITIES, SYNC_TABLE, deadLetterQueueName, queueName } from '../../lib/entities.js';

const settings = {
  resourcePrefix: 'acme-sync',
  maxReceiveCount: 3,
  consumerBatchSize: 5,
  consumerMaxConcurrency: 4,
  consumerTimeoutSeconds: 30,
  apiThrottleRateLimit: 10,
  apiThrottleBurstLimit: 20,
  logRetentionDays: 7,
  previousSigningSecretGraceSeconds: 0,
};

let template: Template;

beforeAll(() => {
  const app = new App({ context: { ...settings, 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new RelatelGhlSyncStack(app, 'Settings', { config: loadInfraConfig(app.node) }));
});

describe('settings from context', () => {
  it('names queues, DLQs and the table with the resource prefix', () => {
    for (const entity of ENTITIES) {
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: queueName(entity, 'acme-sync') });
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: deadLetterQueueName(entity, 'acme-sync') });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: SYNC_TABLE.name('acme-sync') });
  });

  it('redrives after maxReceiveCount receives', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }));
    expect(queues.map((q) => q.Properties.RedrivePolicy.maxReceiveCount)).toEqual([3, 3, 3, 3]);
  });

  it('derives visibility timeouts from the consumer timeout', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }));
    expect(queues.map((q) => q.Properties.VisibilityTimeout)).toEqual([180, 180, 180, 180]);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Timeout: 30 }, ENTITIES.length);
  });

  it('applies batch size and maximum concurrency to every event source', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      { BatchSize: 5, ScalingConfig: { MaximumConcurrency: 4 } },
      ENTITIES.length,
    );
  });

  it('throttles the stage with the given rate and burst', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('keeps every log group for the given retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual(groups.map(() => 7));
  });

  it("gives the webhook the previous signing secret's grace window (0: the previous secret is refused)", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_SECRET_ID: Match.anyValue(), PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: '0' }) },
    });
  });

  it('subscribes no one to the alarm topic without alarmEmail', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('leaves the calendar and mapping unset in the consumers when context has none', () => {
    const consumers = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [CONSUMER_ENV.entity]: Match.anyValue() } } },
      }),
    );
    expect(consumers).toHaveLength(ENTITIES.length);
    for (const consumer of consumers) {
      expect(consumer.Properties.Environment.Variables).not.toHaveProperty(CONSUMER_ENV.ghlCalendarId);
      expect(consumer.Properties.Environment.Variables).not.toHaveProperty(CONSUMER_ENV.mappingConfig);
    }
  });
});
