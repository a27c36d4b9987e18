/**
 * What a consumer tells on-call: one structured log line per record with the correlation keys
 * (delivery id, event type, entity, Relatel id, GHL id, GHL traceId) and EMF metrics that the
 * dashboard and alarms read. Ids, types, reasons and numbers only: no payload field ever
 * reaches this module, and upstream error messages are redacted before they are logged.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { Entity, QueueOwner } from '../entities.js';
import { isSyncError } from '../errors.js';
import type { GhlCircuitBreakerOptions } from '../ghl/circuit-breaker.js';
import type { MappingIssue } from '../mapping/result.js';
import { MetricUnit, redactPersonalData } from '../observability.js';
import { receiveCountOf, type ConsumerObserver } from './consumer.js';
import { outcomeLabel } from './outcome.js';
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
  /** Records sent back unsent because the client held GHL requests back (open circuit, rate budget wait): not failures. */
  ghlWaits: 'GhlWaits',
  /** Children (tasks, notes, appointments) that hid to wait for their contact to land in GHL (`contact-pending`). */
  childWaits: 'ChildWaitsForContact',
  /**
   * 1 while the last GHL health state the consumer saw holds requests back (circuit open or
   * half-open, daily quota spent), else 0; one value per batch. The "GHL unavailable" alarm reads it.
   */
  ghlCircuitOpen: 'GhlCircuitOpen',
  mappingIssues: 'MappingIssues',
  /** GHL answers with 429, per batch. */
  ghlThrottled: 'GhlThrottled',
  /** GHL answers with another 4xx/5xx, per batch, by Status dimension. */
  ghlErrors: 'GhlErrors',
  /** X-RateLimit-Daily-Remaining of the last GHL answer of a batch, and as % of the daily limit. */
  ghlDailyQuotaRemaining: 'GhlDailyQuotaRemaining',
  ghlDailyQuotaRemainingPercent: 'GhlDailyQuotaRemainingPercent',
} as const;

/** Powertools `service` dimension of a consumer's metrics; infra/ reads metrics by it. */
export function consumerServiceName(entity: QueueOwner): string {
  return `consumer-${entity}`;
}

/**
 * Counts what GHL answers (statuses, the daily quota headers) by wrapping the GHL client's
 * fetch, so lib/ghl needs no metrics hook; `flush` emits one value per metric per batch, not
 * one per request. Every attempt counts, retries included: a 429 retried in process is still
 * a 429 GHL sent.
 */
