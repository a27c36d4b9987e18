import { describe, expect, it, vi } from 'vitest';
import type { QueueMessage, QueueSender, SigningSecrets } from '../../../lib/ingest/ports.js';
import { ingestRelatelWebhook, type WebhookRequest } from '../../../lib/ingest/webhook.js';
import { signRelatelPayload } from '../../../lib/events/signature.js';
import {
  PREVIOUS_SIGNING_SECRET,
  relatelContact,
  relatelEvent,
  relatelEventOfSize,
  relatelHeaders,
  relatelNote,
  signedWebhookRequest,
  TEST_SIGNING_SECRET,
} from '../../factories/relatel-events.js';

function recordingQueue(send: QueueSender['send'] = async () => undefined) {
  const sent: QueueMessage[] = [];
  const queue: QueueSender = {
    send: vi.fn(async (message: QueueMessage) => {
      await send(message);
      sent.push(message);
    }),
  };
  return { queue, sent };
}

function staticSecrets(current: readonly string[] = [TEST_SIGNING_SECRET], refreshed?: readonly string[]) {
  return {
    get: vi.fn(async () => current),
    refresh: vi.fn(async () => refreshed),
  } satisfies SigningSecrets;
}

async function ingest(request: WebhookRequest, deps: { queue?: QueueSender; secrets?: SigningSecrets } = {}) {
  return ingestRelatelWebhook(request, { queue: deps.queue ?? recordingQueue().queue, secrets: deps.secrets ?? staticSecrets() });
}

/** A signed request whose raw body is exactly `rawBody`, with Relatel's headers. */
function rawRequest(rawBody: string | Uint8Array, deliveryId?: string, headers: Record<string, string | undefined> = {}): WebhookRequest {
  return { headers: relatelHeaders(rawBody, deliveryId, { headers }), rawBody, now: Date.now() };
}

describe('ingestRelatelWebhook: accepted deliveries', () => {
  it('answers 202 with the delivery id once the event is queued', async () => {
    const event = relatelEvent('note.created', { payload: relatelNote({ contact_id: 481516 }) });
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedWebhookRequest(event), { queue });
    expect(response).toEqual({ statusCode: 202, body: { accepted: true, delivery_id: event.delivery_id } });
    expect(outcome).toEqual({ kind: 'accepted', deliveryId: event.delivery_id, eventType: 'note.created', entity: 'notes' });
    expect(sent).toEqual([
      {
        entity: 'notes',
        groupId: '481516',
        deduplicationId: event.delivery_id,
        body: JSON.stringify(event),
        attributes: { event_type: 'note.created', delivery_id: event.delivery_id },
      },
    ]);
  });

  it('does not answer before the queue has confirmed the message', async () => {
    let confirm!: () => void;
    const { queue } = recordingQueue(() => new Promise<void>((resolve) => (confirm = resolve)));
    let answered = false;
    const answer = ingest(signedWebhookRequest(), { queue }).then((result) => {
      answered = true;
      return result;
    });
    await new Promise(setImmediate);
    expect(answered).toBe(false);
    confirm();
    expect((await answer).response.statusCode).toBe(202);
  });

  it('queues the body exactly as received: formatting and unknown fields kept', async () => {
    const event = relatelEvent('contact.updated', { payload: relatelContact({ loyalty: { tier: 'gold' } }) });
    const rawBody = JSON.stringify(event, null, 2);
    const { queue, sent } = recordingQueue();
    await ingest(rawRequest(rawBody, event.delivery_id), { queue });
    expect(sent[0]?.body).toBe(rawBody);
  });

  it('verifies and queues a base64-encoded body as its decoded text', async () => {
    const event = relatelEvent('contact.created');
    const rawBody = JSON.stringify(event);
    const { queue, sent } = recordingQueue();
    const request = { ...rawRequest(rawBody, event.delivery_id), rawBody: Buffer.from(rawBody).toString('base64'), isBase64Encoded: true };
    expect((await ingest(request, { queue })).response.statusCode).toBe(202);
    expect(sent[0]?.body).toBe(rawBody);
  });

  it('accepts a body given as bytes', async () => {
    const event = relatelEvent('contact.created', { payload: relatelContact({ name: 'Søren Ærø' }) });
    const bytes = new TextEncoder().encode(JSON.stringify(event));
    expect((await ingest(rawRequest(bytes, event.delivery_id))).response.statusCode).toBe(202);
  });

  it('reads header names in any case', async () => {
    const event = relatelEvent();
    const rawBody = JSON.stringify(event);
    const request: WebhookRequest = {
      headers: {
        'Content-Type': 'application/json',
        'Relatel-Delivery-Id': event.delivery_id,
        'RELATEL-SIGNATURE': signRelatelPayload(rawBody, TEST_SIGNING_SECRET),
      },
      rawBody,
      now: Date.now(),
    };
    expect((await ingest(request)).response.statusCode).toBe(202);
  });

  it('accepts a JSON content type with parameters', async () => {
    const event = relatelEvent();
    const request = rawRequest(JSON.stringify(event), event.delivery_id, { 'content-type': 'Application/JSON; charset=utf-8' });
    expect((await ingest(request)).response.statusCode).toBe(202);
  });

  it('accepts a body of 260,581 bytes: SQS\'s 262,144 less the largest queued and parking attributes', async () => {
    const { rawBody, deliveryId } = relatelEventOfSize(260_581);
    const { queue, sent } = recordingQueue();
    expect(Buffer.byteLength(rawBody)).toBe(260_581);
    expect((await ingest(rawRequest(rawBody, deliveryId), { queue })).response.statusCode).toBe(202);
    expect(sent.map((message) => message.body)).toEqual([rawBody]);
  });

  it('answers 413 for one byte more, an event that could be queued but not parked with its reason', async () => {
    const { rawBody, deliveryId } = relatelEventOfSize(260_582);
    const { queue, sent } = recordingQueue();
    expect((await ingest(rawRequest(rawBody, deliveryId), { queue })).response).toEqual({ statusCode: 413, body: { error: 'payload_too_large' } });
    expect(sent).toEqual([]);
  });
});

