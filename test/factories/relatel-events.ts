/**
 * Factories for Relatel webhook events and the requests that carry them: a valid event of each
 * type, signed requests for the ingest core, API Gateway HTTP API (v2) events for the handler,
 * and a Lambda context. Every value is overridable; defaults are realistic (Danish numbers as
 * digits with country code and no `+`).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { entityOf, ROUTED_EVENT_TYPES, type Entity, type RoutedEventType } from '../../lib/entities.js';
import type {
  RelatelAppointment,
  RelatelCall,
  RelatelContact,
  RelatelNote,
  RelatelTask,
} from '../../lib/events/schemas.js';
import { signRelatelPayload } from '../../lib/events/signature.js';
import type { WebhookRequest } from '../../lib/ingest/webhook.js';

export const TEST_SIGNING_SECRET = 'whsec_test_current_0123456789abcdef';
export const PREVIOUS_SIGNING_SECRET = 'whsec_test_previous_fedcba9876543210';

export const DANISH_NUMBER = '4571999999';
export const COMPANY_NUMBER = '4570203040';

type Payload = Record<string, unknown>;

export interface RelatelEventFixture {
  delivery_id: string;
  event_type: string;
  occurred_at: string;
  payload: Payload;
  [field: string]: unknown;
}

/** The entity (queue) of a fixture's event type, from the routing table. */
export function entityOfFixture(event: RelatelEventFixture): Entity {
  return entityOf(event.event_type as RoutedEventType);
}

export function relatelContact(overrides: Partial<RelatelContact> = {}): RelatelContact {
  return {
    id: 481516,
    name: 'Mette Kirstine Hansen',
    number: DANISH_NUMBER,
    email: 'mette.hansen@example.dk',
    company: 'Hansen Tømrer ApS',
    tags: ['kunde', 'aarhus'],
    ...overrides,
  };
}

export function relatelNote(overrides: Partial<RelatelNote> = {}): RelatelNote {
  return {
    id: 90210,
    contact_id: 481516,
    body: 'Ringede angående tilbud på tag. Vender tilbage fredag.',
    employee_id: 1207,
    created_at: '2026-03-02T09:14:00+01:00',
    ...overrides,
  };
}

export function relatelTask(overrides: Partial<RelatelTask> = {}): RelatelTask {
  return {
    id: 7331,
    contact_id: 481516,
    title: 'Send tilbud',
    description: 'Tilbud på nyt tag inkl. stillads',
    due_at: '2026-03-06T12:00:00+01:00',
    status: 'open',
    assignee_id: 1207,
    ...overrides,
  };
}

export function relatelAppointment(overrides: Partial<RelatelAppointment> = {}): RelatelAppointment {
  return {
    id: 5150,
    contact_id: 481516,
    title: 'Besigtigelse',
    starts_at: '2026-03-10T10:00:00+01:00',
    ends_at: '2026-03-10T11:00:00+01:00',
    timezone: 'Europe/Copenhagen',
    status: 'confirmed',
    location: 'Vestergade 12, 8000 Aarhus C',
    ...overrides,
  };
}

export function relatelCall(overrides: Partial<RelatelCall> = {}): RelatelCall {
  return {
    call_uuid: '3f1c9a52-6d1e-4b7a-9c61-2f0e8d4b7a10',
    direction: 'inbound',
    status: 'answered',
    from_number: DANISH_NUMBER,
    to_number: COMPANY_NUMBER,
    from_contact: { id: 481516, name: 'Mette Kirstine Hansen' },
    to_contact: null,
    started_at: '2026-03-02T09:10:02+01:00',
    answered_at: '2026-03-02T09:10:09+01:00',
    ended_at: '2026-03-02T09:13:48+01:00',
    endpoint_name: 'Salg',
    ...overrides,
  };
}

/** A valid payload for any routed event type. */
export function relatelPayloadFor(type: RoutedEventType): Payload {
  const [kind] = type.split('.');
  switch (kind) {
    case 'contact':
      return relatelContact();
    case 'note':
      return relatelNote();
    case 'task':
      return relatelTask(type === 'task.completed' ? { status: 'completed' } : {});
    case 'appointment':
      return relatelAppointment(type === 'appointment.cancelled' ? { status: 'cancelled' } : {});
    default:
      return relatelCall();
  }
}

