/**
 * What the scheduled deletion sweep tells on-call: one log line per run, and per attempt two EMF
 * gauges that infra/constructs/monitoring.ts alarms on. Gauges (1 or 0 per attempt), not counts:
 * the alarms keep their state between attempts, which are a day apart by default, so a 0 is what
 * clears them, and only an attempt that got as far as deciding may send one.
 *
 * - GhlDeletionSweepRefused: 1 when the sweep refused (more candidates than lost webhooks
 *   explain), 0 when it completed or stopped; nothing on a walk cut short, which decided nothing.
 * - GhlDeletionSweepIncomplete: 1 when the walk could not read every contact, 0 when it did;
 *   also 1 for a run with no time left for a sweep overdue by a whole interval (it is not
 *   walking at all, which on-call must hear of as much as a walk cut short).
 *
 * Runs without an attempt (off, not due, no time left while not overdue) send nothing:
 * Powertools' "no metrics" warning is skipped by publishing only when a gauge was added.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '../observability.js';
import type { ScheduledDeletionSweepSummary } from './deletion-sweep-schedule.js';

/** Powertools `service` dimension of the catch-up's logs and metrics; infra/ reads metrics by it. */
export const GHL_CATCH_UP_SERVICE_NAME = 'ghl-catch-up';

export const DELETION_SWEEP_METRICS = {
  refused: 'GhlDeletionSweepRefused',
  incomplete: 'GhlDeletionSweepIncomplete',
} as const;

export type DeletionSweepGauges = Partial<Record<(typeof DELETION_SWEEP_METRICS)[keyof typeof DELETION_SWEEP_METRICS], 0 | 1>>;

/** The gauges an outcome sets; none when there was no attempt. */
export function deletionSweepGauges(summary: ScheduledDeletionSweepSummary): DeletionSweepGauges {
  switch (summary.outcome) {
    case 'off':
    case 'not-due':
      return {};
    case 'no-time':
      return summary.overdue ? { [DELETION_SWEEP_METRICS.incomplete]: 1 } : {};
    case 'walk-incomplete':
      return { [DELETION_SWEEP_METRICS.incomplete]: 1 };
    case 'refused':
      return { [DELETION_SWEEP_METRICS.incomplete]: 0, [DELETION_SWEEP_METRICS.refused]: 1 };
    case 'completed':
    case 'stopped':
      return { [DELETION_SWEEP_METRICS.incomplete]: 0, [DELETION_SWEEP_METRICS.refused]: 0 };
  }
}

/** Logs the sweep's summary (counts and GHL ids only) and publishes its gauges. */
export function recordDeletionSweep(
  summary: ScheduledDeletionSweepSummary,
  logger: Pick<Logger, 'info' | 'warn'>,
  metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>,
): void {
  // Warned: an outcome that needs on-call (docs/RUNBOOK.md, lost deletes); the gauges page.
  if (summary.outcome === 'walk-incomplete' || summary.outcome === 'refused' || (summary.outcome === 'no-time' && summary.overdue)) logger.warn('GHL deletion sweep', { ...summary });
  else logger.info('GHL deletion sweep', { ...summary });
  const gauges = Object.entries(deletionSweepGauges(summary));
  for (const [name, value] of gauges) metrics.addMetric(name, MetricUnit.Count, value);
  if (gauges.length > 0) metrics.publishStoredMetrics();
}