describe('ingestRelatelWebhook: events that are answered but not queued', () => {
  it('answers webhook.test with 200 and queues nothing', async () => {
    const event = relatelEvent('webhook.test');
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedWebhookRequest(event), { queue });
    expect(response).toEqual({ statusCode: 200, body: { test: true, delivery_id: event.delivery_id } });
    expect(outcome.kind).toBe('test');
    expect(sent).toEqual([]);
  });

  it('answers an event type it does not act on with 202 ignored, so Relatel does not retry it, and queues nothing', async () => {
    const event = relatelEvent('incoming_message.created', { payload: { id: 1 } });
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedWebhookRequest(event), { queue });
    expect(response).toEqual({ statusCode: 202, body: { ignored: true, delivery_id: event.delivery_id } });
    expect(outcome).toEqual({ kind: 'ignored', deliveryId: event.delivery_id, eventType: 'incoming_message.created' });
    expect(sent).toEqual([]);
  });
});

describe('ingestRelatelWebhook: checks before the signature', () => {
  it('answers 413 for a body over the limit without reading the secrets', async () => {
    const secrets = staticSecrets();
    const rawBody = `{"x":"${'x'.repeat(260_581)}"}`;
    const { response } = await ingest(rawRequest(rawBody, 'dlv_1'), { secrets });
    expect(response).toEqual({ statusCode: 413, body: { error: 'payload_too_large' } });
    expect(secrets.get).not.toHaveBeenCalled();
  });

  it('counts bytes, not characters', async () => {
    // 130,290 characters but 260,580 bytes, 260,588 with the JSON around them.
    const rawBody = `{"x":"${'ø'.repeat(130_290)}"}`;
    expect((await ingest(rawRequest(rawBody, 'dlv_1'))).response.statusCode).toBe(413);
  });

  it('answers 413 for an oversized base64 body', async () => {
    const request = { ...rawRequest('{}'), rawBody: Buffer.alloc(260_582).toString('base64'), isBase64Encoded: true };
    expect((await ingest(request)).response.statusCode).toBe(413);
  });

  it.each([
    ['no content type', undefined],
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['a JSON look-alike', 'application/jsonp'],
  ])('answers 415 for %s, without reading the secrets', async (_, contentType) => {
    const secrets = staticSecrets();
    const event = relatelEvent();
    const { response } = await ingest(rawRequest(JSON.stringify(event), event.delivery_id, { 'content-type': contentType }), { secrets });
    expect(response).toEqual({ statusCode: 415, body: { error: 'unsupported_media_type' } });
    expect(secrets.get).not.toHaveBeenCalled();
  });
});