/** A valid envelope of any event type (routed, `webhook.test` or unknown). */
export function relatelEvent(type: string = 'contact.updated', overrides: Partial<RelatelEventFixture> = {}): RelatelEventFixture {
  return {
    delivery_id: `dlv_${randomUUID()}`,
    event_type: type,
    occurred_at: '2026-03-02T08:14:00.000Z',
    payload: (ROUTED_EVENT_TYPES as readonly string[]).includes(type) ? relatelPayloadFor(type as RoutedEventType) : {},
    ...overrides,
  };
}

/**
 * A raw event body of exactly `bytes` bytes that takes the most room in SQS besides its body:
 * the longest event type (`appointment.cancelled`) and a delivery id of 128 characters, the
 * longest SQS takes as a deduplication id. Padded with an unknown payload field.
 */
export function relatelEventOfSize(bytes: number): { rawBody: string; deliveryId: string } {
  const deliveryId = `dlv_${'x'.repeat(124)}`;
  const event = relatelEvent('appointment.cancelled', { delivery_id: deliveryId });
  const unpadded = JSON.stringify({ ...event, payload: { ...event.payload, padding: '' } });
  const padding = 'p'.repeat(bytes - Buffer.byteLength(unpadded));
  return { rawBody: JSON.stringify({ ...event, payload: { ...event.payload, padding } }), deliveryId };
}

export interface SigningOptions {
  /** One secret, several (several v1 values), or none at all (no signature header). */
  secrets?: string | readonly string[] | null;
  /** Defaults to now, so a fake clock moves it too. */
  timestampSeconds?: number;
  /** Extra or replacement headers; undefined removes one. */
  headers?: Record<string, string | undefined>;
}

/** The headers Relatel sends with a body: content type, delivery id and signature. */
export function relatelHeaders(rawBody: string | Uint8Array, deliveryId: string | undefined, options: SigningOptions = {}) {
  const secrets = options.secrets === undefined ? TEST_SIGNING_SECRET : options.secrets;
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'relatel-delivery-id': deliveryId,
    'relatel-signature':
      secrets === null
        ? undefined
        : signRelatelPayload(rawBody, secrets, options.timestampSeconds ?? Math.floor(Date.now() / 1000)),
    ...options.headers,
  };
  return Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

function serialise(event: RelatelEventFixture | string): { rawBody: string; deliveryId: string | undefined } {
  if (typeof event === 'string') return { rawBody: event, deliveryId: undefined };
  return { rawBody: JSON.stringify(event), deliveryId: event.delivery_id };
}

/** A request for the ingest core, signed as Relatel would sign it. */
export function signedWebhookRequest(
  event: RelatelEventFixture | string = relatelEvent(),
  options: SigningOptions & { now?: number } = {},
): WebhookRequest {
  const { rawBody, deliveryId } = serialise(event);
  return { headers: relatelHeaders(rawBody, deliveryId, options), rawBody, now: options.now ?? Date.now() };
}

/** An API Gateway HTTP API (payload v2) event for POST /webhooks/relatel. */
export function apiGatewayEvent(
  overrides: { body?: string; headers?: Record<string, string>; isBase64Encoded?: boolean } = {},
): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/relatel',
    rawPath: '/webhooks/relatel',
    rawQueryString: '',
    headers: overrides.headers ?? { 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.eu-north-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: { method: 'POST', path: '/webhooks/relatel', protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'Relatel-Webhooks/1.0' },
      requestId: randomUUID(),
      routeKey: 'POST /webhooks/relatel',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: overrides.body,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
  };
}

/** An API Gateway event carrying a signed Relatel delivery; `base64` sends the body encoded. */
export function signedApiGatewayEvent(
  event: RelatelEventFixture | string = relatelEvent(),
  options: SigningOptions & { base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const { rawBody, deliveryId } = serialise(event);
  return apiGatewayEvent({
    body: options.base64 ? Buffer.from(rawBody, 'utf8').toString('base64') : rawBody,
    headers: relatelHeaders(rawBody, deliveryId, options),
    isBase64Encoded: options.base64 ?? false,
  });
}

export function lambdaContext(overrides: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'relatel-ghl-sync-webhook',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-north-1:123456789012:function:relatel-ghl-sync-webhook',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/relatel-ghl-sync-webhook',
    logStreamName: '2026/03/02/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}
