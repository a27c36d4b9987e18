import { describe, expectTypeOf, it } from 'vitest';
import type {
  RelatelAppointment,
  RelatelCall,
  RelatelContact,
  RelatelNote,
  RelatelTask,
} from '../../../lib/events/schemas.js';
import type {
  RelatelAppointmentRecord,
  RelatelCallRecord,
  RelatelContactRecord,
  RelatelNoteRecord,
  RelatelTaskRecord,
} from '../../../lib/mapping/relatel-records.js';

// Type-level: `tsc --noEmit` fails if a parsed webhook payload can no longer be mapped as it is.
describe('parsed webhook payloads are accepted by the mapping as they are', () => {
  it('contacts', () => expectTypeOf<RelatelContact>().toExtend<RelatelContactRecord>());
  it('notes', () => expectTypeOf<RelatelNote>().toExtend<RelatelNoteRecord>());
  it('tasks', () => expectTypeOf<RelatelTask>().toExtend<RelatelTaskRecord>());
  it('appointments', () => expectTypeOf<RelatelAppointment>().toExtend<RelatelAppointmentRecord>());
  it('calls', () => expectTypeOf<RelatelCall>().toExtend<RelatelCallRecord>());
});
