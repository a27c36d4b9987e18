/**
 * Alarms and dashboard row of the scheduled jobs: the reconciliation, and the GHL catch-up with
 * its deletion sweep. Monitoring (monitoring.ts) names them and sends them to on-call; this file
 * says what each watches. Neither job is retried by EventBridge and nothing queues behind them,
 * so a failing run would otherwise page nobody: the next run fails the same way, silently.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { METRICS_NAMESPACE } from '../../lib/observability.js';
import { DELETION_SWEEP_METRICS, GHL_CATCH_UP_SERVICE_NAME } from '../../lib/reverse/deletion-sweep-observe.js';

const MIN_WINDOW = Duration.minutes(5);
const MAX_WINDOW = Duration.days(1);
/** Incomplete walks in a row that page: one can be a catch-up that used the invocation's time after an outage. */
export const INCOMPLETE_SWEEPS_TO_ALARM = 2;
/** CloudWatch: period x evaluation periods at most 7 days (periods of an hour or more). */
const MAX_EVALUATION_RANGE_HOURS = 7 * 24;

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)$/;

/**
 * The alarm window of a job's Lambda errors: the time between two scheduled runs, between 5
 * minutes and a day. Each window then holds about one run, so the alarm follows the latest run:
 * it fires when a run fails, stays red while runs keep failing, and clears when the next run
 * succeeds (Lambda reports Errors = 0 for it) or, with no run at all, one window later. A shorter
 * window would clear minutes after a failure and tell on-call it was fixed when nothing ran; a
 * longer one would keep a fixed job red. A cron with fixed hours: the shortest gap between them
 * (`cron(0 2 * * ? *)`: a day, also for a weekly one, as a window is at most a day); any other
 * cron (every hour, every 15 minutes, a range of hours): an hour.
 */
export function scheduleWindow(expression: string): Duration {
  const rate = RATE.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    const unit = rate[2]!.startsWith('minute') ? 1 : rate[2]!.startsWith('hour') ? 60 : 24 * 60;
    return Duration.minutes(Math.min(Math.max(amount * unit, MIN_WINDOW.toMinutes()), MAX_WINDOW.toMinutes()));
  }
  const cron = CRON.exec(expression);
  if (cron && /^\d+(,\d+)*$/.test(cron[2]!)) return Duration.hours(shortestGapHours(cron[2]!.split(',').map(Number)));
  return Duration.hours(1);
}

/** The shortest time between two of a cron's fixed hours, around the clock: `2` 24, `2,14` 12. */
function shortestGapHours(hours: number[]): number {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  return Math.min(...sorted.map((hour, i) => (i + 1 < sorted.length ? sorted[i + 1]! - hour : sorted[0]! + 24 - hour)));
}

/**
 * The period of the incomplete-walk alarm: the sweep's interval, so that each period holds at
 * most one attempt (attempts start at least the interval apart) and N periods in a row are N
 * attempts in a row; capped so N periods fit CloudWatch's 7-day evaluation range.
 */
export function deletionSweepPeriod(intervalHours: number): Duration {
  return Duration.hours(Math.min(Math.max(intervalHours, 1), Math.floor(MAX_EVALUATION_RANGE_HOURS / INCOMPLETE_SWEEPS_TO_ALARM)));
}

/** A gauge of the catch-up's deletion sweep (lib/reverse/deletion-sweep-observe.ts). */
export function deletionSweepMetric(metricName: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: GHL_CATCH_UP_SERVICE_NAME },
    period,
    statistic: cloudwatch.Stats.MAXIMUM,
  });
}

export interface ScheduledJob {
  /** Alarm name (Monitoring.alarms) and construct id stem. */
  readonly name: string;
  readonly title: string;
  readonly function: lambda.IFunction;
  /** The EventBridge schedule expression, which sets the alarm window. */
  readonly schedule: string;
  /** docs/RUNBOOK.md anchor of its errors alarm. */
  readonly runbookSection: string;
}

/** Lambda errors of a scheduled job, summed over its schedule window. */
export function scheduledJobErrors(job: ScheduledJob): cloudwatch.Metric {
  return job.function.metricErrors({ period: scheduleWindow(job.schedule), statistic: cloudwatch.Stats.SUM });
}

/** The dashboard's "scheduled jobs" row: failed runs, and the deletion sweep's outcome. */
export function scheduledJobsRow(jobs: readonly ScheduledJob[], sweepPeriod: Duration | undefined): cloudwatch.IWidget[] {
  const hour = { period: Duration.hours(1), statistic: cloudwatch.Stats.SUM };
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.GraphWidget({
      title: 'Scheduled jobs: runs and failed runs (per hour)',
      left: jobs.map((job) => job.function.metricErrors({ ...hour, label: `${job.title} errors` })),
      right: jobs.map((job) => job.function.metricInvocations({ ...hour, label: `${job.title} runs` })),
      width: 12,
    }),
  ];
  if (sweepPeriod !== undefined) {
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'GHL deletion sweep: refused, walk incomplete (1 = yes, per attempt)',
        left: [
          deletionSweepMetric(DELETION_SWEEP_METRICS.refused, Duration.hours(1)).with({ label: 'refused' }),
          deletionSweepMetric(DELETION_SWEEP_METRICS.incomplete, Duration.hours(1)).with({ label: 'walk incomplete' }),
        ],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
    );
  }
  return widgets;
}
