/**
 * The GHL door's payloads as zod/mini schemas, and their normalisation into one
 * `GhlContactEvent`, whichever way the contact came:
 *
 *  - marketplace-app webhooks (`ContactCreate`, `ContactUpdate`, `ContactDelete`, and
 *    `ContactTagUpdate`, which matters when only tagged contacts are synced): GHL's flat JSON
 *    (highlevel-api-docs, `docs/webhook events/Contact*.md`) with `webhookId` and `timestamp`;
 *  - workflow webhooks: the contact as a workflow's "Webhook" action sends it (snake_case keys,
 *    `tags` as one comma-separated string, the location as an object), unsigned, without id or
 *    time of its own.
 *
 * Schemas are loose (unknown fields pass) and forgiving about optional fields (absent or null).
 * Only what routing needs is required: the contact id (it becomes the SQS message group), the
 * location (checked against the deployment's), and for app webhooks `webhookId` (the SQS
 * deduplication id) and `timestamp`. Issues name the field, never the value.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { parseGhlTimestamp } from './ghl-signature.js';
import { isValidSqsMessageId, SQS_MESSAGE_ID_PATTERN } from './schemas.js';
import { describeIssues, type FieldIssue } from './validate.js';

/** The app webhook types the door acts on; any other type is answered 202 and ignored. */
export const GHL_CONTACT_WEBHOOK_TYPES = ['ContactCreate', 'ContactUpdate', 'ContactDelete', 'ContactTagUpdate'] as const;
export type GhlContactWebhookType = (typeof GHL_CONTACT_WEBHOOK_TYPES)[number];

const sqsId = () => z.string().check(z.regex(SQS_MESSAGE_ID_PATTERN));
const nonEmpty = () => z.string().check(z.minLength(1));
const optionalText = () => z.nullish(z.string());

/** What every app webhook carries; read first to route by `type`. */
export const ghlAppWebhookEnvelopeSchema = z.looseObject({ type: nonEmpty() });

const appContactFields = {
  locationId: nonEmpty(),
  // Becomes the SQS MessageGroupId: GHL ids are 20 alphanumerics, SQS takes printable ASCII.
  id: sqsId(),
  // Becomes the SQS MessageDeduplicationId.
  webhookId: sqsId(),
  // Its window is checked by checkGhlReplayWindow; here only that it is there.
  timestamp: z.union([nonEmpty(), z.number()]),
  firstName: optionalText(),
  lastName: optionalText(),
  name: optionalText(),
  email: optionalText(),
  phone: optionalText(),
  tags: z.nullish(z.array(z.string())),
  dateAdded: optionalText(),
};

export const ghlContactCreateSchema = z.looseObject({ type: z.literal('ContactCreate'), ...appContactFields });
export const ghlContactUpdateSchema = z.looseObject({ type: z.literal('ContactUpdate'), ...appContactFields });
export const ghlContactDeleteSchema = z.looseObject({ type: z.literal('ContactDelete'), ...appContactFields });
export const ghlContactTagUpdateSchema = z.looseObject({ type: z.literal('ContactTagUpdate'), ...appContactFields });
export type GhlContactAppPayload = z.infer<typeof ghlContactCreateSchema>;

const APP_SCHEMAS = {
  ContactCreate: ghlContactCreateSchema,
  ContactUpdate: ghlContactUpdateSchema,
  ContactDelete: ghlContactDeleteSchema,
  ContactTagUpdate: ghlContactTagUpdateSchema,
} as const satisfies Record<GhlContactWebhookType, z.ZodMiniType>;

/** The body of a workflow's "Webhook" action (a "Custom Webhook" body must use the same keys). */
export const ghlWorkflowContactSchema = z.looseObject({
  contact_id: sqsId(),
  first_name: optionalText(),
  last_name: optionalText(),
  full_name: optionalText(),
  email: optionalText(),
  phone: optionalText(),
  // GHL sends one comma-separated string; a custom body may send a list.
  tags: z.nullish(z.union([z.string(), z.array(z.string())])),
  location: z.looseObject({ id: nonEmpty() }),
});
export type GhlWorkflowContactPayload = z.infer<typeof ghlWorkflowContactSchema>;

// ---------------------------------------------------------------------------------------------
// The normalised event

export type GhlContactEventType = 'created' | 'updated' | 'deleted';
export type GhlWebhookSource = 'app' | 'workflow';
/** Where a queued event came from: a door's webhook, or the catch-up reading GHL (lib/reverse/catch-up.ts). */
export type GhlEventSource = GhlWebhookSource | 'catch-up';

/** A GHL contact as the door saw it: trimmed, blanks left out; phone and e-mail as sent. */
export interface GhlContactSnapshot {
  ghlId: string;
  firstName?: string;
  lastName?: string;
  name?: string;
  email?: string;
  phone?: string;
  tags: string[];
}

export interface GhlContactEvent {
  source: GhlEventSource;
  /** The SQS deduplication id: the app webhook's `webhookId`, `wf-` and the request's id, or `catchup-<id>-<dateUpdated>`. */
  dedupId: string;
  /**
   * A workflow sends the contact's current state without saying what happened: `updated`,
   * which the writer treats as a create for a contact it has not linked yet.
   */
  type: GhlContactEventType;
  /** ISO-8601: the app webhook's `timestamp`, or when a workflow webhook was received. */
  occurredAt: string;
  locationId: string;
  contact: GhlContactSnapshot;
}

export interface GhlEventContext {
  /** The deployment's GHL location: events of any other location are ignored. */
  expectedLocationId: string;
  /** When the request arrived, epoch milliseconds. */
  receivedAt: number;
  /** The request's unique id (API Gateway's requestId): the dedup id of a workflow webhook. */
  requestId: string;
}

