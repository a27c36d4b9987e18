/**
 * The on-call dashboard, row by row: alarm states; the Relatel webhook; GHL's health (quota,
 * circuit, waiting children, errors); then each entity's queue, age, lag and errors. Later rows
 * (the scheduled jobs, the GHL -> Relatel flow) are added by their own constructs.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ENTITIES } from '../../lib/entities.js';
import { WEBHOOK_METRICS, WEBHOOK_SIGNATURE_FAILURES_METRIC } from '../../lib/ingest/observe.js';
import { METRICS_NAMESPACE } from '../../lib/observability.js';
import { CONSUMER_METRICS } from '../../lib/sync/observe.js';
import { WINDOW, consumerMetric, ghlCircuitOpen, ghlDailyQuotaPercent, webhookMetric, webhookRefused, webhookRefusedPercent } from './metrics.js';
import type { WatchProps } from './monitoring.js';

export function buildDashboard(scope: Construct, { config, pipelines, ingest }: WatchProps, alarms: readonly cloudwatch.Alarm[]): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: config.resourcePrefix,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'webhook: requests by status',
      left: [
        ingest.api.metricCount({ period: WINDOW, label: 'requests' }),
        ingest.api.metricClientError({ period: WINDOW, label: '4xx' }),
        ingest.api.metricServerError({ period: WINDOW, label: '5xx' }),
      ],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'webhook: outcomes',
      left: Object.values(WEBHOOK_METRICS).map((name) => webhookMetric(name).with({ label: name })),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'webhook: signature failures',
      left: [webhookMetric(WEBHOOK_SIGNATURE_FAILURES_METRIC)],
      leftAnnotations: [{ value: config.signatureFailuresAlarmCount, label: 'alarm' }],
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'webhook: refused deliveries (%)',
      left: [webhookRefusedPercent(config.webhookRefusedAlarmMinCount)],
      leftAnnotations: [{ value: config.webhookRefusedAlarmPercent, label: 'alarm' }],
      leftYAxis: { min: 0, max: 100 },
      right: [webhookRefused().with({ label: 'refused (not signature)' })],
      width: 6,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'GHL: daily quota left (%)',
      left: [ghlDailyQuotaPercent()],
      leftAnnotations: [{ value: config.ghlDailyQuotaAlarmPercent, label: 'alarm' }],
      leftYAxis: { min: 0, max: 100 },
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'GHL: circuit open (1 = requests held back)',
      left: [ghlCircuitOpen()],
      leftYAxis: { min: 0, max: 1 },
      right: ENTITIES.map((entity) => consumerMetric(entity, CONSUMER_METRICS.ghlWaits, { label: `${entity} records held back` })),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Children waiting for their contact',
      left: ENTITIES.filter((entity) => entity !== 'contacts').map((entity) =>
        consumerMetric(entity, CONSUMER_METRICS.childWaits, { label: `${entity} waiting` }),
      ),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'GHL: 429s and errors by status',
      left: ENTITIES.map((entity) => consumerMetric(entity, CONSUMER_METRICS.ghlThrottled, { label: `${entity} 429` })),
      right: ENTITIES.map(
        (entity) =>
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},Entity,Status,service} MetricName="${CONSUMER_METRICS.ghlErrors}" Entity="${entity}"', 'Sum', 300)`,
            label: `${entity}`,
            period: WINDOW,
            usingMetrics: {},
          }),
      ),
      width: 12,
    }),
  );
  for (const entity of ENTITIES) {
    const { queue, deadLetterQueue, consumer } = pipelines[entity];
    const minute = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${entity}: queue depth`,
        left: [
          queue.metricApproximateNumberOfMessagesVisible({ ...minute, label: 'waiting' }),
          queue.metricApproximateNumberOfMessagesNotVisible({ ...minute, label: 'in flight' }),
        ],
        right: [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...minute, label: 'DLQ' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${entity}: age of oldest message (s)`,
        left: [queue.metricApproximateAgeOfOldestMessage({ ...minute, label: 'oldest' })],
        leftAnnotations: [{ value: config.queueAgeAlarmSeconds, label: 'alarm' }],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${entity}: sync lag (ms)`,
        left: [
          consumerMetric(entity, CONSUMER_METRICS.syncLag, { statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          consumerMetric(entity, CONSUMER_METRICS.syncLag, { statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${entity}: errors and 429s`,
        left: [
          consumerMetric(entity, CONSUMER_METRICS.retried, { label: 'retried' }),
          new cloudwatch.MathExpression({
            expression: `SUM(SEARCH('{${METRICS_NAMESPACE},Entity,Reason,service} MetricName="${CONSUMER_METRICS.parked}" Entity="${entity}"', 'Sum', 300))`,
            label: 'parked in DLQ',
            period: WINDOW,
            usingMetrics: {},
          }),
          consumerMetric(entity, CONSUMER_METRICS.ghlThrottled, { label: 'GHL 429' }),
          consumerMetric(entity, CONSUMER_METRICS.quotaWaits, { label: 'daily quota waits' }),
        ],
        right: [consumer.function.metricErrors({ period: WINDOW, label: 'Lambda errors' })],
        width: 6,
      }),
    );
  }
  return dashboard;
}
