/**
 * The GHL door (`POST /webhooks/ghl`), the functional core of functions/ghl-webhook: given one
 * HTTP request and its ports (the queue, the public keys, the workflow secret), decide the
 * answer. Like the Relatel door (webhook.ts) it never throws, checks cheapest and least trusting
 * first (size, content type, then authentication over the raw bytes) and parses only what is
 * authenticated. The contract: docs/WEBHOOKS.md#ghl---relatel-door.
 *
 * A request with a signature header is only ever checked as a marketplace-app webhook (GHL's
 * signature, then the replay window on the signed `timestamp`); one without is a workflow
 * webhook and must present the shared workflow secret. So a secret cannot pass off an app
 * payload, and a signature cannot stand in for the secret.
 */
import { GHL_FLOWS } from '../entities.js';
import { normaliseGhlWebhook, type GhlWebhookSource } from '../events/ghl-schemas.js';
import {
  checkGhlReplayWindow,
  GHL_ED25519_SIGNATURE_HEADER,
  GHL_RSA_SIGNATURE_HEADER,
  GHL_WORKFLOW_SECRET_HEADER,
  presentedWorkflowSecret,
  verifyGhlSignature,
  verifyGhlWorkflowSecret,
  type GhlWebhookKeys,
} from '../events/ghl-signature.js';
import { DEFAULT_GHL_REPLAY_WINDOW_SECONDS } from '../events/ghl-keys.js';
import type { QueueSender, SigningSecrets } from './ports.js';
import {
  decodeUtf8,
  headerOf,
  invalidEvent,
  isJsonContentType,
  rawBytesOf,
  rejected,
  SQS_UNSUPPORTED_CHARACTERS,
  unavailable,
  type IngestResult,
  type WebhookRequest,
} from './webhook.js';

export interface GhlWebhookRequest extends WebhookRequest {
  /** The query string's parameters: a plain workflow "Webhook" action can only put its secret there. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** The request's unique id (API Gateway's requestId): the dedup id of a workflow webhook. */
  readonly requestId: string;
}

export interface GhlWebhookIngestDeps {
  readonly queue: QueueSender;
  /** GHL's public keys, parsed at cold start (loadGhlWebhookKeys). */
  readonly keys: GhlWebhookKeys;
  /** The shared workflow secret (current and, during a rotation, previous); absent: workflow webhooks are refused. */
  readonly workflowSecrets?: SigningSecrets;
  /** The deployment's GHL location. */
  readonly locationId: string;
  readonly toleranceSeconds?: number;
}

const FLOW = 'ghl-contacts' as const;

/** Powertools `service` dimension of the GHL door's metrics (the Relatel door's is `webhook`); infra/ reads metrics by it. */
export const GHL_WEBHOOK_SERVICE_NAME = 'ghl-webhook';

/** Decides the answer to one request of the GHL door; never throws (an unexpected error is a 503). */
export async function ingestGhlWebhook(request: GhlWebhookRequest, deps: GhlWebhookIngestDeps): Promise<IngestResult> {
  try {
    return await ingest(request, deps);
  } catch (error) {
    return unavailable('unexpected-error', error);
  }
}

