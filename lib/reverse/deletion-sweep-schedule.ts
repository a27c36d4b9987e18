/**
 * The deletion sweep (deletion-sweep.ts) as the scheduled catch-up runs it: at most once per
 * interval (GHL_DELETION_SWEEP_INTERVAL_HOURS, default 24, 0 = off), each attempt a fresh walk
 * of every GHL contact's id followed by the sweep, and nothing concluded when the walk could not
 * finish before the Lambda's time ran out.
 *
 * The interval counts from the last attempt's start, whatever its outcome: an attempt costs a
 * full walk (GHL searches of 500) and a Scan of the sync table, so a location too large to walk
 * in one invocation, or a GHL outage, does not turn into a walk every catch-up run. The attempt
 * is recorded (its own CheckpointStore item) before it walks, so a crash counts too.
 */
import type { GhlClient } from '../ghl/client.js';
import { newRunId, realClock, type BackfillCheckpoint, type BackfillClock, type CheckpointStore } from '../ops/backfill.js';
import { sweepDeletions, walkGhlContactIds, type DeletionSweepDependencies, type DeletionSweepSummary } from './deletion-sweep.js';

export const DELETION_SWEEP_CHECKPOINT = 'ghl-deletion-sweep';
const HOUR_MS = 3_600_000;

export interface ScheduledDeletionSweepDependencies extends Omit<DeletionSweepDependencies, 'ghl'> {
  ghl: Pick<GhlClient, 'searchContacts' | 'getContact'>;
  checkpoints: CheckpointStore;
  newRunId?: () => string;
}

export interface ScheduledDeletionSweepOptions {
  /** Hours between attempts; 0 turns the sweep off. */
  intervalHours: number;
  ratePerSecond?: number;
  /** The id walk's page size (GHL's maximum by default). */
  pageLimit?: number;
  /** Asked after each search page and before each GET: a Lambda near its timeout. */
  shouldStop?: () => boolean;
}

export type ScheduledDeletionSweepSummary =
  | { outcome: 'off' }
  /**
   * The invocation had no time left (the catch-up used it): not an attempt, the next run tries.
   * Overdue when a whole interval has passed since the sweep was due with no run finding time
   * for it: a catch-up that always uses its invocation would otherwise keep the sweep from ever
   * running, and nothing would tell on-call.
   */
  | { outcome: 'no-time'; overdue: boolean }
  /** The last attempt began less than the interval ago. */
  | { outcome: 'not-due'; lastStartedAt: string }
  /** Stopped before the walk read every contact: no candidate was looked at. */
  | { outcome: 'walk-incomplete'; runId: string; walked: number; pages: number }
  | ({ runId: string; walked: number; pages: number } & DeletionSweepSummary);

/** Runs the sweep when due: a full id walk, then the sweep, unless the walk was cut short. */
export async function runScheduledDeletionSweep(
  deps: ScheduledDeletionSweepDependencies,
  options: ScheduledDeletionSweepOptions,
): Promise<ScheduledDeletionSweepSummary> {
  if (!(options.intervalHours > 0)) return { outcome: 'off' };
  const clock: BackfillClock = deps.clock ?? realClock;
  const last = await deps.checkpoints.load(DELETION_SWEEP_CHECKPOINT);
  const startedAt = clock.now();
  const intervalMs = options.intervalHours * HOUR_MS;
  const sinceLastMs = last === undefined ? undefined : startedAt.getTime() - Date.parse(last.startedAt);
  if (last !== undefined && sinceLastMs! < intervalMs) return { outcome: 'not-due', lastStartedAt: last.startedAt };
  if (options.shouldStop?.()) return { outcome: 'no-time', overdue: sinceLastMs !== undefined && sinceLastMs >= 2 * intervalMs };
  const checkpoint: BackfillCheckpoint = {
    runId: (deps.newRunId ?? newRunId)(),
    enqueued: 0,
    startedAt: startedAt.toISOString(),
    updatedAt: startedAt.toISOString(),
  };
  await deps.checkpoints.save(DELETION_SWEEP_CHECKPOINT, checkpoint);

  const walk = await walkGhlContactIds(deps.ghl, { ...(options.pageLimit !== undefined && { pageLimit: options.pageLimit }), ...(options.shouldStop && { shouldStop: options.shouldStop }) });
  const walked = { runId: checkpoint.runId, walked: walk.ids.size, pages: walk.pages };
  if (!walk.complete) {
    await deps.checkpoints.save(DELETION_SWEEP_CHECKPOINT, { ...checkpoint, updatedAt: clock.now().toISOString() });
    return { outcome: 'walk-incomplete', ...walked };
  }
  const swept = await sweepDeletions(deps, { seen: walk.ids, startedAt }, options);
  const finishedAt = clock.now().toISOString();
  await deps.checkpoints.save(DELETION_SWEEP_CHECKPOINT, {
    ...checkpoint,
    enqueued: swept.enqueued,
    updatedAt: finishedAt,
    ...(swept.outcome === 'completed' && { completedAt: finishedAt }),
  });
  return { ...walked, ...swept };
}
