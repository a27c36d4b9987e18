/**
 * Relatel task -> GHL task bodies. GHL requires title, dueDate and completed on create, so a
 * create always has them (configured fallbacks for title and due date); an update carries only
 * what Relatel gave, so a missing field never overwrites what GHL has.
 *
 * dueDate is UTC without milliseconds (`2026-11-27T10:00:00Z`), the form GHL documents. A
 * Relatel due_at without an offset is wall time in the configured zone.
 */
import type { GhlCreateTaskBody, GhlTaskCompletedBody, GhlUpdateTaskBody } from '../ghl/types.js';
import type { MappingConfig } from './config.js';
import type { RelatelTaskRecord, RelatelTaskStatus } from './relatel-records.js';
import { withoutUndefined, type Mapped, type MappingIssue } from './result.js';
import { presentLine, presentText } from './text.js';
import { parseTimestamp, toUtcIsoSeconds } from './time.js';
import { ghlUserOf } from './users.js';

const HOUR_MS = 3_600_000;

/**
 * `dueFrom` (epoch ms or Date): where a missing due date counts from. The sync passes the event's
 * occurred_at, so every attempt at one create builds the same body.
 */
export function mapTaskToCreateBody(task: RelatelTaskRecord, config: MappingConfig, dueFrom: number | Date): Mapped<GhlCreateTaskBody> {
  const issues: MappingIssue[] = [];
  const dueAt = dueAtOf(task, config, issues) ?? Number(dueFrom) + config.tasks.defaultDueInHours * HOUR_MS;
  const body = withoutUndefined<GhlCreateTaskBody>({
    title: presentLine(task.title) ?? config.tasks.defaultTitle,
    body: presentText(task.description),
    dueDate: toUtcIsoSeconds(dueAt),
    completed: isCompleted(task.status),
    assignedTo: ghlUserOf(task.assignee_id, config.users, 'assignee_id', issues),
  });
  return { body, issues };
}

/**
 * PUT body. It carries `completed` when Relatel gave a status, so a task.updated that also
 * completes or reopens the task costs one call; task.completed events (possibly with a thin
 * payload) use `mapTaskCompletion` and the `/completed` endpoint instead.
 */
export function mapTaskToUpdateBody(task: RelatelTaskRecord, config: MappingConfig): Mapped<GhlUpdateTaskBody> {
  const issues: MappingIssue[] = [];
  const dueAt = dueAtOf(task, config, issues);
  const body = withoutUndefined<GhlUpdateTaskBody>({
    title: presentLine(task.title),
    body: presentText(task.description),
    dueDate: dueAt === undefined ? undefined : toUtcIsoSeconds(dueAt),
    completed: task.status === null || task.status === undefined ? undefined : isCompleted(task.status),
    assignedTo: ghlUserOf(task.assignee_id, config.users, 'assignee_id', issues),
  });
  return { body, issues };
}

/** Body of PUT .../tasks/:taskId/completed; `task.completed` events complete whatever the payload says. */
export function mapTaskCompletion(completed: boolean): GhlTaskCompletedBody {
  return { completed };
}

function isCompleted(status: RelatelTaskStatus | null | undefined): boolean {
  return status === 'completed';
}

function dueAtOf(task: RelatelTaskRecord, config: MappingConfig, issues: MappingIssue[]): number | undefined {
  if (presentLine(task.due_at) === undefined) return undefined;
  const dueAt = parseTimestamp(task.due_at, config.timezone);
  if (dueAt === undefined) issues.push({ field: 'due_at', reason: 'invalid-date' });
  return dueAt;
}