export type GhlWebhookNormalisation =
  | { kind: 'event'; event: GhlContactEvent }
  /** An app webhook of a type the door does not act on: answer 2xx, queue nothing. */
  | { kind: 'unrouted'; eventType: string }
  /** A valid event of another location (an app installed in several): answer 2xx, queue nothing. */
  | { kind: 'foreign-location'; source: GhlWebhookSource; dedupId: string }
  | { kind: 'invalid'; issues: FieldIssue[] };

const EVENT_TYPE_OF: Record<GhlContactWebhookType, GhlContactEventType> = {
  ContactCreate: 'created',
  ContactUpdate: 'updated',
  ContactDelete: 'deleted',
  ContactTagUpdate: 'updated',
};
// GHL's event type is authenticated but still free text: keep log lines bounded.
const MAX_LOGGED_EVENT_TYPE_LENGTH = 100;

/** Validates a parsed GHL webhook body of either source and normalises it into a GhlContactEvent. */
export function normaliseGhlWebhook(source: GhlWebhookSource, body: unknown, context: GhlEventContext): GhlWebhookNormalisation {
  return source === 'app' ? normaliseAppWebhook(body, context) : normaliseWorkflowWebhook(body, context);
}

function normaliseAppWebhook(body: unknown, context: GhlEventContext): GhlWebhookNormalisation {
  const envelope = ghlAppWebhookEnvelopeSchema.safeParse(body, { reportInput: true });
  if (!envelope.success) return invalid(envelope.error.issues);
  const type = envelope.data.type;
  if (!isContactWebhookType(type)) return { kind: 'unrouted', eventType: type.slice(0, MAX_LOGGED_EVENT_TYPE_LENGTH) };
  const parsed = APP_SCHEMAS[type].safeParse(body, { reportInput: true });
  if (!parsed.success) return invalid(parsed.error.issues);
  const payload = parsed.data;
  const occurredAtMs = parseGhlTimestamp(payload.timestamp);
  if (occurredAtMs === undefined) return { kind: 'invalid', issues: [{ path: 'timestamp', problem: 'must be an ISO-8601 date-time' }] };
  if (payload.locationId !== context.expectedLocationId) return { kind: 'foreign-location', source: 'app', dedupId: payload.webhookId };
  return {
    kind: 'event',
    event: {
      source: 'app',
      dedupId: payload.webhookId,
      type: EVENT_TYPE_OF[type],
      occurredAt: new Date(occurredAtMs).toISOString(),
      locationId: payload.locationId,
      contact: contactSnapshot(payload.id, {
        firstName: payload.firstName,
        lastName: payload.lastName,
        name: payload.name,
        email: payload.email,
        phone: payload.phone,
        tags: payload.tags ?? [],
      }),
    },
  };
}

function normaliseWorkflowWebhook(body: unknown, context: GhlEventContext): GhlWebhookNormalisation {
  const parsed = ghlWorkflowContactSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return invalid(parsed.error.issues);
  const payload = parsed.data;
  const dedupId = workflowDedupId(context.requestId);
  if (payload.location.id !== context.expectedLocationId) return { kind: 'foreign-location', source: 'workflow', dedupId };
  return {
    kind: 'event',
    event: {
      source: 'workflow',
      dedupId,
      type: 'updated',
      occurredAt: new Date(context.receivedAt).toISOString(),
      locationId: payload.location.id,
      contact: contactSnapshot(payload.contact_id, {
        firstName: payload.first_name,
        lastName: payload.last_name,
        name: payload.full_name,
        email: payload.email,
        phone: payload.phone,
        tags: typeof payload.tags === 'string' ? payload.tags.split(',') : payload.tags ?? [],
      }),
    },
  };
}

/**
 * Workflows do not retry and carry no id, so each request is its own event. A content hash
 * would be worse: SQS would drop a change made back (A, B, A) within its 5-minute window.
 */
function workflowDedupId(requestId: string): string {
  const candidate = `wf-${requestId}`;
  return isValidSqsMessageId(candidate) ? candidate : `wf-${createHash('sha256').update(requestId).digest('hex')}`;
}

/** The snapshot of a GHL contact's fields: trimmed, blanks left out, tags without empties. */
export function contactSnapshot(
  ghlId: string,
  fields: {
    firstName: string | null | undefined;
    lastName: string | null | undefined;
    name: string | null | undefined;
    email: string | null | undefined;
    phone: string | null | undefined;
    tags: readonly string[];
  },
): GhlContactSnapshot {
  const contact: GhlContactSnapshot = { ghlId, tags: fields.tags.map((tag) => tag.trim()).filter((tag) => tag !== '') };
  for (const key of ['firstName', 'lastName', 'name', 'email', 'phone'] as const) {
    const value = fields[key]?.trim();
    if (value) contact[key] = value;
  }
  return contact;
}

function isContactWebhookType(type: string): type is GhlContactWebhookType {
  return (GHL_CONTACT_WEBHOOK_TYPES as readonly string[]).includes(type);
}

// The only pattern in these schemas is SQS's id alphabet: say what it is.
const SQS_ID_PROBLEM = 'must be 1-128 printable ASCII characters without spaces';

function invalid(issues: readonly z.core.$ZodIssue[]): GhlWebhookNormalisation {
  const described = describeIssues(issues, []).map((issue, index) => {
    const source = issues[index];
    return source?.code === 'invalid_format' && source.format === 'regex' ? { ...issue, problem: SQS_ID_PROBLEM } : issue;
  });
  return { kind: 'invalid', issues: described };
}
