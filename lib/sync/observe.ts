/**
 * What a consumer tells on-call: one structured log line per record with the correlation keys
 * (delivery id, event type, entity, Relatel id, GHL id, GHL traceId) and EMF metrics that the
 * dashboard and alarms read. Ids, types, reasons and numbers only: no payload field ever
 * reaches this module, and upstream error messages are redacted before they are logged.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Entity } from '../entities.js';
import { isSyncError } from '../errors.js';
import type { MappingIssue } from '../mapping/result.js';
import { MetricUnit, redactPersonalData } from '../observability.js';
import { receiveCountOf, type ConsumerObserver } from './consumer.js';
import type { SyncedEventReport } from './record-processor.js';

/** Metric names, shared with infra/ (dashboard, alarms) so the two cannot drift. */
export const CONSUMER_METRICS = {
  synced: 'EventsSynced',
  skipped: 'EventsSkipped',
  ghlCalls: 'GhlCalls',
  syncLag: 'SyncLagMs',
  retried: 'RecordsRetried',
  parked: 'DlqMoves',
  quotaWaits: 'QuotaExhaustedWaits',
  mappingIssues: 'MappingIssues',
} as const;

export function observeConsumer(entity: Entity, logger: Logger, metrics: Metrics, now: () => number = Date.now) {
  const observer: ConsumerObserver = {
    recordProcessed() {
      // Reported in detail by `onSynced`, which knows the outcomes.
    },
    recordFailed(record: SQSRecord, error: unknown, disposition) {
      const fields = { entity, messageId: record.messageId, receiveCount: receiveCountOf(record), disposition, ...describeFailure(error) };
      if (disposition === 'parked') {
        const reason = isSyncError(error) ? error.reason : 'unexpected-error';
        const single = metrics.singleMetric();
        single.addDimensions({ Entity: entity, Reason: reason });
        single.addMetric(CONSUMER_METRICS.parked, MetricUnit.Count, 1);
        logger.error('Event parked in the DLQ', fields);
      } else if (disposition === 'quota-wait') {
        metrics.addMetric(CONSUMER_METRICS.quotaWaits, MetricUnit.Count, 1);
        logger.error('GHL daily quota exhausted: consumption paused', fields);
      } else {
        metrics.addMetric(CONSUMER_METRICS.retried, MetricUnit.Count, 1);
        const loud = isSyncError(error) && error.kind === 'auth';
        (loud ? logger.error.bind(logger) : logger.warn.bind(logger))('Event failed, will be retried', fields);
      }
    },
  };

  const onSynced = (report: SyncedEventReport) => {
    for (const outcome of report.outcomes) {
      const fields = {
        entity: outcome.entity,
        deliveryId: report.deliveryId,
        eventType: report.eventType,
        relatelId: outcome.relatelId,
        ghlId: outcome.ghlId,
        result: outcome.result,
        ghlCalls: outcome.ghlCalls,
      };
      metrics.addMetric(CONSUMER_METRICS.ghlCalls, MetricUnit.Count, outcome.ghlCalls);
      if (outcome.result === 'synced') {
        const lagMs = Math.max(0, now() - Date.parse(report.occurredAt));
        metrics.addMetric(CONSUMER_METRICS.synced, MetricUnit.Count, 1);
        metrics.addMetric(CONSUMER_METRICS.syncLag, MetricUnit.Milliseconds, lagMs);
        logger.info('Event synced', { ...fields, lagMs });
      } else {
        const single = metrics.singleMetric();
        single.addDimensions({ Entity: entity, Reason: outcome.result });
        single.addMetric(CONSUMER_METRICS.skipped, MetricUnit.Count, 1);
        logger.info('Event skipped', fields);
      }
    }
  };

  const onMappingIssues = (issues: MappingIssue[]) => {
    if (issues.length === 0) return;
    metrics.addMetric(CONSUMER_METRICS.mappingIssues, MetricUnit.Count, issues.length);
    logger.warn('Fields left out of the GHL body', { entity, issues });
  };

  return { observer, onSynced, onMappingIssues };
}

function describeFailure(error: unknown) {
  if (isSyncError(error)) {
    return {
      kind: error.kind,
      reason: error.reason,
      ...(error.status !== undefined && { status: error.status }),
      ...(error.traceId !== undefined && { traceId: error.traceId }),
      message: redactPersonalData(error.message),
    };
  }
  if (error instanceof Error) return { kind: 'unexpected', reason: error.name, message: redactPersonalData(error.message) };
  return { kind: 'unexpected', reason: typeof error };
}
