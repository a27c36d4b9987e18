/**
 * Webhook ingest, the functional core of functions/webhook: given one HTTP request and two ports
 * (the queue, the signing secrets), decide the answer. It never throws: every input, and every
 * failure of a port, maps to a defined answer, so the caller cannot produce an unhandled 500.
 *
 * The checks run cheapest and least trusting first: size, content type, then the signature over
 * the raw bytes, and only then is the body decoded, parsed and validated, so unauthenticated
 * input gets a bare 401 and is never parsed.
 */
import { messageGroupIdFieldOf, messageGroupIdOf, routeOf, type QueueOwner } from '../entities.js';
import { isValidSqsMessageId } from '../events/schemas.js';
import {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  RELATEL_DELIVERY_ID_HEADER,
  RELATEL_SIGNATURE_HEADER,
  verifyRelatelSignature,
  type SignatureVerdict,
} from '../events/signature.js';
import { validateRelatelEvent, type FieldIssue } from '../events/validate.js';
import { MAX_EVENT_BODY_BYTES } from '../message-size.js';
import type { QueueSender, SigningSecrets } from './ports.js';


export interface WebhookRequest {
  /** Header names in any case (API Gateway v2 lower-cases them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received: bytes, text, or base64 text when `isBase64Encoded`. */
  readonly rawBody: string | Uint8Array | undefined;
  readonly isBase64Encoded?: boolean;
  /** When the request arrived, epoch milliseconds. */
  readonly now: number;
}

export interface WebhookResponse {
  readonly statusCode: number;
  /** JSON-serialisable; never carries a value from the request other than the delivery id. */
  readonly body: Readonly<Record<string, unknown>>;
}

export type IngestOutcomeKind = 'accepted' | 'test' | 'ignored' | 'rejected' | 'unavailable';

/** What happened, for logs and metrics: ids, types and reasons, never payload fields. */
export interface IngestOutcome {
  readonly kind: IngestOutcomeKind;
  /** Short machine-readable cause of a rejection or unavailability, e.g. `signature-stale`. */
  readonly reason?: string;
  readonly deliveryId?: string;
  readonly eventType?: string;
  readonly entity?: QueueOwner;
  /** The failure behind an `unavailable` answer. */
  readonly error?: unknown;
}

export interface IngestResult {
  readonly response: WebhookResponse;
  readonly outcome: IngestOutcome;
}

