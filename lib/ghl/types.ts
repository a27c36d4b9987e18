/**
 * Request bodies of the GHL API v2 operations the sync uses, as the official OpenAPI specs
 * define them (apps/contacts.json, apps/calendars.json). GHL rejects unknown body properties
 * with 422 `property X should not exist`, so these types list exactly what each operation
 * accepts; mapping produces them and the client sends them unchanged.
 */

/** customFieldsInputArraySchema: `id` required; reads return `{id, value}` instead. */
export interface GhlCustomFieldInput {
  id: string;
  key?: string;
  field_value: string | string[];
}

/** Fields shared by create, upsert and update (UpdateContactDto has no `companyName`). */
interface GhlContactCommonFields {
  firstName?: string;
  lastName?: string;
  name?: string;
  email?: string;
  phone?: string;
  address1?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  website?: string;
  timezone?: string;
  dnd?: boolean;
  /** Replaces every tag of the contact: only sent on create; changes go through the tag endpoints. */
  tags?: string[];
  customFields?: GhlCustomFieldInput[];
  source?: string;
  country?: string;
  assignedTo?: string;
}

/** POST /contacts/ (CreateContactDto). */
export interface GhlCreateContactBody extends GhlContactCommonFields {
  locationId: string;
  companyName?: string;
}

/** POST /contacts/upsert (UpsertContactDto). */
export interface GhlUpsertContactBody extends GhlCreateContactBody {
  createNewIfDuplicateAllowed?: boolean;
}

/** PUT /contacts/{contactId} (UpdateContactDto): no locationId, and no companyName. */
export type GhlUpdateContactBody = GhlContactCommonFields;

/** POST/DELETE /contacts/{contactId}/tags (TagsDTO). */
export interface GhlTagsBody {
  tags: string[];
}

/** POST /contacts/{contactId}/tasks (CreateTaskParams). `dueDate` is ISO 8601. */
export interface GhlCreateTaskBody {
  title: string;
  body?: string;
  dueDate: string;
  completed: boolean;
  assignedTo?: string;
}

/** PUT /contacts/{contactId}/tasks/{taskId} (UpdateTaskBody). */
export type GhlUpdateTaskBody = Partial<GhlCreateTaskBody>;

/** PUT /contacts/{contactId}/tasks/{taskId}/completed (UpdateTaskStatusParams). */
export interface GhlTaskCompletedBody {
  completed: boolean;
}

/** POST /contacts/{contactId}/notes (NotesDTO); no locationId (GHL answers 422). */
export interface GhlCreateNoteBody {
  body: string;
  userId?: string;
  title?: string;
  color?: string;
  pinned?: boolean;
}

/** PUT /contacts/{contactId}/notes/{id} (UpdateNoteDTO). */
export type GhlUpdateNoteBody = Partial<GhlCreateNoteBody>;

export const GHL_APPOINTMENT_STATUSES = ['new', 'confirmed', 'cancelled', 'showed', 'noshow', 'invalid'] as const;
export type GhlAppointmentStatus = (typeof GHL_APPOINTMENT_STATUSES)[number];

interface GhlAppointmentFields {
  title?: string;
  appointmentStatus?: GhlAppointmentStatus;
  assignedUserId?: string;
  description?: string;
  address?: string;
  /** false keeps GHL's own automations (confirmation SMS/e-mails) from firing on synced data. */
  toNotify?: boolean;
  /** Synced appointments already happened in Relatel: GHL must not refuse them for slot rules. */
  ignoreFreeSlotValidation?: boolean;
  ignoreDateRange?: boolean;
  /** ISO 8601 with offset. */
  startTime?: string;
  endTime?: string;
}

/** POST /calendars/events/appointments (AppointmentCreateSchema). */
export interface GhlCreateAppointmentBody extends GhlAppointmentFields {
  calendarId: string;
  locationId: string;
  contactId: string;
  startTime: string;
}

/** PUT /calendars/events/appointments/{eventId} (AppointmentEditSchema): no locationId/contactId. */
export interface GhlUpdateAppointmentBody extends GhlAppointmentFields {
  calendarId?: string;
}

/** API families and the `Version` header each requires (a wrong one answers 401). */
export const GHL_API_VERSIONS = {
  contacts: '2021-07-28',
  calendars: '2021-04-15',
  /** GET /locations/{locationId} (apps/locations.json), read for its duplicate-contact setting. */
  locations: '2021-07-28',
} as const;
