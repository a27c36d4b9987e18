/**
 * Alarms reach on-call: walks the synthesised template from every alarm's actions to its SNS
 * topic, the topic's policy and the topic's KMS key, and asks each policy what AWS will ask it
 * when the alarm fires. A topic policy replaces SNS's default policy, so without a statement
 * allowing CloudWatch every alarm turns red in the console and pages nobody.
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
  evaluatePolicy,
  referencedResource,
  resolveValue,
  resourcesOfType,
  type CfnTemplate,
  type PolicyRequest,
  type Resource,
} from './template-walk.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

let template: CfnTemplate;

beforeAll(() => {
  // Bundling is skipped: these tests are about the template, not the code.
  // With the GHL -> Relatel flow (opt-in), so its DLQ alarm is walked too.
  const app = new App({ context: { ...cdkJsonContext, alarmEmail: 'on-call@example.com', ghlLocationId: 'location-123', 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelatelGhlSyncStack(app, 'AlarmDelivery', { config: loadInfraConfig(app.node) });
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm');

/** The ARN CloudWatch presents as aws:SourceArn; a name CloudFormation generates is unknown before deploy. */
function alarmArn(logicalId: string, alarm: Resource): string {
  const name = alarm.Properties?.AlarmName === undefined ? `${logicalId}-GENERATED` : resolveValue(alarm.Properties.AlarmName);
  return `arn:${ENV.partition}:cloudwatch:${ENV.region}:${ENV.accountId}:alarm:${name}`;
}

/** Every action of an alarm (ALARM, OK, INSUFFICIENT_DATA). */
function actionsOf(alarm: Resource): unknown[] {
  const properties = alarm.Properties ?? {};
  return [...asList(properties.AlarmActions), ...asList(properties.OKActions), ...asList(properties.InsufficientDataActions)];
}

/** The topic an action publishes to; an action that is not an SNS topic of this stack fails. */
function topicOf(action: unknown): [string, Resource] {
  const [id, resource] = referencedResource(template, action);
  expect(resource.Type, `alarm action ${JSON.stringify(action)}`).toBe('AWS::SNS::Topic');
  return [id, resource];
}

/** The one AWS::SNS::TopicPolicy of a topic; it replaces SNS's default policy. */
function topicPolicyOf(topicId: string): { Statement: unknown } {
  const policies = resourcesOfType(template, 'AWS::SNS::TopicPolicy').filter(([, policy]) =>
    asList(policy.Properties?.Topics).some((topic) => JSON.stringify(topic) === JSON.stringify({ Ref: topicId })),
  );
  expect(policies, `topic policies of ${topicId}`).toHaveLength(1);
  return policies[0]![1].Properties!.PolicyDocument;
}

/** The key policy of the KMS key a topic is encrypted with. */
function keyPolicyOf(topic: Resource): { policy: { Statement: unknown }; keyArn: string } {
  const [keyId, key] = referencedResource(template, topic.Properties?.KmsMasterKeyId);
  expect(key.Type).toBe('AWS::KMS::Key');
  return { policy: key.Properties!.KeyPolicy, keyArn: `arn:${ENV.partition}:kms:${ENV.region}:${ENV.accountId}:key/${keyId}` };
}

/** What CloudWatch presents when an alarm publishes: its service principal, the account and the alarm, over TLS. */
function cloudWatchRequest(action: string, resource: string, alarm: string, overrides: Record<string, string> = {}): PolicyRequest {
  return {
    service: 'cloudwatch.amazonaws.com',
    action,
    resource,
    context: { 'aws:SourceAccount': ENV.accountId, 'aws:SourceArn': alarm, 'aws:SecureTransport': 'true', ...overrides },
  };
}

/** Each (alarm, topic) pair the template wires. */
function deliveries(): { alarmId: string; alarm: string; topicId: string; topic: Resource }[] {
  return alarms().flatMap(([alarmId, alarm]) =>
    actionsOf(alarm).map((action) => {
      const [topicId, topic] = topicOf(action);
      return { alarmId, alarm: alarmArn(alarmId, alarm), topicId, topic };
    }),
  );
}

describe('every alarm reaches on-call', () => {
  it('notifies an SNS topic of the stack when it fires and when it clears', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms()) {
      expect(asList(alarm.Properties?.AlarmActions), `${id} AlarmActions`).not.toHaveLength(0);
      expect(asList(alarm.Properties?.OKActions), `${id} OKActions`).not.toHaveLength(0);
      for (const action of actionsOf(alarm)) topicOf(action);
    }
  });

  it("may publish to its topic: the topic's policy allows CloudWatch, and its TLS-only Deny does not refuse it", () => {
    for (const { alarmId, alarm, topicId } of deliveries()) {
      const request = cloudWatchRequest('sns:Publish', resolveValue({ Ref: topicId }), alarm);
      expect(evaluatePolicy(topicPolicyOf(topicId), request), `${alarmId} -> ${topicId}`).toBe('allowed');
    }
  });

  it("may use the topic's KMS key to encrypt and decrypt the notification", () => {
    for (const { alarmId, alarm, topicId, topic } of deliveries()) {
      const { policy, keyArn } = keyPolicyOf(topic);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect(evaluatePolicy(policy, cloudWatchRequest(action, keyArn, alarm)), `${alarmId} -> ${topicId}: ${action}`).toBe('allowed');
      }
    }
  });
});

describe('no one else publishes', () => {
  const otherAccount = '222222222222';

  it("refuses CloudWatch acting for another account's alarm, on the topic and on its key", () => {
    for (const { topicId, topic } of deliveries()) {
      const foreignAlarm = `arn:aws:cloudwatch:${ENV.region}:${otherAccount}:alarm:relatel-ghl-sync-contactsDeadLetter`;
      const publish = cloudWatchRequest('sns:Publish', resolveValue({ Ref: topicId }), foreignAlarm, { 'aws:SourceAccount': otherAccount });
      expect(evaluatePolicy(topicPolicyOf(topicId), publish)).not.toBe('allowed');
      const { policy, keyArn } = keyPolicyOf(topic);
      const useKey = cloudWatchRequest('kms:GenerateDataKey', keyArn, foreignAlarm, { 'aws:SourceAccount': otherAccount });
      expect(evaluatePolicy(policy, useKey)).not.toBe('allowed');
    }
  });

  it("refuses an alarm of this account that is not this stack's", () => {
    for (const { topicId } of deliveries()) {
      const strangerAlarm = `arn:aws:cloudwatch:${ENV.region}:${ENV.accountId}:alarm:some-other-app-cpu-high`;
      const publish = cloudWatchRequest('sns:Publish', resolveValue({ Ref: topicId }), strangerAlarm);
      expect(evaluatePolicy(topicPolicyOf(topicId), publish)).not.toBe('allowed');
    }
  });

  it('denies publishing without TLS, even to CloudWatch', () => {
    for (const { alarm, topicId } of deliveries()) {
      const publish = cloudWatchRequest('sns:Publish', resolveValue({ Ref: topicId }), alarm, { 'aws:SecureTransport': 'false' });
      expect(evaluatePolicy(topicPolicyOf(topicId), publish)).toBe('denied');
    }
  });
});