export interface WebhookIngestDeps {
  readonly queue: QueueSender;
  readonly secrets: SigningSecrets;
  readonly toleranceSeconds?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Valid JSON text can still hold these two code points, which SQS refuses in a message body.
export const SQS_UNSUPPORTED_CHARACTERS = /[\uFFFE\uFFFF]/;
// Relatel's event type is signed, but it is still free text: keep log lines bounded.
const MAX_LOGGED_EVENT_TYPE_LENGTH = 100;

export async function ingestRelatelWebhook(request: WebhookRequest, deps: WebhookIngestDeps): Promise<IngestResult> {
  try {
    return await ingest(request, deps);
  } catch (error) {
    // Only a bug gets here. 503 makes Relatel deliver again later, so no event is lost while
    // the bug is fixed; a 500 would say the same, less honestly, and break our own contract.
    return unavailable('unexpected-error', error);
  }
}

async function ingest(request: WebhookRequest, deps: WebhookIngestDeps): Promise<IngestResult> {
  const bytes = rawBytesOf(request);
  if (bytes === undefined) return rejected(413, 'too-large', { error: 'payload_too_large' });

  if (!isJsonContentType(headerOf(request.headers, 'content-type'))) {
    return rejected(415, 'unsupported-media-type', { error: 'unsupported_media_type' });
  }

  const signature = await checkSignature(request, bytes, deps);
  if (signature === 'unavailable') return unavailable('secrets-unavailable');
  if (!signature.valid) return rejected(401, `signature-${signature.reason}`, { error: 'invalid_signature' });

  const text = decodeUtf8(bytes);
  if (text === undefined || SQS_UNSUPPORTED_CHARACTERS.test(text)) {
    return rejected(400, 'invalid-encoding', { error: 'invalid_encoding' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return rejected(400, 'invalid-json', { error: 'invalid_json' });
  }

  const event = validateRelatelEvent(json);
  if (!event.valid) return invalidEvent(event.issues);
  const deliveryId = event.envelope.delivery_id;
  const eventType = event.eventType.slice(0, MAX_LOGGED_EVENT_TYPE_LENGTH);

  // The header is not signed; the body is. They must agree, so whatever Relatel or a proxy
  // deduplicates on by header is the same delivery we deduplicate on.
  if (headerOf(request.headers, RELATEL_DELIVERY_ID_HEADER) !== deliveryId) {
    return rejected(400, 'delivery-id-mismatch', { error: 'delivery_id_mismatch' }, { deliveryId, eventType });
  }

  if (event.kind === 'test') {
    return { response: { statusCode: 200, body: { test: true, delivery_id: deliveryId } }, outcome: { kind: 'test', deliveryId, eventType } };
  }
  if (event.kind === 'unrouted') {
    // 2xx, or Relatel would retry an event we will never act on, forever.
    return { response: { statusCode: 202, body: { ignored: true, delivery_id: deliveryId } }, outcome: { kind: 'ignored', deliveryId, eventType } };
  }

  const groupIdField = messageGroupIdFieldOf(event.eventType, event.payload);
  const groupId = messageGroupIdOf(event.eventType, event.payload);
  if (groupId === undefined || !isValidSqsMessageId(groupId)) {
    return invalidEvent([{ path: `payload.${groupIdField}`, problem: 'must be 1-128 printable ASCII characters without spaces' }]);
  }

  const { entity } = routeOf(event.eventType);
  try {
    await deps.queue.send({
      entity,
      groupId,
      deduplicationId: deliveryId,
      // As received: consumers see exactly what Relatel sent, unknown fields included.
      body: text,
      attributes: { event_type: event.eventType, delivery_id: deliveryId },
    });
  } catch (error) {
    return unavailable('enqueue-failed', error, { deliveryId, eventType, entity });
  }
  return {
    response: { statusCode: 202, body: { accepted: true, delivery_id: deliveryId } },
    outcome: { kind: 'accepted', deliveryId, eventType, entity },
  };
}

/**
 * The body's bytes, or undefined when there are more than MAX_EVENT_BODY_BYTES of them: less
 * than SQS's 256 KiB, by what the message attributes need when it is queued and parked.
 */
export function rawBytesOf(request: WebhookRequest): Uint8Array | undefined {
  const body = request.rawBody ?? '';
  if (typeof body !== 'string') return body.byteLength > MAX_EVENT_BODY_BYTES ? undefined : body;
  if (request.isBase64Encoded) {
    // Base64 text is 4/3 the size of its bytes: refuse an oversized body before decoding it.
    if (body.length > Math.ceil(MAX_EVENT_BODY_BYTES / 3) * 4) return undefined;
    const bytes = Buffer.from(body, 'base64');
    return bytes.byteLength > MAX_EVENT_BODY_BYTES ? undefined : bytes;
  }
  if (Buffer.byteLength(body, 'utf8') > MAX_EVENT_BODY_BYTES) return undefined;
  return Buffer.from(body, 'utf8');
}

async function checkSignature(
  request: WebhookRequest,
  rawBody: Uint8Array,
  deps: WebhookIngestDeps,
): Promise<SignatureVerdict | 'unavailable'> {
  const header = headerOf(request.headers, RELATEL_SIGNATURE_HEADER);
  // Nothing to check against: no need to touch the secrets.
  if (header === undefined || header.trim() === '') return { valid: false, reason: 'missing' };
  const verify = (secrets: readonly string[]) =>
    verifyRelatelSignature({
      header,
      rawBody,
      secrets,
      nowSeconds: Math.floor(request.now / 1000),
      toleranceSeconds: deps.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
    });
  try {
    const verdict = verify(await deps.secrets.get());
    if (verdict.valid || verdict.reason !== 'mismatch') return verdict;
    // Maybe the secret was rotated since we cached it: look once more (rate-limited).
    const refreshed = await deps.secrets.refresh();
    return refreshed === undefined ? verdict : verify(refreshed);
  } catch {
    return 'unavailable';
  }
}

export function headerOf(headers: WebhookRequest['headers'], name: string): string | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function rejected(
  statusCode: number,
  reason: string,
  body: Record<string, unknown>,
  context: Pick<IngestOutcome, 'deliveryId' | 'eventType'> = {},
): IngestResult {
  return { response: { statusCode, body }, outcome: { kind: 'rejected', reason, ...context } };
}

export function invalidEvent(issues: readonly FieldIssue[]): IngestResult {
  return rejected(400, 'invalid-event', { error: 'invalid_event', issues });
}

export function unavailable(reason: string, error?: unknown, context: Omit<IngestOutcome, 'kind'> = {}): IngestResult {
  return {
    response: { statusCode: 503, body: { error: 'temporarily_unavailable' } },
    outcome: { kind: 'unavailable', reason, ...context, ...(error === undefined ? {} : { error }) },
  };
}
