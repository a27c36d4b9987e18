import { describe, expect, it } from 'vitest';
import {
  mapAppointmentCancellation,
  mapAppointmentStatus,
  mapAppointmentToCreateBody,
  mapAppointmentToUpdateBody,
} from '../../../lib/mapping/appointments.js';
import { expectPermanentFailure } from './assertions.js';
import { anAppointment, mappingConfig } from './records.js';

const config = mappingConfig({ appointments: { calendarId: 'cal-1' } });
const TARGET = { locationId: 'loc-1', contactId: 'ghl-contact-1' };

describe('mapAppointmentToCreateBody', () => {
  it('maps a Relatel appointment to a GHL create body', () => {
    const { body, issues } = mapAppointmentToCreateBody(anAppointment({ location: 'Vesterbrogade 1' }), config, TARGET);
    expect(body).toEqual({
      calendarId: 'cal-1',
      locationId: 'loc-1',
      contactId: 'ghl-contact-1',
      title: 'Demo',
      appointmentStatus: 'confirmed',
      address: 'Vesterbrogade 1',
      startTime: '2026-11-27T10:00:00+01:00',
      endTime: '2026-11-27T11:00:00+01:00',
      toNotify: false,
      ignoreFreeSlotValidation: true,
    });
    expect(issues).toEqual([]);
  });

  it('writes summer appointments with the summer offset', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ starts_at: '2026-06-01T10:00:00', ends_at: null }), config, TARGET);
    expect(body.startTime).toBe('2026-06-01T10:00:00+02:00');
  });

  it('writes times in the appointment zone', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ timezone: 'Europe/London' }), config, TARGET);
    expect(body.startTime).toBe('2026-11-27T10:00:00+00:00');
  });

  it('writes a time that carries an offset in the appointment zone, as the same instant', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ starts_at: '2026-11-27T09:00:00Z' }), config, TARGET);
    expect(body.startTime).toBe('2026-11-27T10:00:00+01:00');
  });

  it('uses the configured zone when the appointment has none', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ timezone: null }), mappingConfig({ timezone: 'Europe/Helsinki', appointments: { calendarId: 'cal-1' } }), TARGET);
    expect(body.startTime).toBe('2026-11-27T10:00:00+02:00');
  });

  it('uses the configured zone for an unknown appointment zone and reports it', () => {
    const { body, issues } = mapAppointmentToCreateBody(anAppointment({ timezone: 'Europe/Atlantis' }), config, TARGET);
    expect(body.startTime).toBe('2026-11-27T10:00:00+01:00');
    expect(issues).toEqual([{ field: 'timezone', reason: 'invalid-timezone' }]);
  });

  it('moves a start skipped by spring-forward ahead by the gap', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ starts_at: '2026-03-29T02:30:00', ends_at: '2026-03-29T04:00:00' }), config, TARGET);
    expect(body).toMatchObject({ startTime: '2026-03-29T03:30:00+02:00', endTime: '2026-03-29T04:00:00+02:00' });
  });

  it('keeps an appointment across fall-back at its real length', () => {
    const { body } = mapAppointmentToCreateBody(anAppointment({ starts_at: '2026-10-25T01:30:00', ends_at: '2026-10-25T03:30:00' }), config, TARGET);
    expect(body).toMatchObject({ startTime: '2026-10-25T01:30:00+02:00', endTime: '2026-10-25T03:30:00+01:00' });
    expect(Date.parse(body.endTime!) - Date.parse(body.startTime)).toBe(3 * 3_600_000);
  });

  it('leaves out an end before the start and reports it', () => {
    const { body, issues } = mapAppointmentToCreateBody(anAppointment({ ends_at: '2026-11-27T09:00:00' }), config, TARGET);
    expect(body).not.toHaveProperty('endTime');
    expect(issues).toEqual([{ field: 'ends_at', reason: 'invalid-date' }]);
  });

  it('leaves out a status the map does not know and reports it', () => {
    const { body, issues } = mapAppointmentToCreateBody(anAppointment({ status: 'tentative' }), config, TARGET);
    expect(body).not.toHaveProperty('appointmentStatus');
    expect(issues).toEqual([{ field: 'status', reason: 'unknown-status' }]);
  });

  it('lets GHL notify when configured to', () => {
    const cfg = mappingConfig({ appointments: { calendarId: 'cal-1', toNotify: true } });
    expect(mapAppointmentToCreateBody(anAppointment(), cfg, TARGET).body.toNotify).toBe(true);
  });

  it('rejects an appointment without a start as a permanent failure', () => {
    expectPermanentFailure(() => mapAppointmentToCreateBody(anAppointment({ starts_at: null }), config, TARGET), 'appointment-without-start');
  });

  it('rejects every appointment as a permanent failure while no calendar is configured', () => {
    expectPermanentFailure(() => mapAppointmentToCreateBody(anAppointment(), mappingConfig(), TARGET), 'calendar-not-configured');
  });
});

describe('mapAppointmentToUpdateBody', () => {
  it('carries no calendar, location or contact', () => {
    const { body } = mapAppointmentToUpdateBody(anAppointment(), config);
    expect(body).toEqual({
      title: 'Demo',
      appointmentStatus: 'confirmed',
      startTime: '2026-11-27T10:00:00+01:00',
      endTime: '2026-11-27T11:00:00+01:00',
      toNotify: false,
      ignoreFreeSlotValidation: true,
    });
  });

  it('leaves out times Relatel did not give', () => {
    const { body } = mapAppointmentToUpdateBody(anAppointment({ starts_at: null, ends_at: undefined }), config);
    expect(body).not.toHaveProperty('startTime');
    expect(body).not.toHaveProperty('endTime');
  });

  it('maps a cancelled status to cancelled', () => {
    expect(mapAppointmentToUpdateBody(anAppointment({ status: 'Cancelled' }), config).body.appointmentStatus).toBe('cancelled');
  });
});

describe('mapAppointmentCancellation', () => {
  it('sets the status to cancelled without GHL notifications', () => {
    expect(mapAppointmentCancellation(config)).toEqual({ appointmentStatus: 'cancelled', toNotify: false });
  });
});

describe('mapAppointmentStatus', () => {
  it.each([
    ['new', 'new'],
    ['booked', 'confirmed'],
    ['confirmed', 'confirmed'],
    ['canceled', 'cancelled'],
    ['completed', 'showed'],
    ['no_show', 'noshow'],
  ] as const)('maps %s to %s by default', (relatel, ghl) => {
    expect(mapAppointmentStatus(relatel, config)).toBe(ghl);
  });

  it('ignores case and surrounding whitespace', () => {
    expect(mapAppointmentStatus(' No-Show ', config)).toBe('noshow');
  });

  it('uses the configured map', () => {
    expect(mapAppointmentStatus('Udeblevet', mappingConfig({ appointments: { statusMap: { udeblevet: 'noshow' } } }))).toBe('noshow');
  });

  it('gives nothing for an unknown or missing status', () => {
    expect(mapAppointmentStatus('tentative', config)).toBeUndefined();
    expect(mapAppointmentStatus(null, config)).toBeUndefined();
  });
});
