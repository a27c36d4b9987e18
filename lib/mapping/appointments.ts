/**
 * Relatel appointment -> GHL appointment bodies (calendars API, Version 2021-04-15).
 *
 * Times are written as wall time in the appointment's zone with that zone's offset at that
 * instant (`2026-11-27T11:00:00+01:00`, `2026-06-01T11:00:00+02:00`): GHL requires an offset,
 * and keeping the appointment's own zone shows people the time they booked. A Relatel time
 * without an offset is wall time in `timezone` (else the configured zone).
 *
 * Synced appointments already exist in Relatel, so GHL must not refuse them for slot rules
 * (`ignoreFreeSlotValidation`) and, unless configured, must not send its own notifications
 * (`toNotify: false`).
 */
import { permanentError } from '../errors.js';
import type { GhlAppointmentStatus, GhlCreateAppointmentBody, GhlUpdateAppointmentBody } from '../ghl/types.js';
import type { MappingConfig } from './config.js';
import type { RelatelAppointmentRecord } from './relatel-records.js';
import { withoutUndefined, type Mapped, type MappingIssue } from './result.js';
import { presentLine } from './text.js';
import { isValidTimeZone, parseTimestamp, toZonedIso } from './time.js';

export interface AppointmentTarget {
  locationId: string;
  /** The GHL id of the appointment's contact. */
  contactId: string;
}

/**
 * Throws a permanent SyncError when no calendar is configured (`calendar-not-configured`) or
 * the appointment has no valid start (`appointment-without-start`): GHL requires both.
 */
export function mapAppointmentToCreateBody(
  appointment: RelatelAppointmentRecord,
  config: MappingConfig,
  target: AppointmentTarget,
): Mapped<GhlCreateAppointmentBody> {
  const calendarId = config.appointments.calendarId;
  if (!calendarId) {
    throw permanentError('No GHL calendar is configured for appointments (appointments.calendarId)', {
      reason: 'calendar-not-configured',
    });
  }
  const { fields, issues } = mapFields(appointment, config);
  if (fields.startTime === undefined) {
    throw permanentError('Relatel appointment has no valid starts_at; GHL requires a start time', {
      reason: 'appointment-without-start',
    });
  }
  const body = withoutUndefined<GhlCreateAppointmentBody>({
    calendarId,
    locationId: target.locationId,
    contactId: target.contactId,
    ...fields,
    startTime: fields.startTime,
  });
  return { body, issues };
}

/** PUT body: the calendar, location and contact of an existing appointment are left as they are. */
export function mapAppointmentToUpdateBody(
  appointment: RelatelAppointmentRecord,
  config: MappingConfig,
): Mapped<GhlUpdateAppointmentBody> {
  const { fields, issues } = mapFields(appointment, config);
  return { body: withoutUndefined<GhlUpdateAppointmentBody>(fields), issues };
}

/** `appointment.cancelled`: GHL keeps the appointment, with status cancelled. */
export function mapAppointmentCancellation(config: MappingConfig): GhlUpdateAppointmentBody {
  return { appointmentStatus: 'cancelled', toNotify: config.appointments.toNotify };
}

/** Relatel status -> GHL appointmentStatus through the configured map (case-insensitive). */
export function mapAppointmentStatus(status: string | null | undefined, config: MappingConfig): GhlAppointmentStatus | undefined {
  const key = status?.trim().toLowerCase();
  if (!key) return undefined;
  const map = config.appointments.statusMap;
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

function mapFields(appointment: RelatelAppointmentRecord, config: MappingConfig) {
  const issues: MappingIssue[] = [];
  const timeZone = zoneOf(appointment, config, issues);
  const startsAt = timeOf(appointment.starts_at, 'starts_at', timeZone, issues);
  let endsAt = timeOf(appointment.ends_at, 'ends_at', timeZone, issues);
  if (endsAt !== undefined && startsAt !== undefined && endsAt < startsAt) {
    issues.push({ field: 'ends_at', reason: 'invalid-date' });
    endsAt = undefined;
  }
  const appointmentStatus = mapAppointmentStatus(appointment.status, config);
  if (appointmentStatus === undefined && presentLine(appointment.status)) issues.push({ field: 'status', reason: 'unknown-status' });
  const fields = {
    title: presentLine(appointment.title),
    appointmentStatus,
    address: presentLine(appointment.location),
    startTime: startsAt === undefined ? undefined : toZonedIso(startsAt, timeZone),
    endTime: endsAt === undefined ? undefined : toZonedIso(endsAt, timeZone),
    toNotify: config.appointments.toNotify,
    ignoreFreeSlotValidation: true,
  } satisfies GhlUpdateAppointmentBody;
  return { fields, issues };
}

function zoneOf(appointment: RelatelAppointmentRecord, config: MappingConfig, issues: MappingIssue[]): string {
  const zone = presentLine(appointment.timezone);
  if (zone === undefined) return config.timezone;
  if (isValidTimeZone(zone)) return zone;
  issues.push({ field: 'timezone', reason: 'invalid-timezone' });
  return config.timezone;
}

function timeOf(value: string | null | undefined, field: string, timeZone: string, issues: MappingIssue[]): number | undefined {
  if (presentLine(value) === undefined) return undefined;
  const time = parseTimestamp(value, timeZone);
  if (time === undefined) issues.push({ field, reason: 'invalid-date' });
  return time;
}
