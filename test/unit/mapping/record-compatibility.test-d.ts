/**
 * Type-level only: `npm run typecheck` (tsc --noEmit, the first half of `npm test`) fails if a
 * parsed webhook payload can no longer be mapped as it is. Named `.test-d.ts` so vitest does
 * not run it: at runtime these assertions do nothing, and counted as tests they could not fail.
 */
import { expectTypeOf } from 'vitest';
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

expectTypeOf<RelatelContact>().toExtend<RelatelContactRecord>();
expectTypeOf<RelatelNote>().toExtend<RelatelNoteRecord>();
expectTypeOf<RelatelTask>().toExtend<RelatelTaskRecord>();
expectTypeOf<RelatelAppointment>().toExtend<RelatelAppointmentRecord>();
expectTypeOf<RelatelCall>().toExtend<RelatelCallRecord>();
