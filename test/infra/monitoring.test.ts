/**
 * What on-call sees and hears: the dashboard, every alarm with its threshold, action and runbook
 * section, and the reconciliation schedule. Bundling is skipped (these tests are not about code):
 * one synth with cdk.json's defaults, one with every monitoring setting changed.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import { ENTITIES } from '../../lib/entities.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
const runbook = readFileSync(new URL('../../docs/RUNBOOK.md', import.meta.url), 'utf8');
const changedSettings = {
  queueAgeAlarmSeconds: 600,
  webhook5xxAlarmPercent: 2,
  signatureFailuresAlarmCount: 50,
  webhookRefusedAlarmPercent: 25,
  webhookRefusedAlarmMinCount: 10,
  consumerErrorsAlarmCount: 1,
  ghlDailyQuotaAlarmPercent: 20,
  ghlUnavailableAlarmMinutes: 15,
  reconcileEnabled: 'true',
  reconcileSchedule: 'rate(6 hours)',
  reconcileRatePerSecond: 3,
};

function synth(context: Record<string, unknown>) {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelatelGhlSyncStack(app, 'Monitoring', { config: loadInfraConfig(app.node) });
  return { stack, template: Template.fromStack(stack) };
}

let defaults: ReturnType<typeof synth>;
let changed: ReturnType<typeof synth>;

beforeAll(() => {
  defaults = synth(cdkJsonContext);
  changed = synth({ ...cdkJsonContext, ...changedSettings });
});

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (template: Template, type: string) => Object.values(template.findResources(type)) as Resource[];

/** The alarm with this name (Monitoring.alarms), as synthesised. */
function alarm({ stack, template }: ReturnType<typeof synth>, name: string): Record<string, any> {
  const construct = stack.monitoring.alarms[name];
  if (construct === undefined) throw new Error(`no alarm ${name}`);
  const logicalId = (stack.resolve(construct.alarmArn) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return (template.toJSON().Resources[logicalId] as Resource).Properties;
}

/**
 * The dashboard body as JSON, each CloudFormation token replaced by what it points at
 * (`<Ref X>`, `<X.QueueName>`, `<AWS::Region>`), so widgets of different queues can be told apart.
 */
function dashboardBody(template: Template): { widgets: { properties: Record<string, any> }[] } {
  const [dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
  const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const text = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const { Ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
    if (Ref !== undefined) return `<Ref ${Ref}>`;
    if (getAtt !== undefined) return `<${getAtt.join('.')}>`;
    throw new Error(`unexpected token ${JSON.stringify(part)}`);
  };
  return JSON.parse(parts.map(text).join(''));
}

/** `<X.QueueName>`, as the dashboard names a queue. */
function queueNameToken({ stack }: ReturnType<typeof synth>, queue: { queueName: string }): string {
  const [logicalId] = (stack.resolve(queue.queueName) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  return `<${logicalId}.QueueName>`;
}

/** The dimensions of an alarm on one metric, as a name -> value map with tokens resolved. */
function dimensionsOf(properties: Record<string, any>): Record<string, unknown> {
  return Object.fromEntries((properties.Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]));
}

const widgetTitles = (template: Template) => dashboardBody(template).widgets.map((w) => w.properties.title as string);

function widget(template: Template, title: string): Record<string, any> {
  const found = dashboardBody(template).widgets.find((w) => w.properties.title === title);
  if (found === undefined) throw new Error(`no widget "${title}"`);
  return found.properties;
}

describe('dashboard', () => {
  it('shows, per entity, queue depth, age of oldest message, sync lag and errors', () => {
    const titles = widgetTitles(defaults.template);
    for (const entity of ENTITIES) {
      expect(titles).toEqual(
        expect.arrayContaining([
          `${entity}: queue depth`,
          `${entity}: age of oldest message (s)`,
          `${entity}: sync lag (ms)`,
          `${entity}: errors and 429s`,
        ]),
      );
    }
  });

  it('shows the GHL circuit, as the alarm reads it, beside the records each consumer held back', () => {
    const properties = widget(defaults.template, 'GHL: circuit open (1 = requests held back)');
    const metrics = JSON.stringify(properties.metrics);
    expect(metrics).toContain('FILL(MAX([open_contacts, open_tasks, open_notes, open_appointments]), REPEAT)');
    for (const entity of ['contacts', 'tasks', 'notes', 'appointments']) expect(metrics).toContain(`"${entity} records held back"`);
    expect(metrics).toContain('GhlWaits');
  });

  it('shows the children of each child entity waiting for their contact', () => {
    const metrics = JSON.stringify(widget(defaults.template, 'Children waiting for their contact').metrics);
    expect(metrics).toContain('ChildWaitsForContact');
    for (const entity of ['tasks', 'notes', 'appointments']) expect(metrics).toContain(`"${entity} waiting"`);
    expect(metrics).not.toContain('"contacts waiting"');
  });

  it('shows the DLQ depth beside each queue: its own queue waiting and in flight, its own DLQ', () => {
    for (const entity of ENTITIES) {
      const { queue, deadLetterQueue } = defaults.stack.pipelines[entity];
      const metrics = widget(defaults.template, `${entity}: queue depth`).metrics as unknown[][];
      // [namespace, metric, dimension name, dimension value, options]
      expect(metrics.map((m) => [m[1], m[3], (m.at(-1) as { label: string; yAxis?: string }).label, (m.at(-1) as { yAxis?: string }).yAxis])).toEqual([
        ['ApproximateNumberOfMessagesVisible', queueNameToken(defaults, queue), 'waiting', undefined],
        ['ApproximateNumberOfMessagesNotVisible', queueNameToken(defaults, queue), 'in flight', undefined],
        ['ApproximateNumberOfMessagesVisible', queueNameToken(defaults, deadLetterQueue), 'DLQ', 'right'],
      ]);
    }
  });

  it('shows sync lag as p50 and p99 of SyncLagMs', () => {
    const metrics = widget(defaults.template, 'contacts: sync lag (ms)').metrics as unknown[][];
    expect(metrics.map((m) => [m[1], (m.at(-1) as { stat: string }).stat])).toEqual([
      ['SyncLagMs', 'p50'],
      ['SyncLagMs', 'p99'],
    ]);
  });

  it('shows retries, DLQ moves, GHL 429s and Lambda errors as the error rates', () => {
    const metrics = JSON.stringify(widget(defaults.template, 'notes: errors and 429s').metrics);
    for (const name of ['RecordsRetried', 'DlqMoves', 'GhlThrottled', 'Errors']) {
      expect(metrics).toContain(name);
    }
  });

  it('shows webhook requests by status and signature failures', () => {
    expect(JSON.stringify(widget(defaults.template, 'webhook: requests by status').metrics)).toMatch(/"Count".*"4xx".*"5xx"/);
    expect(JSON.stringify(widget(defaults.template, 'webhook: signature failures').metrics)).toContain('WebhookSignatureFailures');
  });

  it('shows the refused-deliveries rate the alarm watches, with its threshold', () => {
    const properties = widget(changed.template, 'webhook: refused deliveries (%)');
    expect(JSON.stringify(properties.metrics)).toContain('IF(refused >= 10, 100 * refused / deliveries, 0)');
    expect(JSON.stringify(properties.metrics)).toContain('rejected - FILL(signatureFailures, 0)');
    expect(properties.annotations.horizontal).toEqual([{ value: 25, label: 'alarm', yAxis: 'left' }]);
  });

  it('starts with the state of every alarm', () => {
    const status = dashboardBody(defaults.template).widgets[0]!.properties;
    expect(status.title).toBe('Alarms');
    expect(status.alarms).toHaveLength(Object.keys(defaults.stack.monitoring.alarms).length);
  });
});

describe('alarms', () => {
  const perEntity = (name: string) => ENTITIES.map((entity) => `${entity}${name}`);
  const allAlarms = [
    ...perEntity('DeadLetter'),
    ...perEntity('QueueAge'),
    ...perEntity('ConsumerErrors'),
    'webhook5xx',
    'signatureFailures',
    'webhookRefused',
    'ghlDailyQuota',
    'ghlUnavailable',
    // The scheduled jobs' (test/infra/scheduled-job-alarms.test.ts); without ghlLocationId, the reconciliation only.
    'reconcileErrors',
  ];

  it('exist for DLQs, queue age, consumer errors, webhook 5xx, signature failures, refused webhooks, the GHL daily quota, GHL unavailable and reconciliation errors', () => {
    expect(Object.keys(defaults.stack.monitoring.alarms).sort()).toEqual([...allAlarms].sort());
    defaults.template.resourceCountIs('AWS::CloudWatch::Alarm', allAlarms.length);
  });

  it('notify the alarm topic when they fire and when they clear', () => {
    const topic = defaults.stack.resolve(defaults.stack.monitoring.alarmTopic.topicArn);
    for (const name of allAlarms) {
      expect(alarm(defaults, name)).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    }
  });

  it('name a runbook section that docs/RUNBOOK.md has', () => {
    for (const name of allAlarms) {
      const [, anchor] = /docs\/RUNBOOK\.md#([a-z0-9-]+)/.exec(alarm(defaults, name).AlarmDescription as string) ?? [];
      expect(anchor, name).toBeDefined();
      expect(runbook, `${name} -> #${anchor}`).toMatch(new RegExp(`id="${anchor}"`));
    }
  });

  it('page when the oldest message of a queue is older than 15 minutes, or queueAgeAlarmSeconds', () => {
    for (const entity of ENTITIES) {
      expect(alarm(defaults, `${entity}QueueAge`)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: expect.stringContaining('#queue-message-age'),
      });
      // Its own queue, not another entity's.
      expect(dimensionsOf(alarm(defaults, `${entity}QueueAge`))).toEqual({
        QueueName: defaults.stack.resolve(defaults.stack.pipelines[entity].queue.queueName),
      });
      expect(alarm(changed, `${entity}QueueAge`).Threshold).toBe(600);
    }
  });

  it('page on consumer Lambda errors, 3 in 5 minutes or consumerErrorsAlarmCount', () => {
    for (const entity of ENTITIES) {
      expect(alarm(defaults, `${entity}ConsumerErrors`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      // Its own consumer function.
      expect(dimensionsOf(alarm(defaults, `${entity}ConsumerErrors`))).toEqual({
        FunctionName: defaults.stack.resolve(defaults.stack.pipelines[entity].consumer.function.functionName),
      });
      expect(alarm(changed, `${entity}ConsumerErrors`).Threshold).toBe(1);
    }
  });

  it('page when 5% of webhook requests, or webhook5xxAlarmPercent, answer 5xx', () => {
    const properties = alarm(defaults, 'webhook5xx');
    expect(properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const metrics = properties.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!.Metric.Namespace, m.MetricStat!.Metric.MetricName]).sort()).toEqual([
      ['errors', 'AWS/ApiGateway', '5xx'],
      ['requests', 'AWS/ApiGateway', 'Count'],
    ]);
    expect(alarm(changed, 'webhook5xx').Threshold).toBe(2);
  });

  it('page on a spike of signature failures, 10 in 5 minutes or signatureFailuresAlarmCount', () => {
    expect(alarm(defaults, 'signatureFailures')).toMatchObject({
      Namespace: 'RelatelGhlSync',
      MetricName: 'WebhookSignatureFailures',
      Dimensions: [{ Name: 'service', Value: 'webhook' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
    });
    expect(alarm(changed, 'signatureFailures').Threshold).toBe(50);
  });

  it('page when 50% (or webhookRefusedAlarmPercent) of webhook deliveries, and 3 or more (webhookRefusedAlarmMinCount), are refused for anything but the signature', () => {
    const properties = alarm(defaults, 'webhookRefused');
    expect(properties).toMatchObject({
      Threshold: 50,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringContaining('docs/RUNBOOK.md#webhook-refused'),
    });
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData: boolean;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number };
    }[];
    const expressions = Object.fromEntries(metrics.filter((m) => m.Expression).map((m) => [m.Id, [m.Expression, m.ReturnData]]));
    expect(Object.values(expressions)).toEqual(
      expect.arrayContaining([
        ['IF(refused >= 3, 100 * refused / deliveries, 0)', true],
        ['rejected - FILL(signatureFailures, 0)', false],
        ['FILL(accepted, 0) + FILL(test, 0) + FILL(ignored, 0) + FILL(rejected, 0) + FILL(unavailable, 0)', false],
      ]),
    );
    expect(expressions.refused?.[0]).toBe('rejected - FILL(signatureFailures, 0)');
    expect(expressions.deliveries).toBeDefined();
    const stats = metrics
      .filter((m) => m.MetricStat)
      .map((m) => [m.Id, m.MetricStat!.Metric.Namespace, m.MetricStat!.Metric.MetricName, dimensionsOf(m.MetricStat!.Metric), m.MetricStat!.Stat, m.MetricStat!.Period]);
    const webhook = { service: 'webhook' };
    expect(stats.sort()).toEqual(
      [
        ['accepted', 'RelatelGhlSync', 'WebhookAccepted', webhook, 'Sum', 300],
        ['ignored', 'RelatelGhlSync', 'WebhookIgnored', webhook, 'Sum', 300],
        ['rejected', 'RelatelGhlSync', 'WebhookRejected', webhook, 'Sum', 300],
        ['signatureFailures', 'RelatelGhlSync', 'WebhookSignatureFailures', webhook, 'Sum', 300],
        ['test', 'RelatelGhlSync', 'WebhookTestEvents', webhook, 'Sum', 300],
        ['unavailable', 'RelatelGhlSync', 'WebhookUnavailable', webhook, 'Sum', 300],
      ].sort(),
    );
    const tightened = alarm(changed, 'webhookRefused');
    expect(tightened.Threshold).toBe(25);
    expect((tightened.Metrics as { Expression?: string }[]).map((m) => m.Expression)).toContain('IF(refused >= 10, 100 * refused / deliveries, 0)');
  });

  it('page when less than 10% (or ghlDailyQuotaAlarmPercent) of the GHL daily quota is left, as the lowest any consumer saw', () => {
    const properties = alarm(defaults, 'ghlDailyQuota');
    expect(properties).toMatchObject({ Threshold: 10, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'notBreaching' });
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string };
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('MIN([quota_contacts, quota_tasks, quota_notes, quota_appointments])');
    // One metric per consumer, each with its own service and Entity dimensions.
    const stats = metrics
      .filter((m) => m.MetricStat)
      .map((m) => [m.Id, m.MetricStat!.Metric.MetricName, m.MetricStat!.Stat, dimensionsOf(m.MetricStat!.Metric)]);
    expect(stats).toEqual(
      ['contacts', 'tasks', 'notes', 'appointments'].map((entity) => [
        `quota_${entity}`,
        'GhlDailyQuotaRemainingPercent',
        'Minimum',
        { service: `consumer-${entity}`, Entity: entity },
      ]),
    );
    expect(alarm(changed, 'ghlDailyQuota').Threshold).toBe(20);
  });

  it('page "GHL unavailable" when any consumer saw the GHL circuit open for 5 minutes (or ghlUnavailableAlarmMinutes), and clear when it closes', () => {
    const properties = alarm(defaults, 'ghlUnavailable');
    expect(properties).toMatchObject({
      AlarmName: 'relatel-ghl-sync-ghlUnavailable',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      // Minutes without a batch keep the state: the first batch after recovery (gauge 0) clears it.
      TreatMissingData: 'ignore',
      AlarmDescription: expect.stringContaining('docs/RUNBOOK.md#ghl-unavailable'),
    });
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number };
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(MAX([open_contacts, open_tasks, open_notes, open_appointments]), REPEAT)');
    const stats = metrics
      .filter((m) => m.MetricStat)
      .map((m) => [m.Id, m.MetricStat!.Metric.MetricName, m.MetricStat!.Stat, m.MetricStat!.Period, dimensionsOf(m.MetricStat!.Metric)]);
    expect(stats).toEqual(
      ['contacts', 'tasks', 'notes', 'appointments'].map((entity) => [
        `open_${entity}`,
        'GhlCircuitOpen',
        'Maximum',
        60,
        { service: `consumer-${entity}`, Entity: entity },
      ]),
    );
    expect(alarm(changed, 'ghlUnavailable')).toMatchObject({ EvaluationPeriods: 15, DatapointsToAlarm: 15 });
  });
});

