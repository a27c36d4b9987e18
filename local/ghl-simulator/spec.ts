/**
 * The slice of the GHL v2 contract the simulator enforces, carried by hand from the official
 * OpenAPI specs (apps/contacts.json, apps/calendars.json). The simulator never reads the specs
 * at run time: a user's clone does not have them.
 *
 * Each body rule lists every property the spec's DTO declares (GHL's validation pipe rejects
 * any other with 422 `property X should not exist`) and the ones it requires. The `satisfies`
 * clauses tie the rules to lib/ghl/types.ts: a field the client may send but the simulator would
 * reject fails the type-check instead of an end-to-end run.
 */
import {
  GHL_API_VERSIONS,
  GHL_APPOINTMENT_STATUSES,
  type GhlCreateAppointmentBody,
  type GhlCreateContactBody,
  type GhlCreateNoteBody,
  type GhlCreateTaskBody,
  type GhlTagsBody,
  type GhlTaskCompletedBody,
  type GhlUpdateAppointmentBody,
  type GhlUpdateContactBody,
  type GhlUpdateNoteBody,
  type GhlUpdateTaskBody,
  type GhlUpsertContactBody,
} from '../../lib/ghl/types.js';

export type ApiFamily = keyof typeof GHL_API_VERSIONS;
export { GHL_API_VERSIONS };

/** How one body property is checked. `nullable` strings accept null (GHL clears the field). */
export type FieldRule =
  | 'string'
  | 'nullableString'
  | 'boolean'
  | 'stringArray'
  | 'object'
  | 'customFields'
  | 'email'
  | 'phone'
  | 'isoDate'
  | 'isoDateTimeWithOffset'
  | 'positiveInteger'
  /** Search Contacts' `filters`: `{field, operator, value}` objects (searchFilterProblems in validate.ts). */
  | 'searchFilters'
  /** Search Contacts' `sort`: `{field, direction}` objects (searchSortProblems in validate.ts). */
  | 'searchSort'
  | { readonly oneOf: readonly string[] };

export interface BodyRule {
  readonly fields: Readonly<Record<string, FieldRule>>;
  readonly required: readonly string[];
}

type FieldsOf<T> = Record<keyof T, FieldRule> & Record<string, FieldRule>;

const MEETING_LOCATION_TYPES = ['custom', 'zoom', 'gmeet', 'phone', 'address', 'ms_teams', 'google'] as const;

/** UpdateContactDto: the properties create, upsert and update share. */
const contactFields = {
  firstName: 'nullableString',
  lastName: 'nullableString',
  name: 'nullableString',
  email: 'email',
  phone: 'phone',
  address1: 'nullableString',
  city: 'nullableString',
  state: 'nullableString',
  postalCode: 'string',
  website: 'nullableString',
  timezone: 'nullableString',
  dnd: 'boolean',
  dndSettings: 'object',
  inboundDndSettings: 'object',
  tags: 'stringArray',
  customFields: 'customFields',
  source: 'nullableString',
  dateOfBirth: 'nullableString',
  country: 'string',
  assignedTo: 'string',
} as const satisfies FieldsOf<GhlUpdateContactBody>;

/** CreateContactDto adds locationId, gender and companyName to UpdateContactDto. */
const createContactFields = {
  ...contactFields,
  locationId: 'string',
  gender: 'string',
  companyName: 'nullableString',
} as const satisfies FieldsOf<GhlCreateContactBody>;

const taskFields = {
  title: 'string',
  body: 'string',
  dueDate: 'isoDate',
  completed: 'boolean',
  assignedTo: 'string',
} as const satisfies FieldsOf<GhlCreateTaskBody> & FieldsOf<GhlUpdateTaskBody>;

const noteFields = {
  userId: 'string',
  body: 'string',
  title: 'string',
  color: 'string',
  pinned: 'boolean',
} as const satisfies FieldsOf<GhlCreateNoteBody> & FieldsOf<GhlUpdateNoteBody>;

/** AppointmentEditSchema: no locationId and no contactId. */
const appointmentEditFields = {
  title: 'string',
  meetingLocationType: { oneOf: MEETING_LOCATION_TYPES },
  meetingLocationId: 'string',
  overrideLocationConfig: 'boolean',
  appointmentStatus: { oneOf: GHL_APPOINTMENT_STATUSES },
  assignedUserId: 'string',
  description: 'string',
  address: 'string',
  ignoreDateRange: 'boolean',
  toNotify: 'boolean',
  ignoreFreeSlotValidation: 'boolean',
  rrule: 'string',
  calendarId: 'string',
  startTime: 'isoDateTimeWithOffset',
  endTime: 'isoDateTimeWithOffset',
} as const satisfies FieldsOf<GhlUpdateAppointmentBody>;

const appointmentCreateFields = {
  ...appointmentEditFields,
  locationId: 'string',
  contactId: 'string',
} as const satisfies FieldsOf<GhlCreateAppointmentBody>;

export const BODY_RULES = {
  createContact: { fields: createContactFields, required: ['locationId'] },
  upsertContact: {
    fields: { ...createContactFields, createNewIfDuplicateAllowed: 'boolean' } satisfies FieldsOf<GhlUpsertContactBody>,
    required: ['locationId'],
  },
  updateContact: { fields: contactFields, required: [] },
  tags: { fields: { tags: 'stringArray' } satisfies FieldsOf<GhlTagsBody>, required: ['tags'] },
  createTask: { fields: taskFields, required: ['title', 'dueDate', 'completed'] },
  updateTask: { fields: taskFields, required: [] },
  taskCompleted: { fields: { completed: 'boolean' } satisfies FieldsOf<GhlTaskCompletedBody>, required: ['completed'] },
  createNote: { fields: noteFields, required: ['body'] },
  updateNote: { fields: noteFields, required: [] },
  createAppointment: {
    fields: appointmentCreateFields,
    required: ['calendarId', 'locationId', 'contactId', 'startTime'],
  },
  updateAppointment: { fields: appointmentEditFields, required: [] },
  /**
   * POST /contacts/search: SearchBodyV2DTO declares no properties; these are the ones GHL's
   * Search Contacts documentation gives and the sync sends.
   */
  searchContacts: {
    fields: { locationId: 'string', page: 'positiveInteger', pageLimit: 'positiveInteger', filters: 'searchFilters', sort: 'searchSort' },
    required: ['locationId'],
  },
  /** DeleteAppointmentSchema declares no properties. */
  deleteEvent: { fields: {}, required: [] },
} as const satisfies Record<string, BodyRule>;

/** customFieldsInputArraySchema: writes send `{id, key?, field_value}`; reads return `{id, value}`. */
export const CUSTOM_FIELD_INPUT_PROPERTIES = ['id', 'key', 'field_value'] as const;

/** GHL's duplicate-contact message, word for word: clients match on the 400 and `meta`. */
export const DUPLICATE_CONTACT_MESSAGE = 'This location does not allow duplicated contacts.';

/** The id shape GHL uses for contacts, tasks, notes, events and locations. */
export const GHL_ID_LENGTH = 20;
