import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { phoneNumberGroupId, ROUTED_EVENT_TYPES, routeOf, type RoutedEventType } from '../../../lib/entities.js';
import {
  apiGatewayEvent,
  DANISH_NUMBER,
  PREVIOUS_SIGNING_SECRET,
  relatelCall,
  relatelContact,
  relatelEvent,
  relatelPayloadFor,
  signedApiGatewayEvent,
  TEST_SIGNING_SECRET,
} from '../../factories/relatel-events.js';
import {
  captureConsole,
  coldStart,
  consoleOutput,
  emittedMetricNames,
  givenSigningSecret,
  QUEUE_URLS,
  secretsManager,
  sqs,
  stubWebhookEnvironment,
  type Invoke,
} from './harness.js';

let invoke: Invoke;

beforeEach(async () => {
  sqs.reset();
  secretsManager.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  givenSigningSecret();
  stubWebhookEnvironment();
  captureConsole();
  invoke = await coldStart();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const sentMessages = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? 'null') as unknown;

/** Each event type with the payload field that names its contact set to a recognisable value. */
function eventForRouting(type: RoutedEventType) {
  const payload = relatelPayloadFor(type);
  if (type === 'call.ended') return { event: relatelEvent(type, { payload }), groupId: phoneNumberGroupId(DANISH_NUMBER) };
  const field = routeOf(type).entity === 'contacts' ? 'id' : 'contact_id';
  return { event: relatelEvent(type, { payload: { ...payload, [field]: 9001 } }), groupId: '9001' };
}

describe('webhook handler: routing', () => {
  it.each(ROUTED_EVENT_TYPES)('queues %s on its entity queue, grouped by contact, deduplicated by delivery id', async (type) => {
    const { event, groupId } = eventForRouting(type);
    const result = await invoke(signedApiGatewayEvent(event));
    expect(result.statusCode).toBe(202);
    expect(sentMessages()).toEqual([
      {
        QueueUrl: QUEUE_URLS[routeOf(type).entity],
        MessageGroupId: groupId,
        MessageDeduplicationId: event.delivery_id,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          event_type: { DataType: 'String', StringValue: type },
          delivery_id: { DataType: 'String', StringValue: event.delivery_id },
        },
      },
    ]);
  });

  it('groups an outbound call by the number called', async () => {
    const event = relatelEvent('call.ended', { payload: relatelCall({ direction: 'outbound', from_number: '4570203040', to_number: '4522334455' }) });
    await invoke(signedApiGatewayEvent(event));
    expect(sentMessages()[0]?.MessageGroupId).toBe(phoneNumberGroupId('4522334455'));
  });
});

describe('webhook handler: answers', () => {
  it('answers 202 with the delivery id, as JSON', async () => {
    const event = relatelEvent('contact.created');
    const result = await invoke(signedApiGatewayEvent(event));
    expect(result).toMatchObject({ statusCode: 202, headers: { 'content-type': 'application/json' } });
    expect(bodyOf(result)).toEqual({ accepted: true, delivery_id: event.delivery_id });
  });

  it('accepts a base64-encoded body', async () => {
    const event = relatelEvent('task.created');
    expect((await invoke(signedApiGatewayEvent(event, { base64: true }))).statusCode).toBe(202);
    expect(sentMessages()[0]?.MessageBody).toBe(JSON.stringify(event));
  });

  it('answers webhook.test with 200 and queues nothing', async () => {
    const result = await invoke(signedApiGatewayEvent(relatelEvent('webhook.test')));
    expect(result.statusCode).toBe(200);
    expect(sentMessages()).toEqual([]);
  });

  it('answers an unknown event type with 202 ignored, queues nothing, and counts it', async () => {
    const result = await invoke(signedApiGatewayEvent(relatelEvent('chat.message.created', { payload: { id: 1 } })));
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toMatchObject({ ignored: true });
    expect(sentMessages()).toEqual([]);
    expect(emittedMetricNames()).toContain('WebhookIgnored');
  });

  it.each([
    ['missing', { secrets: null }],
    ['malformed', { headers: { 'relatel-signature': 'v1=deadbeef' } }],
    ['stale', { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 }],
    ['by another secret', { secrets: 'whsec_not_ours' }],
  ] as const)('answers 401 for a signature that is %s, without detail', async (_, options) => {
    const result = await invoke(signedApiGatewayEvent(relatelEvent(), options));
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: 'invalid_signature' });
    expect(sentMessages()).toEqual([]);
  });

  it('answers 400 for malformed JSON', async () => {
    const result = await invoke(signedApiGatewayEvent('{"delivery_id":'));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'invalid_json' });
  });

  it('answers 400 naming the field that violates the schema, never its value', async () => {
    const event = relatelEvent('contact.updated', { payload: relatelContact({ email: ['mette.hansen@example.dk'] as never }) });
    const result = await invoke(signedApiGatewayEvent(event));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'invalid_event', issues: [{ path: 'payload.email', problem: 'must be a string' }] });
    expect(result.body).not.toContain('mette');
  });

  it('answers 400 when the delivery id header differs from the body', async () => {
    const result = await invoke(signedApiGatewayEvent(relatelEvent(), { headers: { 'relatel-delivery-id': 'dlv_other' } }));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'delivery_id_mismatch' });
  });

  it('answers 413 for a body over 260,581 bytes', async () => {
    const result = await invoke(apiGatewayEvent({ body: 'x'.repeat(260_582) }));
    expect(result.statusCode).toBe(413);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const result = await invoke(signedApiGatewayEvent(relatelEvent(), { headers: { 'content-type': 'text/plain' } }));
    expect(result.statusCode).toBe(415);
  });

  it('answers 503 when SQS refuses the message, so Relatel delivers it again', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('ServiceUnavailable'));
    const result = await invoke(signedApiGatewayEvent(relatelEvent()));
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({ error: 'temporarily_unavailable' });
    expect(emittedMetricNames()).toContain('WebhookUnavailable');
  });

  it('answers 503 while Secrets Manager cannot be read, and recovers without a new cold start', async () => {
    secretsManager.reset();
    secretsManager.on(GetSecretValueCommand).rejects(new Error('ThrottlingException'));
    expect((await invoke(signedApiGatewayEvent(relatelEvent()))).statusCode).toBe(503);
    secretsManager.reset();
    givenSigningSecret();
    expect((await invoke(signedApiGatewayEvent(relatelEvent()))).statusCode).toBe(202);
  });
});

