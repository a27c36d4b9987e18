/**
 * The scheduled jobs page on-call: the reconciliation's and the GHL catch-up's failed runs, and
 * the deletion sweep refusing or never finishing its walk. Assertions on the synthesised
 * template: each alarm's metric, dimensions (the right function, the handler's service and metric
 * names), window, threshold and actions; the dashboard row. Delivery to the topic (its policy, its
 * key) is test/infra/alarm-delivery.test.ts, which walks every alarm, these included.
 */
import { readFileSync } from 'node:fs';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInfraConfig } from '../../infra/config.js';
import { deletionSweepPeriod, scheduleWindow } from '../../infra/constructs/scheduled-job-alarms.js';
import { RelatelGhlSyncStack } from '../../infra/stack.js';
import { DELETION_SWEEP_METRICS, GHL_CATCH_UP_SERVICE_NAME } from '../../lib/reverse/deletion-sweep-observe.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
const runbook = readFileSync(new URL('../../docs/RUNBOOK.md', import.meta.url), 'utf8');

function synth(context: Record<string, unknown>) {
  const app = new App({ context: { ...cdkJsonContext, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelatelGhlSyncStack(app, 'ScheduledJobAlarms', { config: loadInfraConfig(app.node) });
  return { stack, template: Template.fromStack(stack) };
}
type Synth = ReturnType<typeof synth>;

let relatelOnly: Synth;
let withGhl: Synth;
let changed: Synth;
let sweepOff: Synth;

beforeAll(() => {
  relatelOnly = synth({});
  withGhl = synth({ ghlLocationId: 'location-123' });
  changed = synth({ ghlLocationId: 'location-123', reconcileSchedule: 'rate(6 hours)', ghlCatchUpSchedule: 'rate(15 minutes)', ghlDeletionSweepIntervalHours: 12 });
  sweepOff = synth({ ghlLocationId: 'location-123', ghlDeletionSweepIntervalHours: 0 });
});

/** The synthesised properties of the alarm with this name (Monitoring.alarms). */
function alarm({ stack, template }: Synth, name: string): Record<string, any> {
  const construct = stack.monitoring.alarms[name];
  if (construct === undefined) throw new Error(`no alarm ${name}`);
  const logicalId = (stack.resolve(construct.alarmArn) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return template.toJSON().Resources[logicalId].Properties;
}

const dimensionsOf = (properties: Record<string, any>) =>
  Object.fromEntries((properties.Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]));

const scheduledAlarms = ['reconcileErrors', 'ghlCatchUpErrors', 'ghlDeletionSweepRefused', 'ghlDeletionSweepIncomplete'];

describe('alarms of the scheduled jobs', () => {
  it('exist for the reconciliation always, and for the catch-up and its deletion sweep when the GHL flow is deployed', () => {
    const present = (s: Synth) => scheduledAlarms.filter((name) => name in s.stack.monitoring.alarms);
    expect(present(relatelOnly)).toEqual(['reconcileErrors']);
    expect(present(withGhl)).toEqual(scheduledAlarms);
    // ghlDeletionSweepIntervalHours = 0: no sweep, nothing to refuse.
    expect(present(sweepOff)).toEqual(['reconcileErrors', 'ghlCatchUpErrors']);
  });

  it('notify the alarm topic when they fire and when they clear, with a runbook section docs/RUNBOOK.md has', () => {
    const topic = withGhl.stack.resolve(withGhl.stack.monitoring.alarmTopic.topicArn);
    for (const name of scheduledAlarms) {
      const properties = alarm(withGhl, name);
      expect(properties, name).toMatchObject({ AlarmName: `relatel-ghl-sync-${name}`, AlarmActions: [topic], OKActions: [topic] });
      const [, anchor] = /Runbook: docs\/RUNBOOK\.md#([a-z0-9-]+)$/.exec(properties.AlarmDescription as string) ?? [];
      expect(anchor, name).toBeDefined();
      expect(runbook, `${name} -> #${anchor}`).toMatch(new RegExp(`id="${anchor}"`));
    }
  });

  it.each([
    // Daily by default (a day); rate(6 hours) in the changed synth.
    { job: 'reconciliation', name: 'reconcileErrors', period: 86_400, changedPeriod: 6 * 3600, fn: (stack: RelatelGhlSyncStack) => stack.reconciliation.function },
    // Hourly by default (an hour); every 15 minutes in the changed synth.
    { job: 'catch-up', name: 'ghlCatchUpErrors', period: 3600, changedPeriod: 15 * 60, fn: (stack: RelatelGhlSyncStack) => stack.ghlCatchUp!.function },
  ])("page on one failed $job run: its own function's Lambda Errors, summed over its schedule", ({ name, period, changedPeriod, fn }) => {
    const { stack } = withGhl;
    expect(alarm(withGhl, name)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: period,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(dimensionsOf(alarm(withGhl, name))).toEqual({ FunctionName: stack.resolve(fn(stack).function.functionName) });
    expect(alarm(changed, name).Period).toBe(changedPeriod);
  });

  it("page when the deletion sweep refuses: the catch-up handler's GhlDeletionSweepRefused gauge, held until the next attempt that decided", () => {
    expect(alarm(withGhl, 'ghlDeletionSweepRefused')).toMatchObject({
      Namespace: 'RelatelGhlSync',
      MetricName: DELETION_SWEEP_METRICS.refused,
      Dimensions: [{ Name: 'service', Value: GHL_CATCH_UP_SERVICE_NAME }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      // Attempts are a day apart: the quiet hours between keep the alarm red; the next 0 clears it.
      TreatMissingData: 'ignore',
    });
    expect(DELETION_SWEEP_METRICS.refused).toBe('GhlDeletionSweepRefused');
  });

  it('page when the walk was cut short 2 attempts in a row: GhlDeletionSweepIncomplete, one period per sweep interval', () => {
    expect(alarm(withGhl, 'ghlDeletionSweepIncomplete')).toMatchObject({
      Namespace: 'RelatelGhlSync',
      MetricName: 'GhlDeletionSweepIncomplete',
      Dimensions: [{ Name: 'service', Value: 'ghl-catch-up' }],
      Statistic: 'Maximum',
      Period: 24 * 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'ignore',
    });
    expect(alarm(changed, 'ghlDeletionSweepIncomplete').Period).toBe(12 * 3600);
  });
});

describe('alarm windows', () => {
  it('follow the schedule: the time between two runs, from 5 minutes to a day', () => {
    const minutes = (expression: string) => scheduleWindow(expression).toMinutes();
    expect(minutes('rate(1 hour)')).toBe(60);
    expect(minutes('rate(6 hours)')).toBe(360);
    expect(minutes('rate(15 minutes)')).toBe(15);
    expect(minutes('rate(1 minute)')).toBe(5);
    expect(minutes('rate(7 days)')).toBe(1440);
    expect(minutes('cron(0 2 * * ? *)')).toBe(1440);
    expect(minutes('cron(0 2,14 * * ? *)')).toBe(720);
    expect(minutes('cron(30 23,1 ? * MON-FRI *)')).toBe(120);
    expect(minutes('cron(0 8-17 * * ? *)')).toBe(60);
    expect(minutes('cron(0 * * * ? *)')).toBe(60);
    expect(minutes('cron(0/15 * * * ? *)')).toBe(60);
  });

  it("of the incomplete walk: the sweep's interval, two of them within CloudWatch's 7-day evaluation range", () => {
    expect(deletionSweepPeriod(24).toHours()).toBe(24);
    expect(deletionSweepPeriod(1).toHours()).toBe(1);
    expect(deletionSweepPeriod(24 * 30).toHours()).toBe(84);
    expect(deletionSweepPeriod(24 * 30).toSeconds() * 2).toBeLessThanOrEqual(Duration.days(7).toSeconds());
  });
});

describe('dashboard', () => {
  /** The dashboard body with every token replaced by a placeholder: only titles and metric names are asserted. */
  function widgets(template: Template): { properties: Record<string, any> }[] {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: Record<string, any> }[];
    const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')).widgets;
  }
  const widget = (template: Template, title: string) => widgets(template).find((w) => w.properties.title === title)?.properties;

  it('shows each scheduled job\'s runs and failed runs, and the sweep\'s refused and incomplete gauges', () => {
    const runs = JSON.stringify(widget(withGhl.template, 'Scheduled jobs: runs and failed runs (per hour)')?.metrics);
    for (const label of ['reconciliation errors', 'GHL catch-up errors', 'reconciliation runs', 'GHL catch-up runs']) expect(runs).toContain(`"${label}"`);
    const sweep = JSON.stringify(widget(withGhl.template, 'GHL deletion sweep: refused, walk incomplete (1 = yes, per attempt)')?.metrics);
    expect(sweep).toContain('"GhlDeletionSweepRefused","service","ghl-catch-up"');
    expect(sweep).toContain('"GhlDeletionSweepIncomplete","service","ghl-catch-up"');
  });

  it('shows the new alarms in the alarm status row, and no catch-up where it is not deployed', () => {
    const status = widgets(withGhl.template)[0]!.properties;
    expect(status.alarms).toHaveLength(Object.keys(withGhl.stack.monitoring.alarms).length);
    expect(JSON.stringify(widget(relatelOnly.template, 'Scheduled jobs: runs and failed runs (per hour)')?.metrics)).not.toContain('GHL catch-up');
    expect(widget(relatelOnly.template, 'GHL deletion sweep: refused, walk incomplete (1 = yes, per attempt)')).toBeUndefined();
  });
});