describe('ingestRelatelWebhook: the signature', () => {
  const unauthorised = { statusCode: 401, body: { error: 'invalid_signature' } };

  it('answers 401 without a signature, and does not read the secrets for it', async () => {
    const secrets = staticSecrets();
    const { response, outcome } = await ingest(signedWebhookRequest(relatelEvent(), { secrets: null }), { secrets });
    expect(response).toEqual(unauthorised);
    expect(outcome).toEqual({ kind: 'rejected', reason: 'signature-missing' });
    expect(secrets.get).not.toHaveBeenCalled();
  });

  it('answers 401 for a malformed signature', async () => {
    const request = signedWebhookRequest(relatelEvent(), { headers: { 'relatel-signature': 't=now,v1=abc' } });
    expect(await ingest(request)).toEqual({ response: unauthorised, outcome: { kind: 'rejected', reason: 'signature-malformed' } });
  });

  it('answers 401 for a stale signature', async () => {
    const request = signedWebhookRequest(relatelEvent(), { timestampSeconds: Math.floor(Date.now() / 1000) - 301 });
    expect(await ingest(request)).toEqual({ response: unauthorised, outcome: { kind: 'rejected', reason: 'signature-stale' } });
  });

  it('answers 401 for a signature by another secret', async () => {
    const request = signedWebhookRequest(relatelEvent(), { secrets: 'whsec_not_ours' });
    expect(await ingest(request)).toEqual({ response: unauthorised, outcome: { kind: 'rejected', reason: 'signature-mismatch' } });
  });

  it('answers 401, not 400, to unsigned garbage: nothing unauthenticated is parsed', async () => {
    const request = signedWebhookRequest('{not json', { secrets: 'whsec_not_ours' });
    expect((await ingest(request)).response).toEqual(unauthorised);
  });

  it('accepts an event signed with the previous secret while both are accepted', async () => {
    const secrets = staticSecrets([TEST_SIGNING_SECRET, PREVIOUS_SIGNING_SECRET]);
    const request = signedWebhookRequest(relatelEvent(), { secrets: PREVIOUS_SIGNING_SECRET });
    expect((await ingest(request, { secrets })).response.statusCode).toBe(202);
  });

  it('re-reads the secrets after a mismatch and accepts a signature by a secret rotated in since', async () => {
    const secrets = staticSecrets(['whsec_before_rotation'], [TEST_SIGNING_SECRET, 'whsec_before_rotation']);
    expect((await ingest(signedWebhookRequest(), { secrets })).response.statusCode).toBe(202);
    expect(secrets.refresh).toHaveBeenCalledTimes(1);
  });

  it('answers 401 when a re-read is not due yet', async () => {
    const secrets = staticSecrets(['whsec_before_rotation'], undefined);
    expect((await ingest(signedWebhookRequest(), { secrets })).response).toEqual(unauthorised);
  });

  it('does not re-read the secrets for a stale signature', async () => {
    const secrets = staticSecrets();
    await ingest(signedWebhookRequest(relatelEvent(), { timestampSeconds: 1 }), { secrets });
    expect(secrets.refresh).not.toHaveBeenCalled();
  });

  it('answers 503 when the secrets cannot be read, so Relatel retries', async () => {
    const secrets = { get: vi.fn().mockRejectedValue(new Error('throttled')), refresh: vi.fn() };
    expect(await ingest(signedWebhookRequest(), { secrets })).toEqual({
      response: { statusCode: 503, body: { error: 'temporarily_unavailable' } },
      outcome: { kind: 'unavailable', reason: 'secrets-unavailable' },
    });
  });

  it('answers 503 when the re-read after a mismatch fails', async () => {
    const secrets = { get: vi.fn().mockResolvedValue(['whsec_old']), refresh: vi.fn().mockRejectedValue(new Error('throttled')) };
    expect((await ingest(signedWebhookRequest(), { secrets })).response.statusCode).toBe(503);
  });
});

