/** Factories for the Relatel records the mapping reads, and the mapping configuration. */
import { parseMappingConfig, type MappingConfig, type MappingConfigInput } from '../../../lib/mapping/config.js';
import type {
  RelatelAppointmentRecord,
  RelatelCallRecord,
  RelatelContactRecord,
  RelatelNoteRecord,
  RelatelTaskRecord,
} from '../../../lib/mapping/relatel-records.js';

export const mappingConfig = (overrides: MappingConfigInput = {}): MappingConfig => parseMappingConfig(overrides);

export const aContact = (overrides: Partial<RelatelContactRecord> & Record<string, unknown> = {}): RelatelContactRecord => ({
  id: 1001,
  name: 'Anna Jensen',
  number: '4571999999',
  email: 'anna@example.dk',
  ...overrides,
});

export const aTask = (overrides: Partial<RelatelTaskRecord> = {}): RelatelTaskRecord => ({
  id: 501,
  contact_id: 1001,
  title: 'Send offer',
  description: 'Offer for 10 seats',
  due_at: '2026-11-27T10:00:00Z',
  status: 'open',
  ...overrides,
});

export const aNote = (overrides: Partial<RelatelNoteRecord> = {}): RelatelNoteRecord => ({
  id: 301,
  contact_id: 1001,
  body: 'Wants a callback on Monday',
  ...overrides,
});

export const anAppointment = (overrides: Partial<RelatelAppointmentRecord> = {}): RelatelAppointmentRecord => ({
  id: 701,
  contact_id: 1001,
  title: 'Demo',
  starts_at: '2026-11-27T10:00:00',
  ends_at: '2026-11-27T11:00:00',
  timezone: 'Europe/Copenhagen',
  status: 'confirmed',
  ...overrides,
});

/** An inbound call, answered after 5 s by Anna, 3 min 12 s of talk. */
export const aCall = (overrides: Partial<RelatelCallRecord> = {}): RelatelCallRecord => ({
  call_uuid: 'c0ffee00-0000-4000-8000-000000000001',
  direction: 'in',
  status: 'answered',
  from_number: '4571999999',
  to_number: '4570101010',
  from_contact: 1001,
  to_contact: null,
  started_at: '2026-11-27T10:00:00Z',
  answered_at: '2026-11-27T10:00:05Z',
  ended_at: '2026-11-27T10:03:17Z',
  endpoint_name: 'Support',
  answered_by: { id: 7, name: 'Anna', number: '4570101011' },
  ...overrides,
});

/** The same call, nobody answered. */
export const aMissedCall = (overrides: Partial<RelatelCallRecord> = {}): RelatelCallRecord =>
  aCall({ status: 'missed', answered_at: null, answered_by: null, ...overrides });
