/**
 * How large a Relatel event may be so that it can always be queued, and parked with its reason.
 *
 * SQS counts a message's body and every message attribute (its name, its data type and its
 * value, in UTF-8 bytes) against one limit. The webhook queues the body with two attributes; a
 * consumer that parks the message copies those and adds up to seven of its own. So the largest
 * body the webhook accepts is the limit minus every attribute at its largest: a body that is
 * accepted can be queued (no 503 for ever) and parked with its reason (never stuck on its queue).
 * The parker (lib/aws/sqs-consumer-adapters.ts) holds each value to the size declared here.
 */
import { ROUTED_EVENT_TYPES } from './entities.js';

/** SQS's classic maximum message size (256 KiB), body and attributes together. */
export const SQS_MAX_MESSAGE_BYTES = 262_144;

export interface AttributeLimit {
  readonly name: string;
  readonly dataType: 'String' | 'Number';
  /** The largest value written, in UTF-8 bytes. */
  readonly maxValueBytes: number;
}

/** The attributes the webhook (and the backfill) put on a queued event. */
export const QUEUED_ATTRIBUTES = {
  /** Only routed event types are queued. */
  eventType: { name: 'event_type', dataType: 'String', maxValueBytes: Math.max(...ROUTED_EVENT_TYPES.map(utf8Bytes)) },
  /** At most 128 printable ASCII characters, as SQS's deduplication id (lib/events/schemas.ts). */
  deliveryId: { name: 'delivery_id', dataType: 'String', maxValueBytes: 128 },
} as const satisfies Record<string, AttributeLimit>;

/** The attributes a parked message carries on top of the queued ones; `npm run dlq -- list` reads them back. */
export const PARKED_ATTRIBUTES = {
  /** A short code such as `ghl-422`. */
  reason: { name: 'failure-reason', dataType: 'String', maxValueBytes: 64 },
  /** `transient`, `auth` or `permanent`. */
  kind: { name: 'failure-kind', dataType: 'String', maxValueBytes: 9 },
  /** An HTTP status. */
  status: { name: 'failure-status', dataType: 'Number', maxValueBytes: 3 },
  /** GHL's traceId (a UUID today). */
  traceId: { name: 'failure-trace-id', dataType: 'String', maxValueBytes: 128 },
  message: { name: 'failure-message', dataType: 'String', maxValueBytes: 1_000 },
  receiveCount: { name: 'failure-receive-count', dataType: 'Number', maxValueBytes: 10 },
  /** An ISO-8601 instant, `2026-03-02T08:00:00.000Z`. */
  parkedAt: { name: 'parked-at', dataType: 'String', maxValueBytes: 24 },
} as const satisfies Record<string, AttributeLimit>;

/** What one attribute at its largest counts against SQS's limit. */
export function attributeBytes(limit: AttributeLimit): number {
  return utf8Bytes(limit.name) + utf8Bytes(limit.dataType) + limit.maxValueBytes;
}

const ALL_ATTRIBUTES: readonly AttributeLimit[] = [...Object.values(QUEUED_ATTRIBUTES), ...Object.values(PARKED_ATTRIBUTES)];

/** The largest Relatel body accepted: 262,144 minus every queued and parking attribute at its largest (260,581 bytes). */
export const MAX_EVENT_BODY_BYTES = SQS_MAX_MESSAGE_BYTES - ALL_ATTRIBUTES.reduce((sum, limit) => sum + attributeBytes(limit), 0);

/** `value` cut to at most `maxBytes` of UTF-8, never inside a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (utf8Bytes(value) <= maxBytes) return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = utf8Bytes(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}

function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