describe('ingestRelatelWebhook: signed but invalid bodies', () => {
  it('answers 400 for a body that is not UTF-8', async () => {
    const bytes = Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    expect((await ingest(rawRequest(bytes, 'dlv_1'))).response).toEqual({ statusCode: 400, body: { error: 'invalid_encoding' } });
  });

  it('answers 400 for JSON holding characters SQS cannot carry', async () => {
    const event = relatelEvent('contact.updated', { payload: relatelContact({ name: 'Mette \uFFFF' }) });
    expect((await ingest(rawRequest(JSON.stringify(event), event.delivery_id))).response.statusCode).toBe(400);
  });

  it('answers 400 for malformed JSON', async () => {
    expect((await ingest(rawRequest('{"delivery_id": "dlv_1",', 'dlv_1'))).response).toEqual({
      statusCode: 400,
      body: { error: 'invalid_json' },
    });
  });

  it('answers 400 naming the failing field, without its value', async () => {
    const event = relatelEvent('note.created', { payload: { id: 1, body: 'Ring til Mette på 4571999999' } });
    const { response } = await ingest(signedWebhookRequest(event));
    expect(response).toEqual({
      statusCode: 400,
      body: { error: 'invalid_event', issues: [{ path: 'payload.contact_id', problem: 'is required' }] },
    });
  });

  it.each([
    ['a contact id with a space', 'note.created', { ...relatelNote(), contact_id: 'c 1' }, 'payload.contact_id'],
    ['a contact id longer than 128 characters', 'contact.updated', relatelContact({ id: 'c'.repeat(129) }), 'payload.id'],
  ])('answers 400 for %s, which cannot be an SQS message group id', async (_, type, payload, path) => {
    const { response } = await ingest(signedWebhookRequest(relatelEvent(type, { payload })));
    expect(response).toMatchObject({ statusCode: 400, body: { error: 'invalid_event', issues: [{ path }] } });
  });

  it('queues a call from a hidden number in a group of its own, rather than refusing it forever', async () => {
    const { queue, sent } = recordingQueue();
    const payload = { ...relatelEvent('call.ended').payload, from_number: '', call_uuid: 'call-hidden-1' };
    const { response } = await ingest(signedWebhookRequest(relatelEvent('call.ended', { payload })), { queue });
    expect(response.statusCode).toBe(202);
    expect(sent[0]).toMatchObject({ entity: 'notes', groupId: 'call-hidden-1' });
  });

  it('answers 400 when the delivery id header differs from the body', async () => {
    const request = signedWebhookRequest(relatelEvent(), { headers: { 'relatel-delivery-id': 'dlv_other' } });
    expect((await ingest(request)).response).toEqual({ statusCode: 400, body: { error: 'delivery_id_mismatch' } });
  });

  it('answers 400 when the delivery id header is missing', async () => {
    const request = signedWebhookRequest(relatelEvent(), { headers: { 'relatel-delivery-id': undefined } });
    expect((await ingest(request)).response.statusCode).toBe(400);
  });

  it('queues nothing for any of them', async () => {
    const { queue, sent } = recordingQueue();
    await ingest(signedWebhookRequest(relatelEvent('note.created', { payload: { id: 1 } })), { queue });
    await ingest(rawRequest('[1,2', 'dlv_1'), { queue });
    expect(sent).toEqual([]);
  });
});

describe('ingestRelatelWebhook: failures', () => {
  it('answers 503 when the queue refuses the message, so Relatel delivers it again', async () => {
    const failure = new Error('ServiceUnavailable');
    const { queue } = recordingQueue(async () => Promise.reject(failure));
    const event = relatelEvent('task.created');
    expect(await ingest(signedWebhookRequest(event), { queue })).toEqual({
      response: { statusCode: 503, body: { error: 'temporarily_unavailable' } },
      outcome: { kind: 'unavailable', reason: 'enqueue-failed', deliveryId: event.delivery_id, eventType: 'task.created', entity: 'tasks', error: failure },
    });
  });

  it('answers 503, never throws, when a port misbehaves unexpectedly', async () => {
    const queue = {
      send: () => {
        throw new TypeError('not a promise');
      },
    } as unknown as QueueSender;
    const secrets = { get: async () => null, refresh: async () => undefined } as unknown as SigningSecrets;
    expect((await ingest(signedWebhookRequest(), { queue })).response.statusCode).toBe(503);
    expect((await ingest(signedWebhookRequest(), { secrets })).response.statusCode).toBe(503);
  });

  it('keeps payload fields out of the outcome it reports for logging', async () => {
    const event = relatelEvent('contact.created', { payload: relatelContact({ name: 'Mette Hansen', email: 'mette@example.dk' }) });
    const { outcome } = await ingest(signedWebhookRequest(event));
    expect(JSON.stringify(outcome)).not.toMatch(/Mette|mette@example\.dk|4571999999/);
  });
});