export function meterGhlAnswers(entity: Entity, metrics: Metrics, fetchFn: typeof fetch = fetch) {
  let answers = 0;
  let throttled = 0;
  const errors = new Map<number, number>();
  let daily: { remaining: number; limit?: number } | undefined;

  const metered: typeof fetch = async (input, init) => {
    const response = await fetchFn(input, init);
    answers += 1;
    if (response.status === 429) throttled += 1;
    else if (response.status >= 400) errors.set(response.status, (errors.get(response.status) ?? 0) + 1);
    const remaining = headerNumber(response.headers, 'x-ratelimit-daily-remaining');
    if (remaining !== undefined) {
      const limit = headerNumber(response.headers, 'x-ratelimit-limit-daily');
      daily = { remaining, ...(limit !== undefined && { limit }) };
    }
    return response;
  };

  const flush = () => {
    if (answers > 0) metrics.addMetric(CONSUMER_METRICS.ghlThrottled, MetricUnit.Count, throttled);
    for (const [status, count] of errors) {
      const single = metrics.singleMetric();
      single.addDimension('Status', String(status));
      single.addMetric(CONSUMER_METRICS.ghlErrors, MetricUnit.Count, count);
    }
    if (daily !== undefined) {
      metrics.addMetric(CONSUMER_METRICS.ghlDailyQuotaRemaining, MetricUnit.Count, daily.remaining);
      if (daily.limit !== undefined && daily.limit > 0) {
        metrics.addMetric(CONSUMER_METRICS.ghlDailyQuotaRemainingPercent, MetricUnit.Percent, (100 * daily.remaining) / daily.limit);
      }
    }
    answers = 0;
    throttled = 0;
    errors.clear();
    daily = undefined;
  };

  return { fetch: metered, flush };
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export function observeConsumer(entity: QueueOwner, logger: Logger, metrics: Metrics, now: () => number = Date.now) {
  // Every metric, single metrics included (they copy the defaults), carries its entity.
  metrics.setDefaultDimensions({ Entity: entity });
  const observer: ConsumerObserver = {
    recordProcessed() {
      // Reported in detail by `onSynced`, which knows the outcomes.
    },
    recordFailed(record: SQSRecord, error: unknown, disposition) {
      const fields = { entity, messageId: record.messageId, receiveCount: receiveCountOf(record), disposition, ...describeFailure(error) };
      if (disposition === 'parked') {
        const reason = isSyncError(error) ? error.reason : 'unexpected-error';
        const single = metrics.singleMetric();
        single.addDimension('Reason', reason);
        single.addMetric(CONSUMER_METRICS.parked, MetricUnit.Count, 1);
        logger.error('Event parked in the DLQ', fields);
      } else if (disposition === 'quota-wait') {
        metrics.addMetric(CONSUMER_METRICS.quotaWaits, MetricUnit.Count, 1);
        logger.error('GHL daily quota exhausted: consumption paused', fields);
      } else if (disposition === 'ghl-wait') {
        // A wait, not a failure: one line per record at info; the circuit's changes are the news.
        metrics.addMetric(CONSUMER_METRICS.ghlWaits, MetricUnit.Count, 1);
        logger.info('GHL request held back: the event waits in its queue', fields);
      } else if (isSyncError(error) && error.reason === 'contact-pending') {
        // A wait for the contact, which wakes it: not a failure worth a warning per record.
        metrics.addMetric(CONSUMER_METRICS.childWaits, MetricUnit.Count, 1);
        logger.info('Waiting for its contact to land in GHL', fields);
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
        result: outcomeLabel(outcome.outcome),
        ghlCalls: outcome.ghlCalls,
      };
      metrics.addMetric(CONSUMER_METRICS.ghlCalls, MetricUnit.Count, outcome.ghlCalls);
      if (outcome.outcome.status === 'synced') {
        const lagMs = Math.max(0, now() - Date.parse(report.occurredAt));
        metrics.addMetric(CONSUMER_METRICS.synced, MetricUnit.Count, 1);
        metrics.addMetric(CONSUMER_METRICS.syncLag, MetricUnit.Milliseconds, lagMs);
        logger.info('Event synced', { ...fields, lagMs });
      } else {
        const single = metrics.singleMetric();
        single.addDimension('Reason', outcome.outcome.reason);
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

  /** Hooks of the duplicate-contacts lookup (duplicate-contacts.ts): what on-call should know of it. */
  const duplicateContactsHooks = {
    onUnreadable: () =>
      logger.warn(
        "GHL answered 401/403 to reading the location's settings: the token lacks the locations.readonly scope (or is invalid). New contacts are written by upsert and a tag call, 2 GHL calls instead of 1; grant the token locations.readonly to save the call.",
      ),
    onReadFailed: (error: unknown) =>
      logger.warn("Reading the location's duplicate-contact setting failed; new contacts take the upsert path for a minute", describeFailure(error)),
  };

  /** Each change of the shared GHL health state this consumer made or saw: once per change and process. */
  const onCircuitChange: NonNullable<GhlCircuitBreakerOptions['onChange']> = ({ from, to }) => {
    const fields = { entity, from: from.status, to: to.status, ...(to.status !== 'closed' && { cause: to.cause }) };
    if (to.status === 'closed') logger.info('GHL circuit closed: GHL answers again, requests resume', fields);
    else if (from.status === 'closed') logger.warn('GHL circuit opened: GHL requests held back until a probe succeeds', fields);
  };

  /** The `GhlCircuitOpen` gauge, once per batch (GhlCircuitBreaker.openGauge()). */
  const circuitGauge = (open: 0 | 1) => metrics.addMetric(CONSUMER_METRICS.ghlCircuitOpen, MetricUnit.Count, open);

  return { observer, onSynced, onMappingIssues, duplicateContactsHooks, onCircuitChange, circuitGauge };
}

function describeFailure(error: unknown) {
  if (isSyncError(error)) {
    return {
      kind: error.kind,
      reason: error.reason,
      ...(error.status !== undefined && { status: error.status }),
      ...(error.traceId !== undefined && { traceId: error.traceId }),
      // Not `message`: Powertools reserves that key for the log line's own text and drops it.
      error: redactPersonalData(error.message),
    };
  }
  if (error instanceof Error) return { kind: 'unexpected', reason: error.name, error: redactPersonalData(error.message) };
  return { kind: 'unexpected', reason: typeof error };
}
