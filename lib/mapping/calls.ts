/**
 * A finished Relatel call (`call.ended`) -> a call-log note on the remote party's contact, and,
 * for an inbound call nobody answered, a "call back" task. These texts contain the phone
 * number and the employee's name by design: they are written to GHL for people to read, and
 * must never be logged.
 *
 * A call counts as answered when it has a valid `answered_at`: that is also where the
 * talk time is measured from (answered_at..ended_at), so ringing time is not counted.
 */
import { permanentError } from '../errors.js';
import type { GhlCreateNoteBody, GhlCreateTaskBody } from '../ghl/types.js';
import type { MappingConfig } from './config.js';
import { displayPhone, normalisePhone } from './phone.js';
import type { RelatelCallContactRef, RelatelCallRecord } from './relatel-records.js';
import { withoutUndefined, type Mapped, type MappingIssue } from './result.js';
import { presentLine } from './text.js';
import { formatWallClock, formatWallDate, parseTimestamp, toUtcIsoSeconds, wallTimeAt } from './time.js';
import { ghlUserOf } from './users.js';

export type CallDirection = 'inbound' | 'outbound';

const DIRECTIONS: Readonly<Record<string, CallDirection>> = {
  in: 'inbound',
  inbound: 'inbound',
  out: 'outbound',
  outbound: 'outbound',
};

/** `in`/`inbound` and `out`/`outbound`, any case; undefined for anything else. */
export function normaliseCallDirection(direction: string | null | undefined): CallDirection | undefined {
  const key = direction?.trim().toLowerCase() ?? '';
  return Object.prototype.hasOwnProperty.call(DIRECTIONS, key) ? DIRECTIONS[key] : undefined;
}

export interface CallRemoteParty {
  direction: CallDirection;
  /** Relatel id of the other party's contact (the caller when inbound, the callee when outbound). */
  relatelContactId?: string;
  /** The other party's number in E.164, when it is a valid number. */
  phone?: string;
}

/**
 * Who the call was with: the note and the callback task belong on this contact. Throws a
 * permanent SyncError (`call-direction-unknown`) when the direction is neither in nor out.
 */
export function callRemoteParty(call: RelatelCallRecord, config: MappingConfig): CallRemoteParty {
  const direction = directionOf(call);
  const inbound = direction === 'inbound';
  const phone = normalisePhone(inbound ? call.from_number : call.to_number, config.defaultCountry);
  return withoutUndefined<CallRemoteParty>({
    direction,
    relatelContactId: contactIdOf(inbound ? call.from_contact : call.to_contact),
    phone: phone.ok ? phone.e164 : undefined,
  });
}

export function isUnansweredInboundCall(call: RelatelCallRecord): boolean {
  return directionOf(call) === 'inbound' && !isAnswered(call);
}

/** The call-log note: summary line, times in the configured zone, the line it came in on. */
export function mapCallToNoteBody(call: RelatelCallRecord, config: MappingConfig): Mapped<GhlCreateNoteBody> {
  const issues: MappingIssue[] = [];
  const body = withoutUndefined<GhlCreateNoteBody>({
    body: callNoteText(call, config, issues),
    userId: ghlUserOf(answeredByOf(call).id, config.users, 'answered_by', issues),
  });
  return { body, issues };
}

/**
 * The follow-up task for an inbound call nobody answered, due `delayMinutes` after the call
 * ended; undefined when the call was answered, was outbound, or the task is switched off.
 * Throws a permanent SyncError (`call-without-times`) when neither ended_at nor started_at is
 * a valid time, since the task could not be given a due date.
 */
export function mapCallToCallbackTaskBody(call: RelatelCallRecord, config: MappingConfig): Mapped<GhlCreateTaskBody> | undefined {
  const settings = config.calls.callbackTask;
  if (!settings.enabled || !isUnansweredInboundCall(call)) return undefined;
  const issues: MappingIssue[] = [];
  const endedAt = parseTimestamp(call.ended_at, config.timezone) ?? parseTimestamp(call.started_at, config.timezone);
  if (endedAt === undefined) {
    throw permanentError('Relatel call has neither a valid ended_at nor started_at', { reason: 'call-without-times' });
  }
  const number = displayPhone(call.from_number, config.defaultCountry) ?? 'unknown number';
  const body = withoutUndefined<GhlCreateTaskBody>({
    title: settings.titleTemplate.replaceAll('{number}', number),
    body: callNoteText(call, config, issues),
    dueDate: toUtcIsoSeconds(endedAt + settings.delayMinutes * 60_000),
    completed: false,
    assignedTo: settings.assignedTo,
  });
  return { body, issues };
}

