/**
 * The GHL -> Relatel flow in the synthesised stack: deployed only when `ghlLocationId` is set,
 * then a second route on the same HTTP API, its own FIFO queue and DLQ, the DLQ alarm to
 * on-call, and nothing cdk-nag objects to. Grants: test/infra/runtime-grants.test.ts.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;

function synth(extra: Record<string, unknown>) {
  const app = new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...extra } });
  const stack = new RelatelGhlSyncStack(app, 'GhlFlow', { config: loadInfraConfig(app.node) });
  return { app, stack, template: Template.fromStack(stack) };
}

let withFlow: ReturnType<typeof synth>;
beforeAll(() => {
  withFlow = synth({ ghlLocationId: 've9EPM428h8vShlRW1KT', ghlWebhookEd25519PublicKeys: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----' });
});

describe('GHL -> Relatel flow in the stack', () => {
  it('is not deployed without ghlLocationId', () => {
    const { template } = synth({});
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/ghl' }, 0);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { QueueName: 'relatel-ghl-sync-ghl-contacts.fifo' }, 0);
  });

  it('has the contacts consumer keep the links only where the flow is deployed', () => {
    const linksFlag = (stack: ReturnType<typeof synth>['stack']) =>
      Object.fromEntries(
        (['contacts', 'tasks', 'notes', 'appointments'] as const).map((entity) => {
          const template = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
          const vars = Object.values(template)
            .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.ENTITY === entity)
            .map((r) => r.Properties.Environment!.Variables!.GHL_CONTACT_LINKS);
          return [entity, vars];
        }),
      );
    expect(linksFlag(withFlow.stack)).toEqual({ contacts: ['on'], tasks: [undefined], notes: [undefined], appointments: [undefined] });
    expect(linksFlag(synth({}).stack)).toEqual({ contacts: [undefined], tasks: [undefined], notes: [undefined], appointments: [undefined] });
  });

  it('adds POST /webhooks/ghl to the same HTTP API as Relatel\'s route', () => {
    const routes = withFlow.template.findResources('AWS::ApiGatewayV2::Route');
    const keys = Object.values(routes).map((route) => route.Properties.RouteKey as string).sort();
    expect(keys).toEqual(['POST /webhooks/ghl', 'POST /webhooks/relatel']);
    const apis = new Set(Object.values(routes).map((route) => JSON.stringify(route.Properties.ApiId)));
    expect(apis.size).toBe(1);
  });

  it('gives the flow a FIFO queue with explicit deduplication, redriving to its own FIFO DLQ', () => {
    withFlow.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'relatel-ghl-sync-ghl-contacts.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: false,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 1000 },
    });
    withFlow.template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'relatel-ghl-sync-ghl-contacts-dlq.fifo', FifoQueue: true });
  });

  it('alarms on-call as soon as one GHL event is parked', () => {
    withFlow.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'relatel-ghl-sync-ghl-contactsDeadLetter',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
      AlarmDescription: Match.stringLikeRegexp('docs/RUNBOOK.md#ghl-contacts-dlq-not-empty'),
    });
  });

  it('configures the door with the location, the keys and the workflow secret', () => {
    withFlow.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          GHL_LOCATION_ID: 've9EPM428h8vShlRW1KT',
          GHL_WEBHOOK_ED25519_PUBLIC_KEYS: Match.stringLikeRegexp('BEGIN PUBLIC KEY'),
          GHL_WEBHOOK_TOLERANCE_SECONDS: '300',
          GHL_WORKFLOW_SECRET_ID: Match.anyValue(),
          QUEUE_URL_GHL_CONTACTS: Match.anyValue(),
        }),
      },
    });
  });

  it('adds the flow to the dashboard: door outcomes, queue depth with the DLQ, writes and Relatel calls, lag', () => {
    const dashboards = Object.values(withFlow.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const title of ['ghl-contacts (GHL -> Relatel): door outcomes', 'ghl-contacts: queue depth', 'ghl-contacts: synced, skipped, Relatel calls', 'ghl-contacts: sync lag (ms)']) {
      expect(body).toContain(title);
    }
    expect(body).toContain('RelatelCalls');
    expect(body).toContain('consumer-ghl-contacts');
  });

  it('outputs the URL to give GHL', () => {
    withFlow.template.hasOutput('GhlContactsWebhookUrl', { Value: Match.anyValue() });
  });

  it('finds nothing for cdk-nag that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(withFlow.app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  it('schedules the GHL catch-up, disabled unless ghlCatchUpEnabled, hourly by default, not retried by EventBridge', () => {
    const catchUpRules = (template: Template) =>
      Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => rule.Properties.Description === 'Runs the GHL catch-up');
    const [off] = catchUpRules(withFlow.template);
    expect(off?.Properties).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'rate(1 hour)' });
    expect(off?.Properties.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });

    const on = synth({ ghlLocationId: 've9EPM428h8vShlRW1KT', ghlCatchUpEnabled: 'true', ghlCatchUpSchedule: 'rate(15 minutes)', ghlCatchUpRatePerSecond: 2, ghlDeletionSweepIntervalHours: 6 });
    expect(catchUpRules(on.template).map((rule) => rule.Properties)).toMatchObject([{ State: 'ENABLED', ScheduleExpression: 'rate(15 minutes)' }]);
    on.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CATCH_UP_RATE_PER_SECOND: '2', GHL_DELETION_SWEEP_INTERVAL_HOURS: '6', GHL_LOCATION_ID: 've9EPM428h8vShlRW1KT' }) },
    });
    expect(catchUpRules(synth({}).template)).toEqual([]);
  });
});
