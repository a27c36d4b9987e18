/**
 * The deletion sweep's gauges as the catch-up Lambda publishes them: the EMF line a real
 * Powertools Metrics writes to stdout (what CloudWatch turns into the metrics the alarms in
 * infra/constructs/monitoring.ts read), per outcome, and the log level on-call's warning uses.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics, METRICS_NAMESPACE } from '../../../lib/observability.js';
import {
  DELETION_SWEEP_METRICS,
  GHL_CATCH_UP_SERVICE_NAME,
  deletionSweepGauges,
  recordDeletionSweep,
} from '../../../lib/reverse/deletion-sweep-observe.js';
import type { ScheduledDeletionSweepSummary } from '../../../lib/reverse/deletion-sweep-schedule.js';

const counts = { candidates: 0, confirmedGone: 0, stillThere: 0, getFailures: 0, enqueued: 0, deletedIds: [] };
const walked = { runId: 'run1', walked: 40, pages: 1 };
const SUMMARIES = {
  off: { outcome: 'off' },
  noTime: { outcome: 'no-time', overdue: false },
  noTimeOverdue: { outcome: 'no-time', overdue: true },
  notDue: { outcome: 'not-due', lastStartedAt: '2026-03-02T10:00:00.000Z' },
  walkIncomplete: { outcome: 'walk-incomplete', ...walked },
  refused: { outcome: 'refused', ...walked, ...counts, candidates: 26, candidateLimit: 25, candidateSample: ['g1', 'g2'] },
  completed: { outcome: 'completed', ...walked, ...counts },
  stopped: { outcome: 'stopped', ...walked, ...counts, candidates: 3, notAsked: 3 },
} satisfies Record<string, ScheduledDeletionSweepSummary>;

/** Every line the call writes: stdout and stderr (Powertools' own console), or the global console in its dev mode. */
function written(run: () => void): string[] {
  const lines: string[] = [];
  const capture = ((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ...(['log', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.join(' '))),
    ),
  ];
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim() !== '');
}

/** The EMF documents among them. */
function emfWritten(run: () => void): Record<string, any>[] {
  return written(run)
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

const fakeLogger = () => ({ info: vi.fn(), warn: vi.fn() });

afterEach(() => vi.restoreAllMocks());

describe('recordDeletionSweep', () => {
  it('publishes GhlDeletionSweepRefused = 1 (and a complete walk) when the sweep refused, under the catch-up service', () => {
    const logger = fakeLogger();
    const [emf, ...more] = emfWritten(() => recordDeletionSweep(SUMMARIES.refused, logger, createMetrics(GHL_CATCH_UP_SERVICE_NAME)));
    expect(more).toEqual([]);
    expect(emf!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: expect.arrayContaining([
          { Name: 'GhlDeletionSweepRefused', Unit: 'Count' },
          { Name: 'GhlDeletionSweepIncomplete', Unit: 'Count' },
        ]),
      },
    ]);
    expect(emf).toMatchObject({ service: 'ghl-catch-up', GhlDeletionSweepRefused: 1, GhlDeletionSweepIncomplete: 0 });
    expect(logger.warn).toHaveBeenCalledWith('GHL deletion sweep', expect.objectContaining({ outcome: 'refused', candidates: 26 }));
  });

  it('publishes GhlDeletionSweepIncomplete = 1 and no refusal gauge when the walk was cut short', () => {
    const logger = fakeLogger();
    const [emf] = emfWritten(() => recordDeletionSweep(SUMMARIES.walkIncomplete, logger, createMetrics(GHL_CATCH_UP_SERVICE_NAME)));
    expect(emf).toMatchObject({ service: 'ghl-catch-up', GhlDeletionSweepIncomplete: 1 });
    // A cut-short walk decided nothing: it must not clear a refusal.
    expect(emf).not.toHaveProperty('GhlDeletionSweepRefused');
    expect(logger.warn).toHaveBeenCalledWith('GHL deletion sweep', expect.objectContaining({ outcome: 'walk-incomplete' }));
  });

  it('publishes GhlDeletionSweepIncomplete = 1 for a run with no time left when the sweep is overdue by an interval: a sweep never walking pages as a walk cut short does', () => {
    const logger = fakeLogger();
    const [emf, ...more] = emfWritten(() => recordDeletionSweep(SUMMARIES.noTimeOverdue, logger, createMetrics(GHL_CATCH_UP_SERVICE_NAME)));
    expect(more).toEqual([]);
    expect(emf).toMatchObject({ service: 'ghl-catch-up', GhlDeletionSweepIncomplete: 1 });
    expect(emf).not.toHaveProperty('GhlDeletionSweepRefused');
    expect(logger.warn).toHaveBeenCalledWith('GHL deletion sweep', { outcome: 'no-time', overdue: true });
  });

  it('publishes both gauges at 0 after a sweep that decided (completed or stopped), which clears the alarms', () => {
    for (const summary of [SUMMARIES.completed, SUMMARIES.stopped]) {
      const logger = fakeLogger();
      const [emf] = emfWritten(() => recordDeletionSweep(summary, logger, createMetrics(GHL_CATCH_UP_SERVICE_NAME)));
      expect(emf, summary.outcome).toMatchObject({ GhlDeletionSweepRefused: 0, GhlDeletionSweepIncomplete: 0 });
      expect(logger.info).toHaveBeenCalledWith('GHL deletion sweep', expect.objectContaining({ outcome: summary.outcome }));
      expect(logger.warn).not.toHaveBeenCalled();
    }
  });

  it('publishes nothing, and no Powertools "no metrics" warning, when there was no attempt', () => {
    for (const summary of [SUMMARIES.off, SUMMARIES.noTime, SUMMARIES.notDue]) {
      const logger = fakeLogger();
      expect(written(() => recordDeletionSweep(summary, logger, createMetrics(GHL_CATCH_UP_SERVICE_NAME))), summary.outcome).toEqual([]);
      expect(logger.info).toHaveBeenCalledOnce();
    }
  });
});

describe('deletionSweepGauges', () => {
  it('names only the shared metric constants the alarms read', () => {
    const names = new Set(Object.values(SUMMARIES).flatMap((summary) => Object.keys(deletionSweepGauges(summary))));
    expect([...names].sort()).toEqual(Object.values(DELETION_SWEEP_METRICS).sort());
  });
});