describe('webhook handler: signing secret and rotation', () => {
  it('reads the secret once per cold start, not per request', async () => {
    for (let i = 0; i < 5; i++) await invoke(signedApiGatewayEvent(relatelEvent()));
    // AWSCURRENT and AWSPREVIOUS, once each.
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('accepts an event signed with the previous secret after a rotation', async () => {
    secretsManager.reset();
    givenSigningSecret('whsec_rotated_in', PREVIOUS_SIGNING_SECRET);
    invoke = await coldStart();
    expect((await invoke(signedApiGatewayEvent(relatelEvent(), { secrets: PREVIOUS_SIGNING_SECRET }))).statusCode).toBe(202);
  });

  it('refuses the previous secret once the default 24 h since the rotation have passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-03T08:00:00Z'));
    secretsManager.reset();
    givenSigningSecret('whsec_rotated_in', PREVIOUS_SIGNING_SECRET, new Date('2026-03-02T08:00:00Z'));
    invoke = await coldStart();
    expect((await invoke(signedApiGatewayEvent(relatelEvent(), { secrets: PREVIOUS_SIGNING_SECRET }))).statusCode).toBe(401);
    expect((await invoke(signedApiGatewayEvent(relatelEvent(), { secrets: 'whsec_rotated_in' }))).statusCode).toBe(202);
  });

  it('takes the grace window from PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: 0 refuses the previous secret at once', async () => {
    secretsManager.reset();
    givenSigningSecret('whsec_rotated_in', PREVIOUS_SIGNING_SECRET);
    stubWebhookEnvironment({ PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: '0' });
    invoke = await coldStart();
    expect((await invoke(signedApiGatewayEvent(relatelEvent(), { secrets: PREVIOUS_SIGNING_SECRET }))).statusCode).toBe(401);
  });

  it('picks up a secret rotated since the cold start, re-reading at most once a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T08:00:00Z'));
    invoke = await coldStart();
    expect((await invoke(signedApiGatewayEvent(relatelEvent()))).statusCode).toBe(202);

    secretsManager.reset();
    givenSigningSecret('whsec_rotated_in', TEST_SIGNING_SECRET);
    const signedWithNewSecret = () => signedApiGatewayEvent(relatelEvent(), { secrets: 'whsec_rotated_in' });

    vi.setSystemTime(new Date('2026-03-02T08:00:30Z'));
    expect((await invoke(signedWithNewSecret())).statusCode).toBe(401);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);

    vi.setSystemTime(new Date('2026-03-02T08:01:00Z'));
    expect((await invoke(signedWithNewSecret())).statusCode).toBe(202);
    expect((await invoke(signedApiGatewayEvent(relatelEvent(), { secrets: TEST_SIGNING_SECRET }))).statusCode).toBe(202);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('webhook handler: logs and metrics', () => {
  it('logs the delivery id, event type and outcome of each request', async () => {
    const event = relatelEvent('note.created');
    await invoke(signedApiGatewayEvent(event));
    const lines = consoleOutput.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => 'outcome' in line);
    expect(lines).toEqual([
      expect.objectContaining({ deliveryId: event.delivery_id, eventType: 'note.created', outcome: 'accepted', entity: 'notes', statusCode: 202 }),
    ]);
    expect(emittedMetricNames()).toContain('WebhookAccepted');
  });

  it('never writes payload fields to logs, whatever the answer', async () => {
    const contact = relatelContact({ name: 'Mette Kirstine Hansen', email: 'mette.hansen@example.dk', number: DANISH_NUMBER });
    await invoke(signedApiGatewayEvent(relatelEvent('contact.created', { payload: contact })));
    await invoke(signedApiGatewayEvent(relatelEvent('contact.created', { payload: { ...contact, tags: 'kunde' } })));
    sqs.on(SendMessageCommand).rejects(new Error(`Cannot send ${DANISH_NUMBER}`));
    await invoke(signedApiGatewayEvent(relatelEvent('contact.created', { payload: contact })));
    const output = consoleOutput.join('\n');
    expect(output).not.toMatch(/Mette|mette\.hansen@example\.dk|4571999999|Tømrer/);
  });
});
