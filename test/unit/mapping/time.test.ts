import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offsetMinutesAt, parseTimestamp, toUtcIsoSeconds, toZonedIso, wallTimeAt } from '../../../lib/mapping/time.js';

const CPH = 'Europe/Copenhagen';
// In 2026 Copenhagen springs forward at 01:00Z on 29 March and falls back at 01:00Z on 25 October.
const SPRING_FORWARD = Date.parse('2026-03-29T01:00:00Z');
const FALL_BACK = Date.parse('2026-10-25T01:00:00Z');

describe('parseTimestamp', () => {
  it('reads a time with Z as that instant', () => {
    expect(parseTimestamp('2026-11-27T10:00:00Z', CPH)).toBe(Date.parse('2026-11-27T10:00:00Z'));
  });

  it('reads a time with an offset as that instant', () => {
    expect(parseTimestamp('2026-11-27T11:00:00+01:00', CPH)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseTimestamp('2026-11-27T05:00:00-0500', CPH)).toBe(Date.parse('2026-11-27T10:00:00Z'));
  });

  it('reads a time without an offset as wall time in the zone', () => {
    expect(parseTimestamp('2026-11-27T11:00:00', CPH)).toBe(Date.parse('2026-11-27T10:00:00Z'));
    expect(parseTimestamp('2026-07-01 12:00', CPH)).toBe(Date.parse('2026-07-01T10:00:00Z'));
  });

  it('keeps milliseconds', () => {
    expect(parseTimestamp('2026-11-27T10:00:00.123456Z', CPH)).toBe(Date.parse('2026-11-27T10:00:00.123Z'));
  });

  it('reads a date alone as midnight in the zone', () => {
    expect(parseTimestamp('2026-11-27', CPH)).toBe(Date.parse('2026-11-26T23:00:00Z'));
  });

  it('rejects dates and times that do not exist', () => {
    expect(parseTimestamp('2026-02-30T10:00:00Z', CPH)).toBeUndefined();
    expect(parseTimestamp('2026-11-27T24:00:00Z', CPH)).toBeUndefined();
  });

  it('rejects text that is not ISO 8601', () => {
    expect(parseTimestamp('27/11/2026 10:00', CPH)).toBeUndefined();
    expect(parseTimestamp('', CPH)).toBeUndefined();
    expect(parseTimestamp(null, CPH)).toBeUndefined();
  });
});

describe('DST in Europe/Copenhagen', () => {
  it('moves a wall time skipped by spring-forward ahead by the gap', () => {
    expect(toZonedIso(parseTimestamp('2026-03-29T02:30:00', CPH)!, CPH)).toBe('2026-03-29T03:30:00+02:00');
  });

  it('takes the earlier (summer time) instant for a wall time repeated by fall-back', () => {
    expect(toZonedIso(parseTimestamp('2026-10-25T02:30:00', CPH)!, CPH)).toBe('2026-10-25T02:30:00+02:00');
  });

  it('writes both instants of the repeated hour with their own offsets', () => {
    expect(toZonedIso(Date.parse('2026-10-25T00:30:00Z'), CPH)).toBe('2026-10-25T02:30:00+02:00');
    expect(toZonedIso(Date.parse('2026-10-25T01:30:00Z'), CPH)).toBe('2026-10-25T02:30:00+01:00');
  });

  it('switches offset exactly at the transition', () => {
    expect(offsetMinutesAt(SPRING_FORWARD - 1000, CPH)).toBe(60);
    expect(offsetMinutesAt(SPRING_FORWARD, CPH)).toBe(120);
    expect(offsetMinutesAt(FALL_BACK - 1000, CPH)).toBe(120);
    expect(offsetMinutesAt(FALL_BACK, CPH)).toBe(60);
  });

  it('reads wall times just around the transitions', () => {
    expect(parseTimestamp('2026-03-29T01:59:59', CPH)).toBe(SPRING_FORWARD - 1000);
    expect(parseTimestamp('2026-03-29T03:00:00', CPH)).toBe(SPRING_FORWARD);
    expect(parseTimestamp('2026-10-25T03:00:00', CPH)).toBe(FALL_BACK + 3_600_000);
  });
});

describe('time properties', () => {
  const aroundTransitions = fc.oneof(
    fc.integer({ min: SPRING_FORWARD - 3 * 3_600_000, max: SPRING_FORWARD + 3 * 3_600_000 }),
    fc.integer({ min: FALL_BACK - 3 * 3_600_000, max: FALL_BACK + 3 * 3_600_000 }),
    fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
  );
  const zones = fc.constantFrom(CPH, 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham');
  const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

  it('writes an instant that reads back as the same instant (whole seconds)', () => {
    fc.assert(
      fc.property(aroundTransitions, zones, (instant, zone) => {
        expect(Date.parse(toZonedIso(instant, zone))).toBe(wholeSecond(instant));
        expect(parseTimestamp(toZonedIso(instant, zone), CPH)).toBe(wholeSecond(instant));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the offset Copenhagen really has: +01:00 in winter, +02:00 in summer', () => {
    fc.assert(
      fc.property(aroundTransitions, (instant) => {
        const summer = instant >= SPRING_FORWARD && instant < FALL_BACK;
        const written = toZonedIso(instant, CPH);
        if (instant > SPRING_FORWARD - 86_400_000 && instant < FALL_BACK + 86_400_000) {
          expect(written.endsWith(summer ? '+02:00' : '+01:00')).toBe(true);
        } else {
          expect(written).toMatch(/\+0[12]:00$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads the wall time of any instant back to that instant, except in the repeated hour', () => {
    fc.assert(
      fc.property(aroundTransitions, zones, (instant, zone) => {
        const wall = wallTimeAt(instant, zone);
        const text = `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}T${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}:${String(wall.second).padStart(2, '0')}`;
        const readBack = parseTimestamp(text, zone)!;
        // A repeated wall time reads as its earlier instant: same wall time, maybe an hour before.
        expect(wallTimeAt(readBack, zone)).toEqual(wall);
        expect(readBack).toBeLessThanOrEqual(wholeSecond(instant));
        if (offsetMinutesAt(instant - 86_400_000, zone) === offsetMinutesAt(instant + 86_400_000, zone)) {
          expect(readBack).toBe(wholeSecond(instant));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('toUtcIsoSeconds', () => {
  it('writes UTC with Z and without milliseconds', () => {
    expect(toUtcIsoSeconds(Date.parse('2026-11-27T10:00:00.999Z'))).toBe('2026-11-27T10:00:00Z');
  });
});

describe('toZonedIso', () => {
  it('writes a zone with a half-hour offset', () => {
    expect(toZonedIso(Date.parse('2026-11-27T10:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-27T15:30:00+05:30');
  });

  it('writes a negative offset', () => {
    expect(toZonedIso(Date.parse('2026-11-27T10:00:00Z'), 'America/New_York')).toBe('2026-11-27T05:00:00-05:00');
  });
});