function callNoteText(call: RelatelCallRecord, config: MappingConfig, issues: MappingIssue[]): string {
  const direction = directionOf(call);
  const inbound = direction === 'inbound';
  const other = displayPhone(inbound ? call.from_number : call.to_number, config.defaultCountry) ?? 'an unknown number';
  const startedAt = timeOf(call.started_at, 'started_at', config, issues);
  const endedAt = timeOf(call.ended_at, 'ended_at', config, issues);
  const answeredAt = parseTimestamp(call.answered_at, config.timezone);

  let summary: string;
  if (answeredAt === undefined) {
    summary = inbound ? `Missed inbound call from ${other}` : `Unanswered outbound call to ${other}`;
  } else {
    const answeredBy = presentLine(answeredByOf(call).name);
    const answered = inbound && answeredBy ? `answered by ${answeredBy}` : 'answered';
    const talkTime = endedAt === undefined ? '' : `, ${formatDuration((endedAt - answeredAt) / 1000)}`;
    summary = `${inbound ? `Inbound call from ${other}` : `Outbound call to ${other}`}, ${answered}${talkTime}`;
  }

  const lines = [summary];
  const times = timesLine(startedAt, endedAt, config.timezone);
  if (times) lines.push(times);
  const endpoint = presentLine(call.endpoint_name);
  if (endpoint) lines.push(`Via ${endpoint}`);
  const status = presentLine(call.status);
  if (answeredAt === undefined && status) lines.push(`Status: ${status}`);
  return lines.join('\n');
}

/** `Started 2026-11-27 11:00:00, ended 11:03:12 (Europe/Copenhagen)`; the end date only when it differs. */
function timesLine(startedAt: number | undefined, endedAt: number | undefined, timeZone: string): string | undefined {
  const start = startedAt === undefined ? undefined : wallTimeAt(startedAt, timeZone);
  const end = endedAt === undefined ? undefined : wallTimeAt(endedAt, timeZone);
  const parts: string[] = [];
  if (start) parts.push(`Started ${formatWallDate(start)} ${formatWallClock(start)}`);
  if (end) {
    const sameDay = start !== undefined && formatWallDate(start) === formatWallDate(end);
    const text = sameDay ? formatWallClock(end) : `${formatWallDate(end)} ${formatWallClock(end)}`;
    parts.push(start ? `ended ${text}` : `Ended ${text}`);
  }
  return parts.length > 0 ? `${parts.join(', ')} (${timeZone})` : undefined;
}

/** `3 min 12 s`, `45 s`, `1 h 2 min`; zero parts are left out, except for `0 s`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const parts = [hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', secs ? `${secs} s` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 s';
}

function directionOf(call: RelatelCallRecord): CallDirection {
  const direction = normaliseCallDirection(call.direction);
  if (!direction) throw permanentError('Relatel call has an unknown direction', { reason: 'call-direction-unknown' });
  return direction;
}

function isAnswered(call: RelatelCallRecord): boolean {
  // Whether answered_at is a valid time does not depend on the zone it is read in.
  return parseTimestamp(call.answered_at, 'UTC') !== undefined;
}

function timeOf(value: string, field: string, config: MappingConfig, issues: MappingIssue[]): number | undefined {
  const time = parseTimestamp(value, config.timezone);
  if (time === undefined) issues.push({ field, reason: 'invalid-date' });
  return time;
}

/**
 * `answered_by` is not in the webhook schema (lib/events/), so it reaches the mapping
 * unchecked: only the parts with the expected types are used.
 */
function answeredByOf(call: RelatelCallRecord): { id?: string | number; name?: string } {
  const employee: unknown = call.answered_by;
  if (employee === null || typeof employee !== 'object') return {};
  const { id, name } = employee as Record<string, unknown>;
  return {
    ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  };
}

function contactIdOf(ref: RelatelCallContactRef | undefined): string | undefined {
  if (ref === null || ref === undefined) return undefined;
  const id = typeof ref === 'object' ? ref.id : ref;
  return id === '' ? undefined : String(id);
}