describe('reconciliation schedule', () => {
  it('is off by default', () => {
    defaults.template.hasResourceProperties('AWS::Events::Rule', { State: 'DISABLED', ScheduleExpression: 'cron(0 2 * * ? *)' });
  });

  it('runs the reconcile function on the schedule from context when reconcileEnabled', () => {
    const { stack, template } = changed;
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      ScheduleExpression: 'rate(6 hours)',
      Targets: [{ Arn: stack.resolve(stack.reconciliation.function.function.functionArn), Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 0 } }],
    });
  });

  it('gives the reconcile function the contacts queue, the table, the Relatel secret and its rate', () => {
    const { stack, template } = changed;
    const logicalId = (stack.resolve(stack.reconciliation.function.function.functionName) as { Ref: string }).Ref;
    const variables = template.toJSON().Resources[logicalId].Properties.Environment.Variables;
    expect(variables).toMatchObject({
      QUEUE_URL_CONTACTS: stack.resolve(stack.pipelines.contacts.queue.queueUrl),
      SYNC_TABLE_NAME: stack.resolve(stack.syncState.table.tableName),
      RELATEL_SECRET_ID: stack.resolve(stack.secrets.relatelApiToken.secretArn),
      BACKFILL_RATE_PER_SECOND: '3',
    });
  });
});
