/**
 * The metrics the alarms and the dashboard read, built once: the consumers' and the webhook's
 * EMF metrics (the names lib/ publishes) and the math over them. Shared by monitoring.ts (alarms)
 * and dashboard.ts, so an alarm and the graph beside it can never read different series.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ENTITIES, type Entity } from '../../lib/entities.js';
import { WEBHOOK_METRICS, WEBHOOK_SERVICE_NAME, WEBHOOK_SIGNATURE_FAILURES_METRIC } from '../../lib/ingest/observe.js';
import { METRICS_NAMESPACE } from '../../lib/observability.js';
import { CONSUMER_METRICS, consumerServiceName } from '../../lib/sync/observe.js';

/** Five minutes: long enough to smooth single requests, short enough to page within minutes. */
export const WINDOW = Duration.minutes(5);

/** An EMF metric of a consumer: Powertools adds the `service` dimension to the default `Entity`. */
export function consumerMetric(entity: Entity, metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: consumerServiceName(entity), Entity: entity },
    period: WINDOW,
    statistic: cloudwatch.Stats.SUM,
    ...options,
  });
}

export function webhookMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: WEBHOOK_SERVICE_NAME },
    period: WINDOW,
    statistic: cloudwatch.Stats.SUM,
  });
}

/** Share of webhook requests answered 5xx; 0 without requests (a division by 0 has no data point). */
export function webhook5xxPercent(api: apigw.HttpApi): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      requests: api.metricCount({ period: WINDOW, statistic: cloudwatch.Stats.SUM }),
      errors: api.metricServerError({ period: WINDOW, statistic: cloudwatch.Stats.SUM }),
    },
    label: 'webhook 5xx %',
    period: WINDOW,
  });
}

/**
 * Deliveries refused with a 4xx other than a signature failure (bad content type, size, JSON,
 * event shape): `WebhookRejected` counts every 4xx, `WebhookSignatureFailures` the 401s among
 * them. Data points only where something was rejected; a missing signature count is 0.
 */
export function webhookRefused(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'rejected - FILL(signatureFailures, 0)',
    usingMetrics: {
      rejected: webhookMetric(WEBHOOK_METRICS.rejected),
      signatureFailures: webhookMetric(WEBHOOK_SIGNATURE_FAILURES_METRIC),
    },
    label: 'refused',
    period: WINDOW,
  });
}

/**
 * Share of webhook deliveries refused (webhookRefused over every answered delivery), 0 below
 * `minCount` refusals. A rate, not a count: a changed envelope refuses every delivery, which a
 * rate sees at any traffic level, while a count would miss it on a quiet account and page on a
 * busy one for a steady trickle of malformed events. The minimum keeps one stray request in an
 * otherwise empty window (1 of 1 = 100%) from paging.
 */
export function webhookRefusedPercent(minCount: number): cloudwatch.MathExpression {
  const answered = Object.entries(WEBHOOK_METRICS).map(([kind, name]) => [kind, webhookMetric(name)] as const);
  return new cloudwatch.MathExpression({
    expression: `IF(refused >= ${minCount}, 100 * refused / deliveries, 0)`,
    usingMetrics: {
      refused: webhookRefused(),
      deliveries: new cloudwatch.MathExpression({
        // Every answer of the webhook counts exactly one outcome metric.
        expression: answered.map(([kind]) => `FILL(${kind}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(answered),
        label: 'deliveries',
        period: WINDOW,
      }),
    },
    label: 'refused %',
    period: WINDOW,
  });
}

/**
 * 1 while any consumer saw the shared GHL circuit open in a minute (GhlCircuitOpen, one value per
 * batch), its last value repeated over minutes without a batch: the circuit does not close by
 * itself between batches, and the records of a long outage come back minutes apart.
 */
export function ghlCircuitOpen(): cloudwatch.MathExpression {
  const usingMetrics = Object.fromEntries(
    ENTITIES.map((entity) => [
      `open_${entity}`,
      consumerMetric(entity, CONSUMER_METRICS.ghlCircuitOpen, { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }),
    ]),
  );
  return new cloudwatch.MathExpression({
    expression: `FILL(MAX([${Object.keys(usingMetrics).join(', ')}]), REPEAT)`,
    usingMetrics,
    label: 'GHL circuit open',
    period: Duration.minutes(1),
  });
}

/** The daily quota is one per GHL location, shared by all consumers: the lowest any of them saw. */
export function ghlDailyQuotaPercent(): cloudwatch.MathExpression {
  const usingMetrics = Object.fromEntries(
    ENTITIES.map((entity) => [
      `quota_${entity}`,
      consumerMetric(entity, CONSUMER_METRICS.ghlDailyQuotaRemainingPercent, { statistic: cloudwatch.Stats.MINIMUM }),
    ]),
  );
  return new cloudwatch.MathExpression({
    expression: `MIN([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    label: 'GHL daily quota left %',
    period: WINDOW,
  });
}
