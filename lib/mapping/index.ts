/** The mapping layer: pure functions from Relatel records to GHL request bodies. */
export { parseMappingConfig, mappingConfigSchema, DEFAULT_APPOINTMENT_STATUS_MAP } from './config.js';
export type { MappingConfig, MappingConfigInput } from './config.js';
export type * from './relatel-records.js';
export type { Mapped, MappingIssue, MappingIssueReason } from './result.js';
export { contactTags, mapContactToCreateBody, mapContactToUpdateBody, mapContactToUpsertBody } from './contacts.js';
export type { MappedContactUpdate } from './contacts.js';
export { diffTags, normaliseTags } from './tags.js';
export type { TagDiff } from './tags.js';
export { normalisePhone, formatPhoneForDisplay } from './phone.js';
export type { PhoneNormalisation } from './phone.js';
export { normaliseEmail } from './email.js';
export { splitName, contactNameParts } from './names.js';
export { mapTaskToCreateBody, mapTaskToUpdateBody, mapTaskCompletion } from './tasks.js';
export { mapNoteToCreateBody, mapNoteToUpdateBody } from './notes.js';
export {
  callRemoteParty,
  formatDuration,
  isUnansweredInboundCall,
  mapCallToCallbackTaskBody,
  mapCallToNoteBody,
  normaliseCallDirection,
} from './calls.js';
export type { CallDirection, CallRemoteParty } from './calls.js';
export {
  mapAppointmentCancellation,
  mapAppointmentStatus,
  mapAppointmentToCreateBody,
  mapAppointmentToUpdateBody,
} from './appointments.js';
export type { AppointmentTarget } from './appointments.js';
export { hashBody, canonicalJson } from './hash.js';
