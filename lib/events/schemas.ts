/**
 * The Relatel webhook contract as zod/mini schemas: the envelope every delivery shares and the
 * payload of each event type the sync acts on (see docs/WEBHOOKS.md).
 *
 * Relatel does not document its payloads, so the schemas are deliberately forgiving:
 *  - payloads are loose objects: unknown fields pass through and are kept;
 *  - optional fields may be absent or `null` (Relatel's API serialises missing values as null);
 *  - ids may be strings or integers and are kept as sent (consumers normalise with `String()`);
 *  - only the fields needed to route an event are required: a payload carrying just its ids is
 *    valid, because the consumers read the record's current state from Relatel's API anyway.
 */
import * as z from 'zod/mini';
import type { RoutedEventType } from '../entities.js';

/**
 * SQS accepts MessageGroupId and MessageDeduplicationId values of 1-128 characters drawn from
 * alphanumerics and punctuation, i.e. printable ASCII without the space.
 */
export const SQS_MESSAGE_ID_PATTERN = /^[!-~]{1,128}$/;

export function isValidSqsMessageId(value: string): boolean {
  return SQS_MESSAGE_ID_PATTERN.test(value);
}

const relatelId = () => z.union([z.string().check(z.minLength(1)), z.int()]);
const optionalText = () => z.nullish(z.string());
const optionalId = () => z.nullish(relatelId());

export const relatelEnvelopeSchema = z.looseObject({
  // Becomes the SQS MessageDeduplicationId, so it must fit SQS's alphabet and length.
  delivery_id: z.string().check(z.regex(SQS_MESSAGE_ID_PATTERN)),
  event_type: z.string().check(z.minLength(1)),
  occurred_at: z.iso.datetime({ offset: true }),
  payload: z.looseObject({}),
});
export type RelatelEnvelope = z.infer<typeof relatelEnvelopeSchema>;

export const relatelContactSchema = z.looseObject({
  id: relatelId(),
  name: optionalText(),
  number: optionalText(),
  email: optionalText(),
  first_name: optionalText(),
  last_name: optionalText(),
  company: optionalText(),
  tags: z.nullish(z.array(z.string())),
});
export type RelatelContact = z.infer<typeof relatelContactSchema>;

/** Relatel's contact comments. */
export const relatelNoteSchema = z.looseObject({
  id: relatelId(),
  contact_id: relatelId(),
  body: optionalText(),
  employee_id: optionalId(),
  created_at: optionalText(),
});
export type RelatelNote = z.infer<typeof relatelNoteSchema>;

export const relatelTaskSchema = z.looseObject({
  id: relatelId(),
  contact_id: relatelId(),
  title: optionalText(),
  description: optionalText(),
  due_at: optionalText(),
  status: z.nullish(z.enum(['open', 'completed'])),
  assignee_id: optionalId(),
});
export type RelatelTask = z.infer<typeof relatelTaskSchema>;

export const relatelAppointmentSchema = z.looseObject({
  id: relatelId(),
  contact_id: relatelId(),
  title: optionalText(),
  starts_at: optionalText(),
  ends_at: optionalText(),
  timezone: optionalText(),
  status: optionalText(),
  location: optionalText(),
});
export type RelatelAppointment = z.infer<typeof relatelAppointmentSchema>;

/** A Relatel call object; numbers are digits with country code and no `+`. */
export const relatelCallSchema = z.looseObject({
  call_uuid: z.string().check(z.minLength(1)),
  // Decides which number is the remote party (and so the message group): see lib/entities.ts.
  // Relatel's REST API writes `in`/`out`; webhook payloads have been seen with the long form.
  direction: z.enum(['inbound', 'outbound', 'in', 'out']),
  status: z.string(),
  from_number: z.string(),
  to_number: z.string(),
  // A contact id, or the embedded contact.
  from_contact: z.nullish(z.union([relatelId(), z.looseObject({ id: relatelId() })])),
  to_contact: z.nullish(z.union([relatelId(), z.looseObject({ id: relatelId() })])),
  started_at: z.string(),
  answered_at: optionalText(),
  ended_at: z.string(),
  endpoint_name: optionalText(),
});
export type RelatelCall = z.infer<typeof relatelCallSchema>;

export const PAYLOAD_SCHEMAS = {
  'contact.created': relatelContactSchema,
  'contact.updated': relatelContactSchema,
  'contact.deleted': relatelContactSchema,
  'note.created': relatelNoteSchema,
  'note.updated': relatelNoteSchema,
  'note.deleted': relatelNoteSchema,
  'call.ended': relatelCallSchema,
  'task.created': relatelTaskSchema,
  'task.updated': relatelTaskSchema,
  'task.completed': relatelTaskSchema,
  'task.deleted': relatelTaskSchema,
  'appointment.created': relatelAppointmentSchema,
  'appointment.updated': relatelAppointmentSchema,
  'appointment.cancelled': relatelAppointmentSchema,
  'appointment.deleted': relatelAppointmentSchema,
} as const satisfies Record<RoutedEventType, z.ZodMiniType>;

/** The payload type of each routed event type. */
export type RelatelPayloadOf<T extends RoutedEventType> = z.infer<(typeof PAYLOAD_SCHEMAS)[T]>;