async function ingest(request: GhlWebhookRequest, deps: GhlWebhookIngestDeps): Promise<IngestResult> {
  const bytes = rawBytesOf(request);
  if (bytes === undefined) return rejected(413, 'too-large', { error: 'payload_too_large' });
  if (!isJsonContentType(headerOf(request.headers, 'content-type'))) {
    return rejected(415, 'unsupported-media-type', { error: 'unsupported_media_type' });
  }

  const auth = await authenticate(request, bytes, deps);
  if (auth.kind === 'unavailable') return unavailable('secrets-unavailable', auth.error);
  if (auth.kind === 'refused') return rejected(401, auth.reason, { error: 'invalid_signature' });

  let json = auth.parsedBody;
  if (json === undefined) {
    const text = decodeUtf8(bytes);
    if (text === undefined || SQS_UNSUPPORTED_CHARACTERS.test(text)) return rejected(400, 'invalid-encoding', { error: 'invalid_encoding' });
    try {
      json = JSON.parse(text);
    } catch {
      return rejected(400, 'invalid-json', { error: 'invalid_json' });
    }
  }

  if (auth.source === 'app') {
    // Signed with the body, so checked only now; an app webhook without it is refused like a bad signature.
    const timestamp = typeof json === 'object' && json !== null ? (json as { timestamp?: unknown }).timestamp : undefined;
    const window = checkGhlReplayWindow(timestamp, request.now, deps.toleranceSeconds ?? DEFAULT_GHL_REPLAY_WINDOW_SECONDS);
    if (!window.valid) return rejected(401, `signature-${window.reason}`, { error: 'invalid_signature' });
  }

  const normalised = normaliseGhlWebhook(auth.source, json, {
    expectedLocationId: deps.locationId,
    receivedAt: request.now,
    requestId: request.requestId,
  });
  if (normalised.kind === 'invalid') return invalidEvent(normalised.issues);
  if (normalised.kind === 'unrouted') {
    // 2xx: an app subscribed to more events than the sync acts on must not see errors.
    return { response: { statusCode: 202, body: { ignored: true } }, outcome: { kind: 'ignored', reason: 'event-type', eventType: normalised.eventType } };
  }
  if (normalised.kind === 'foreign-location') {
    return { response: { statusCode: 202, body: { ignored: true } }, outcome: { kind: 'ignored', reason: 'foreign-location', deliveryId: normalised.dedupId } };
  }

  const { event } = normalised;
  const flow = GHL_FLOWS[FLOW];
  const deliveryId = flow.dedupIdOf(event);
  const eventType = flow.eventTypeOf(event);
  try {
    await deps.queue.send({
      entity: FLOW,
      groupId: flow.groupIdOf(event),
      deduplicationId: deliveryId,
      // The normalised event: the writer needs neither the request's context nor GHL's other fields.
      body: JSON.stringify(event),
      attributes: { event_type: eventType, delivery_id: deliveryId },
    });
  } catch (error) {
    return unavailable('enqueue-failed', error, { deliveryId, eventType, entity: FLOW });
  }
  return { response: { statusCode: 202, body: { accepted: true } }, outcome: { kind: 'accepted', deliveryId, eventType, entity: FLOW } };
}

type Authentication =
  | { kind: 'ok'; source: GhlWebhookSource; parsedBody?: unknown }
  | { kind: 'refused'; reason: string }
  | { kind: 'unavailable'; error: unknown };

async function authenticate(request: GhlWebhookRequest, bytes: Uint8Array, deps: GhlWebhookIngestDeps): Promise<Authentication> {
  const ed25519Signature = headerOf(request.headers, GHL_ED25519_SIGNATURE_HEADER);
  const rsaSignature = headerOf(request.headers, GHL_RSA_SIGNATURE_HEADER);
  if (ed25519Signature !== undefined || rsaSignature !== undefined) {
    const verdict = verifyGhlSignature({ ed25519Signature, rsaSignature, rawBody: bytes, keys: deps.keys });
    if (!verdict.valid) return { kind: 'refused', reason: `signature-${verdict.reason}` };
    return { kind: 'ok', source: 'app', ...(verdict.parsedBody === undefined ? {} : { parsedBody: verdict.parsedBody }) };
  }

  if (deps.workflowSecrets === undefined) return { kind: 'refused', reason: 'workflow-secret-not-configured' };
  const presented = presentedWorkflowSecret(headerOf(request.headers, GHL_WORKFLOW_SECRET_HEADER), request.query);
  // Nothing to compare: no need to touch the secrets.
  if (presented === undefined) return { kind: 'refused', reason: 'workflow-secret-missing' };
  try {
    let verdict = verifyGhlWorkflowSecret(presented, await deps.workflowSecrets.get());
    if (!verdict.valid && verdict.reason === 'mismatch') {
      // Maybe the secret was rotated since we cached it: look once more (rate-limited).
      const refreshed = await deps.workflowSecrets.refresh();
      if (refreshed !== undefined) verdict = verifyGhlWorkflowSecret(presented, refreshed);
    }
    return verdict.valid ? { kind: 'ok', source: 'workflow' } : { kind: 'refused', reason: `workflow-secret-${verdict.reason}` };
  } catch (error) {
    return { kind: 'unavailable', error };
  }
}
