/**
 * What the Relatel writer tells on-call per event: one log line with ids, the action and the
 * Relatel calls spent, and EMF metrics beside the consumers' (failures and parking are the
 * shared consumer observer's, lib/sync/observe.ts). Never a contact field.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '../observability.js';
import { CONSUMER_METRICS } from '../sync/observe.js';
import type { RelatelWriteReport } from './record-processor.js';

/** Relatel requests per event (lookups included): 0 for an echo, 1 for a change. */
export const RELATEL_CALLS_METRIC = 'RelatelCalls';

export function observeRelatelWrites(logger: Logger, metrics: Metrics, now: () => number = Date.now) {
  return (report: RelatelWriteReport) => {
    const { result } = report;
    const fields = {
      deliveryId: report.deliveryId,
      eventType: report.eventType,
      ghlId: report.ghlId,
      ...(result.relatelId !== undefined && { relatelId: result.relatelId }),
      result: result.outcome.status === 'synced' ? result.outcome.action : result.outcome.reason,
      relatelCalls: result.relatelCalls,
    };
    metrics.addMetric(RELATEL_CALLS_METRIC, MetricUnit.Count, result.relatelCalls);
    if (result.outcome.status === 'synced') {
      const lagMs = Math.max(0, now() - Date.parse(report.occurredAt));
      metrics.addMetric(CONSUMER_METRICS.synced, MetricUnit.Count, 1);
      metrics.addMetric(CONSUMER_METRICS.syncLag, MetricUnit.Milliseconds, lagMs);
      logger.info('GHL contact event synced to Relatel', { ...fields, lagMs });
    } else {
      const single = metrics.singleMetric();
      single.addDimension('Reason', result.outcome.reason);
      single.addMetric(CONSUMER_METRICS.skipped, MetricUnit.Count, 1);
      logger.info('GHL contact event skipped', fields);
    }
  };
}
