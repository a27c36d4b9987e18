/**
 * Time for the mapping, on Intl alone (no date library in the Lambda bundle): parse Relatel
 * timestamps, render GHL's two formats (UTC without milliseconds for task due dates, wall time
 * with the zone's offset for appointments) and compute an IANA zone's offset at an instant.
 *
 * Relatel timestamps without an offset are wall time in a zone. Wall times that a DST change
 * skips or repeats are resolved like Temporal's `compatible` disambiguation: a skipped time
 * moves forward by the gap (02:30 on the spring-forward night is 03:30 summer time), a
 * repeated time takes the earlier instant (summer time).
 */

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the IANA zone on this runtime. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in `timeZone` at `epochMs` (whole seconds). */
export function wallTimeAt(epochMs: number, timeZone: string): WallTime {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function wallAsUtcMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's UTC offset in minutes at an instant (+60 for Copenhagen in winter). */
export function offsetMinutesAt(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wallAsUtcMs(wallTimeAt(wholeSecond, timeZone)) - wholeSecond) / MINUTE_MS);
}

/** The instant a wall-clock time in `timeZone` denotes (DST gaps and overlaps: see the module comment). */
export function instantOfWallTime(wall: WallTime, timeZone: string): number {
  const asUtc = wallAsUtcMs(wall);
  // Offsets a day either side bracket any single DST change near this wall time.
  const offsetBefore = offsetMinutesAt(asUtc - DAY_MS, timeZone);
  const offsetAfter = offsetMinutesAt(asUtc + DAY_MS, timeZone);
  const candidates = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => asUtc - offset * MINUTE_MS)
    .filter((instant) => wallAsUtcMs(wallTimeAt(instant, timeZone)) === asUtc)
    .sort((a, b) => a - b);
  // No candidate: the wall time was skipped; the offset in force before the gap moves it forward.
  return candidates[0] ?? asUtc - offsetBefore * MINUTE_MS;
}

/**
 * Parses a Relatel timestamp to epoch milliseconds. With an offset (or `Z`) it is an instant;
 * without one it is wall time in `timeZone`. Undefined for anything that is not a real
 * ISO 8601 date-time (including calendar dates that do not exist, like 2026-02-30).
 */
export function parseTimestamp(value: string | null | undefined, timeZone: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_TIMESTAMP.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const wall: WallTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: Number(s),
  };
  if (!isRealWallTime(wall)) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  if (offset === undefined) return instantOfWallTime(wall, timeZone) + millis;
  const offsetMinutes = parseOffsetMinutes(offset);
  if (offsetMinutes === undefined) return undefined;
  return wallAsUtcMs(wall) - offsetMinutes * MINUTE_MS + millis;
}

function isRealWallTime(wall: WallTime): boolean {
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) return false;
  const check = new Date(wallAsUtcMs(wall));
  return check.getUTCFullYear() === wall.year && check.getUTCMonth() === wall.month - 1 && check.getUTCDate() === wall.day;
}

function parseOffsetMinutes(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');

/** UTC, whole seconds, `Z`: the form GHL documents for task due dates (`2026-11-27T10:00:00Z`). */
export function toUtcIsoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Wall time in `timeZone` with that zone's offset, whole seconds (`2026-11-27T11:00:00+01:00`). */
export function toZonedIso(epochMs: number, timeZone: string): string {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  const wall = wallTimeAt(wholeSecond, timeZone);
  const offset = Math.round((wallAsUtcMs(wall) - wholeSecond) / MINUTE_MS);
  const sign = offset < 0 ? '-' : '+';
  return `${formatWallDate(wall)}T${formatWallClock(wall)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** `2026-11-27`. */
export function formatWallDate(wall: WallTime): string {
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** `11:00:00`. */
export function formatWallClock(wall: WallTime): string {
  return `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
}
