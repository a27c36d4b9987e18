/**
 * What GHL answers, parsed leniently: only the fields the sync uses are declared, only ids are
 * required, unknown fields pass through (GHL adds fields freely) and GHL's habit of sending
 * null for empty fields is accepted.
 */
import * as z from 'zod/mini';

const id = () => z.string().check(z.minLength(1));
const text = () => z.nullish(z.string());

export const ghlContactSchema = z.looseObject({
  id: id(),
  locationId: text(),
  firstName: text(),
  lastName: text(),
  email: text(),
  phone: text(),
  companyName: text(),
  tags: z.nullish(z.array(z.string())),
  dateUpdated: text(),
});
export type GhlContact = z.infer<typeof ghlContactSchema>;

export const ghlTaskSchema = z.looseObject({
  id: id(),
  title: text(),
  body: text(),
  dueDate: text(),
  completed: z.nullish(z.boolean()),
  contactId: text(),
  assignedTo: text(),
});
export type GhlTask = z.infer<typeof ghlTaskSchema>;

export const ghlNoteSchema = z.looseObject({
  id: id(),
  body: text(),
  userId: text(),
  contactId: text(),
  dateAdded: text(),
});
export type GhlNote = z.infer<typeof ghlNoteSchema>;

/** Appointments and calendar events; times are left untyped (the spec calls them objects). */
export const ghlAppointmentSchema = z.looseObject({
  id: id(),
  calendarId: text(),
  contactId: text(),
  title: text(),
  appointmentStatus: text(),
});
export type GhlAppointment = z.infer<typeof ghlAppointmentSchema>;

export const contactAnswer = z.looseObject({ contact: ghlContactSchema });
export const upsertAnswer = z.looseObject({ new: z._default(z.boolean(), false), contact: ghlContactSchema });
export const contactListAnswer = z.looseObject({
  contacts: z.array(ghlContactSchema),
  count: z.nullish(z.number()),
});
/** POST /contacts/search: GHL's docs answer `total`, the spec's schema `count`; neither is needed. */
export const contactSearchAnswer = z.looseObject({ contacts: z.array(ghlContactSchema) });
export const tagsAnswer = z.looseObject({ tags: z._default(z.array(z.string()), []) });
export const taskAnswer = z.looseObject({ task: ghlTaskSchema });
export const taskListAnswer = z.looseObject({ tasks: z.array(ghlTaskSchema) });
export const noteAnswer = z.looseObject({ note: ghlNoteSchema });
export const noteListAnswer = z.looseObject({ notes: z.array(ghlNoteSchema) });
export const eventListAnswer = z.looseObject({ events: z.array(ghlAppointmentSchema) });
export const eventAnswer = z.looseObject({ event: ghlAppointmentSchema });

/** GET /locations/{locationId}: only the settings the sync reads (SettingsSchema in apps/locations.json). */
export const locationAnswer = z.looseObject({
  location: z.looseObject({
    id: id(),
    settings: z.nullish(z.looseObject({ allowDuplicateContact: z.nullish(z.boolean()) })),
  }),
});

/** POST /contacts/ on a location that forbids duplicates: 400 naming the existing contact. */
export const duplicateContactAnswer = z.looseObject({
  message: z.optional(z.unknown()),
  meta: z.nullish(z.looseObject({ contactId: z.nullish(z.string()), matchingField: text() })),
});
