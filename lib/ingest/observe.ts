/**
 * Logs and counts each webhook answer. One structured line per request with ids, types and
 * reasons only (payload fields never reach this module), and one EMF count per outcome, so
 * dashboards and alarms can watch e.g. `WebhookUnavailable` or a surge of `WebhookIgnored`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit, redactPersonalData } from '../observability.js';
import type { IngestOutcome, IngestOutcomeKind } from './webhook.js';

export const WEBHOOK_METRICS: Readonly<Record<IngestOutcomeKind, string>> = {
  accepted: 'WebhookAccepted',
  test: 'WebhookTestEvents',
  ignored: 'WebhookIgnored',
  rejected: 'WebhookRejected',
  unavailable: 'WebhookUnavailable',
};

/** Powertools `service` dimension of the webhook's metrics; infra/ reads metrics by it. */
export const WEBHOOK_SERVICE_NAME = 'webhook';

/**
 * Rejections for a bad signature (`signature-missing`, `-malformed`, `-stale`, `-mismatch`),
 * counted apart so an alarm can tell a wrong secret or an attack from ordinary bad requests;
 * the reason itself is in the log line.
 */
export const WEBHOOK_SIGNATURE_FAILURES_METRIC = 'WebhookSignatureFailures';

export function recordIngestOutcome(outcome: IngestOutcome, statusCode: number, logger: Logger, metrics: Metrics): void {
  metrics.addMetric(WEBHOOK_METRICS[outcome.kind], MetricUnit.Count, 1);
  if (outcome.kind === 'rejected' && (outcome.reason?.startsWith('signature-') || outcome.reason?.startsWith('workflow-secret-'))) {
    metrics.addMetric(WEBHOOK_SIGNATURE_FAILURES_METRIC, MetricUnit.Count, 1);
  }
  const fields = {
    outcome: outcome.kind,
    statusCode,
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.deliveryId === undefined ? {} : { deliveryId: outcome.deliveryId }),
    ...(outcome.eventType === undefined ? {} : { eventType: outcome.eventType }),
    ...(outcome.entity === undefined ? {} : { entity: outcome.entity }),
  };
  if (outcome.kind === 'unavailable') {
    logger.error('Webhook not accepted, the sender will retry', { ...fields, error: describeError(outcome.error) });
  } else if (outcome.kind === 'rejected') {
    logger.warn('Webhook rejected', fields);
  } else if (outcome.kind === 'ignored') {
    logger.warn('Webhook of an event type the sync does not act on, ignored', fields);
  } else {
    logger.info('Webhook answered', fields);
  }
}

/** Name and message only, redacted: an upstream message may quote what it was sent. */
export function describeError(error: unknown): { name: string; message: string } | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) return { name: error.name, message: redactPersonalData(error.message) };
  return { name: typeof error, message: 'non-error value thrown' };
}
