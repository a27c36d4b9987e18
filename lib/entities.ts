import { createHash } from 'node:crypto';

/**
 * THE table of what flows through the sync: entities, the Relatel event types that feed each,
 * and the names of their queues. The webhook, the consumers, infra/ and local/ all read it,
 * so routing, queue names and environment variable names cannot drift apart.
 */

export const ENTITIES = ['contacts', 'tasks', 'notes', 'appointments'] as const;
export type Entity = (typeof ENTITIES)[number];

/** What a consumer does with an event, independent of the entity. */
export type EventAction = 'upsert' | 'complete' | 'cancel' | 'delete' | 'call';

export interface EventRoute {
  readonly entity: Entity;
  readonly action: EventAction;
}

/** Every Relatel event type the sync acts on. Anything else is acknowledged and ignored. */
export const EVENT_ROUTES = {
  'contact.created': { entity: 'contacts', action: 'upsert' },
  'contact.updated': { entity: 'contacts', action: 'upsert' },
  'contact.deleted': { entity: 'contacts', action: 'delete' },
  'note.created': { entity: 'notes', action: 'upsert' },
  'note.updated': { entity: 'notes', action: 'upsert' },
  'note.deleted': { entity: 'notes', action: 'delete' },
  // A finished call becomes a call-log note on the remote party's contact.
  'call.ended': { entity: 'notes', action: 'call' },
  'task.created': { entity: 'tasks', action: 'upsert' },
  'task.updated': { entity: 'tasks', action: 'upsert' },
  'task.completed': { entity: 'tasks', action: 'complete' },
  'task.deleted': { entity: 'tasks', action: 'delete' },
  'appointment.created': { entity: 'appointments', action: 'upsert' },
  'appointment.updated': { entity: 'appointments', action: 'upsert' },
  'appointment.cancelled': { entity: 'appointments', action: 'cancel' },
  'appointment.deleted': { entity: 'appointments', action: 'delete' },
} as const satisfies Record<string, EventRoute>;

export type RoutedEventType = keyof typeof EVENT_ROUTES;

/** Relatel's connectivity check: answered 200, never queued. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const ROUTED_EVENT_TYPES = Object.keys(EVENT_ROUTES) as RoutedEventType[];

export function isRoutedEventType(type: string): type is RoutedEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_ROUTES, type);
}

export function routeOf(type: RoutedEventType): EventRoute {
  return EVENT_ROUTES[type];
}

/** The entity an event type's events belong to (and whose queue carries them). */
export function entityOf(type: RoutedEventType): Entity {
  return EVENT_ROUTES[type].entity;
}

type RouteOf<T extends RoutedEventType> = (typeof EVENT_ROUTES)[T];

/** The actions the table gives an entity's event types: each needs a handler (lib/sync/handlers.ts). */
export type ActionsOf<E extends Entity> = { [T in RoutedEventType]: RouteOf<T> extends { entity: E } ? RouteOf<T>['action'] : never }[RoutedEventType];

/** The event types the table routes to an entity's action. */
export type EventTypesOf<E extends Entity, A extends EventAction> = {
  [T in RoutedEventType]: RouteOf<T> extends { entity: E; action: A } ? T : never;
}[RoutedEventType];

/**
 * The payload field that names the Relatel contact an event belongs to. Its value is the SQS
 * FIFO MessageGroupId, so everything about one contact is applied in order: a contact's own
 * `id`, the `contact_id` of a note, task or appointment, and for a call the remote party's
 * number (the caller of an inbound call, the callee of an outbound one).
 */
export function messageGroupIdFieldOf(type: RoutedEventType, payload: Readonly<Record<string, unknown>>): string {
  if (type === 'call.ended') {
    const remoteNumber = payload.direction === 'outbound' || payload.direction === 'out' ? 'to_number' : 'from_number';
    // A hidden caller has no number (or only a word like "anonymous"): such a call orders with
    // nothing else, and must not be refused (Relatel would resend it forever).
    const digits = typeof payload[remoteNumber] === 'string' ? payload[remoteNumber].replace(/\D/g, '') : undefined;
    return digits === '' ? 'call_uuid' : remoteNumber;
  }
  return EVENT_ROUTES[type].entity === 'contacts' ? 'id' : 'contact_id';
}

/** The MessageGroupId of an event (see above); undefined when the payload lacks a usable value. */
export function messageGroupIdOf(type: RoutedEventType, payload: Readonly<Record<string, unknown>>): string | undefined {
  const field = messageGroupIdFieldOf(type, payload);
  const value = payload[field];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return field === 'from_number' || field === 'to_number' ? phoneNumberGroupId(String(value)) : String(value);
}

/**
 * A phone number as a message group id: hashed, because SQS shows group ids in its console, its
 * APIs and every DLQ listing, and a phone number is personal data. Digits only, so the spellings
 * Relatel may use for one number (`4571999999`, `+45 71 99 99 99`) share one group.
 */
export function phoneNumberGroupId(number: string): string {
  return `tel-${createHash('sha256').update(number.replace(/\D/g, '')).digest('hex').slice(0, 32)}`;
}

/** Default prefix of every AWS resource name; a deployment may pick its own. */
export const DEFAULT_RESOURCE_PREFIX = 'relatel-ghl-sync';

/**
 * The flows the other way, GHL -> Relatel (issue 13), one row each. A flow has its own door
 * route, FIFO queue, DLQ and consumer, named like an entity's (queueName and friends take
 * either), and the stack builds them from this table.
 *
 * `ghl-contacts`: GHL contacts to Relatel's company phonebook (caller ID). The door
 * (functions/ghl-webhook) queues each normalised GhlContactEvent (lib/events/ghl-schemas.ts)
 * with MessageGroupId = the GHL contact id (one contact's events apply in order) and
 * MessageDeduplicationId = the event's `dedupId` (GHL's `webhookId`; `wf-<request id>` for a
 * workflow webhook); the Relatel writer (functions/relatel-writer) consumes it.
 */
export const GHL_FLOWS = {
  'ghl-contacts': {
    /** The POST route of the door on the stack's HTTP API. */
    path: '/webhooks/ghl',
    groupIdOf: (event: { contact: { ghlId: string } }) => event.contact.ghlId,
    dedupIdOf: (event: { dedupId: string }) => event.dedupId,
    /** The `event_type` attribute of a queued event: `ghl.contact.created` and so on. */
    eventTypeOf: (event: { type: string }) => `ghl.contact.${event.type}`,
  },
} as const;
export type GhlFlow = keyof typeof GHL_FLOWS;
export const GHL_FLOW_NAMES = Object.keys(GHL_FLOWS) as GhlFlow[];

/** What owns a queue: an entity of the Relatel -> GHL direction or a flow of the other. */
export type QueueOwner = Entity | GhlFlow;

/** FIFO queue names must end in `.fifo`. */
export function queueName(owner: QueueOwner, prefix = DEFAULT_RESOURCE_PREFIX): string {
  return `${prefix}-${owner}.fifo`;
}

export function deadLetterQueueName(owner: QueueOwner, prefix = DEFAULT_RESOURCE_PREFIX): string {
  return `${prefix}-${owner}-dlq.fifo`;
}

/** Environment variable through which a function learns the URL of an entity's (or flow's) queue. */
export function queueUrlEnvVar(owner: QueueOwner): string {
  return `QUEUE_URL_${envName(owner)}`;
}

/** Environment variable through which a consumer learns the URL of its dead-letter queue. */
export function deadLetterQueueUrlEnvVar(owner: QueueOwner): string {
  return `DLQ_URL_${envName(owner)}`;
}

/** `ghl-contacts` -> `GHL_CONTACTS`: environment variable names take no hyphen. */
function envName(owner: QueueOwner): string {
  return owner.toUpperCase().replace(/-/g, '_');
}

/**
 * Default receives before SQS moves a message to the DLQ (configurable per deployment): SQS's
 * maximum, a backstop only. Time decides when a failing record is parked (the retry horizon,
 * lib/sync/retry-horizon.ts); the consumer parks on this receive too, with its reason.
 */
export const DEFAULT_MAX_RECEIVE_COUNT = 1000;

/**
 * How long a transiently failing record is retried before it is parked: 24 hours, longer than
 * any GHL outage on record, shorter than Relatel's own webhook retries (docs/GHL-CLIENT.md#the-retry-horizon).
 */
export const DEFAULT_RETRY_HORIZON_MS = 24 * 3_600_000;

/**
 * How long a child whose contact the sync never saw waits for the contact's own webhook before
 * it reads the contact from Relatel (lib/sync/contact-wait.ts): in a burst the webhook is usually
 * seconds behind the child; a contact really unknown costs this much latency.
 */
export const DEFAULT_CHILD_FETCH_GRACE_MS = 60_000;

/** The entity queues keep messages for SQS's maximum, longer than any wait the consumers allow. */
export const QUEUE_RETENTION_DAYS = 14;

/** DLQs keep messages for SQS's maximum, so nothing parked expires before a human sees it. */
export const DLQ_RETENTION_DAYS = 14;

/**
 * The sync-state table (DynamoDB): one definition for infra/ and local/. Items are keyed by a
 * partition key and a sort key (both strings) and expire through the TTL attribute (epoch
 * seconds); code must not rely on DynamoDB deleting expired items promptly (or at all locally).
 */
export const SYNC_TABLE = {
  name: (prefix = DEFAULT_RESOURCE_PREFIX) => `${prefix}-sync-state`,
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** Environment variables every consumer Lambda receives (set by infra/, by local/ for the local stack). */
export const CONSUMER_ENV = {
  entity: 'ENTITY',
  syncTableName: 'SYNC_TABLE_NAME',
  ghlSecretId: 'GHL_SECRET_ID',
  relatelSecretId: 'RELATEL_SECRET_ID',
  ghlBaseUrl: 'GHL_BASE_URL',
  relatelApiBaseUrl: 'RELATEL_API_BASE_URL',
  ghlCalendarId: 'GHL_CALENDAR_ID',
  rateLimitRequests: 'GHL_RATE_LIMIT_REQUESTS',
  rateLimitIntervalMs: 'GHL_RATE_LIMIT_INTERVAL_MS',
  circuitFailureThreshold: 'GHL_CIRCUIT_FAILURE_THRESHOLD',
  circuitFailureWindowMs: 'GHL_CIRCUIT_FAILURE_WINDOW_MS',
  circuitProbeIntervalMs: 'GHL_CIRCUIT_PROBE_INTERVAL_MS',
  mappingConfig: 'MAPPING_CONFIG',
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  retryHorizonMs: 'RETRY_HORIZON_MS',
  /** `on` where the GHL -> Relatel flow is deployed: the contacts consumer then keeps its links (no echo). */
  ghlContactLinks: 'GHL_CONTACT_LINKS',
  createLeaseMs: 'CREATE_LEASE_MS',
  logLevel: 'LOG_LEVEL',
} as const;
