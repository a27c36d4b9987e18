import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { QueueMessage, QueueSender, SigningSecrets } from '../../../lib/ingest/ports.js';
import { ingestGhlWebhook, type GhlWebhookIngestDeps, type GhlWebhookRequest } from '../../../lib/ingest/ghl-webhook.js';
import {
  ghlContactWebhook,
  ghlWorkflowWebhook,
  signedGhlRequest,
  TEST_GHL_KEYS,
  TEST_GHL_LOCATION_ID,
  TEST_WORKFLOW_SECRET,
  workflowRequest,
} from '../../factories/ghl-events.js';

function recordingQueue(fail = false) {
  const sent: QueueMessage[] = [];
  const queue: QueueSender = {
    send: vi.fn(async (message: QueueMessage) => {
      if (fail) throw new Error('SQS down');
      sent.push(message);
    }),
  };
  return { queue, sent };
}

function secrets(current: readonly string[] = [TEST_WORKFLOW_SECRET], refreshed?: readonly string[]): SigningSecrets {
  return { get: vi.fn(async () => current), refresh: vi.fn(async () => refreshed) };
}

function ingest(request: GhlWebhookRequest, deps: Partial<GhlWebhookIngestDeps> = {}) {
  return ingestGhlWebhook(request, {
    queue: recordingQueue().queue,
    keys: TEST_GHL_KEYS,
    workflowSecrets: secrets(),
    locationId: TEST_GHL_LOCATION_ID,
    ...deps,
  });
}

describe('ingestGhlWebhook: accepted', () => {
  it('queues a signed ContactCreate on the ghl-contacts queue, grouped by the GHL contact, deduplicated by webhookId, and answers 202', async () => {
    const body = ghlContactWebhook('ContactCreate', { id: 'ghlContact01', webhookId: 'wh-0001', timestamp: '2026-12-02T17:00:00.000Z' });
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedGhlRequest(body, { now: Date.parse('2026-12-02T17:01:00.000Z') }), { queue });
    expect(response).toEqual({ statusCode: 202, body: { accepted: true } });
    expect(outcome).toEqual({ kind: 'accepted', deliveryId: 'wh-0001', eventType: 'ghl.contact.created', entity: 'ghl-contacts' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      entity: 'ghl-contacts',
      groupId: 'ghlContact01',
      deduplicationId: 'wh-0001',
      attributes: { event_type: 'ghl.contact.created', delivery_id: 'wh-0001' },
    });
    expect(JSON.parse(sent[0]!.body)).toEqual({
      source: 'app',
      dedupId: 'wh-0001',
      type: 'created',
      occurredAt: '2026-12-02T17:00:00.000Z',
      locationId: TEST_GHL_LOCATION_ID,
      contact: { ghlId: 'ghlContact01', firstName: 'Mette', lastName: 'Hansen', email: 'mette.hansen@example.dk', phone: '+4571999999', tags: ['kunde'] },
    });
  });

  it('accepts a legacy RSA signature (x-wh-signature) by a configured RSA key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { queue, sent } = recordingQueue();
    const request = signedGhlRequest(ghlContactWebhook('ContactUpdate'), { privateKey: rsa.privateKey });
    const { response } = await ingest(request, { queue, keys: { ed25519: [], rsa: [rsa.publicKey] } });
    expect(response.statusCode).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it('queues a workflow webhook presenting the secret in the header, with a dedup id of its own request', async () => {
    const { queue, sent } = recordingQueue();
    const request = workflowRequest(ghlWorkflowWebhook({ contact_id: 'ghlContact02' }));
    const { response } = await ingest(request, { queue });
    expect(response).toEqual({ statusCode: 202, body: { accepted: true } });
    expect(sent[0]).toMatchObject({ groupId: 'ghlContact02', deduplicationId: `wf-${request.requestId}`, attributes: { event_type: 'ghl.contact.updated' } });
  });

  it('accepts the workflow secret as the `secret` query parameter', async () => {
    const { response } = await ingest(workflowRequest(ghlWorkflowWebhook(), { inQuery: true }));
    expect(response.statusCode).toBe(202);
  });

  it('re-reads the workflow secret once after a mismatch (it may have been rotated) and accepts the new one', async () => {
    const workflowSecrets = secrets(['old-secret-0123456789abcdef0123456789ab'], [TEST_WORKFLOW_SECRET]);
    const { response } = await ingest(workflowRequest(ghlWorkflowWebhook()), { workflowSecrets });
    expect(response.statusCode).toBe(202);
    expect(workflowSecrets.refresh).toHaveBeenCalledTimes(1);
  });
});

describe('ingestGhlWebhook: ignored (202, nothing queued)', () => {
  it('an app webhook type the door does not act on', async () => {
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedGhlRequest(ghlContactWebhook('ContactUpdate', { type: 'OpportunityCreate' })), { queue });
    expect(response).toEqual({ statusCode: 202, body: { ignored: true } });
    expect(outcome).toMatchObject({ kind: 'ignored', reason: 'event-type', eventType: 'OpportunityCreate' });
    expect(sent).toEqual([]);
  });

  it("another location's contact", async () => {
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(signedGhlRequest(ghlContactWebhook('ContactUpdate', { locationId: 'otherLocation000001' })), { queue });
    expect(response).toEqual({ statusCode: 202, body: { ignored: true } });
    expect(outcome).toMatchObject({ kind: 'ignored', reason: 'foreign-location' });
    expect(sent).toEqual([]);
  });
});

describe('ingestGhlWebhook: refused', () => {
  const refusedWith = async (request: GhlWebhookRequest, status: number, reason: string, deps: Partial<GhlWebhookIngestDeps> = {}) => {
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingest(request, { queue, ...deps });
    expect(response.statusCode).toBe(status);
    expect(outcome).toMatchObject({ kind: 'rejected', reason });
    expect(sent).toEqual([]);
    return response;
  };

  it('413 for a body over the size limit, before anything else', async () => {
    const request = signedGhlRequest(ghlContactWebhook('ContactUpdate', { note: 'x'.repeat(262_144) }));
    const response = await refusedWith({ ...request, headers: {} }, 413, 'too-large');
    expect(response.body).toEqual({ error: 'payload_too_large' });
  });

  it('415 for a body that is not declared JSON', async () => {
    const request = signedGhlRequest(ghlContactWebhook());
    const response = await refusedWith({ ...request, headers: { ...request.headers, 'content-type': 'text/plain' } }, 415, 'unsupported-media-type');
    expect(response.body).toEqual({ error: 'unsupported_media_type' });
  });

  it('401 for a forged signature (signed by another key)', async () => {
    const forger = generateKeyPairSync('ed25519');
    const response = await refusedWith(signedGhlRequest(ghlContactWebhook(), { privateKey: forger.privateKey }), 401, 'signature-mismatch');
    expect(response.body).toEqual({ error: 'invalid_signature' });
  });

  it('401 for a signed body changed on the way', async () => {
    const request = signedGhlRequest(ghlContactWebhook());
    await refusedWith({ ...request, rawBody: String(request.rawBody).replace('Mette', 'Mallory') }, 401, 'signature-mismatch');
  });

  it('401 for a replayed webhook whose signed timestamp is older than the window', async () => {
    const body = ghlContactWebhook('ContactUpdate', { timestamp: '2026-12-02T17:00:00.000Z' });
    await refusedWith(signedGhlRequest(body, { now: Date.parse('2026-12-02T17:05:01.000Z') }), 401, 'signature-stale');
  });

  it('401 for a timestamp in the future beyond the window', async () => {
    const body = ghlContactWebhook('ContactUpdate', { timestamp: '2026-12-02T17:10:00.000Z' });
    await refusedWith(signedGhlRequest(body, { now: Date.parse('2026-12-02T17:00:00.000Z') }), 401, 'signature-future');
  });

  it('401 for a signed app webhook without a timestamp', async () => {
    const { timestamp: _t, ...body } = ghlContactWebhook();
    await refusedWith(signedGhlRequest(body), 401, 'signature-timestamp-missing');
  });

  it('401 for a signature of a scheme with no configured key', async () => {
    await refusedWith(signedGhlRequest(ghlContactWebhook()), 401, 'signature-no-key', { keys: { ed25519: [], rsa: [] } });
  });

  it('401 for a workflow webhook without a secret, without reading the secrets', async () => {
    const workflowSecrets = secrets();
    const request = workflowRequest(ghlWorkflowWebhook());
    await refusedWith({ ...request, headers: { 'content-type': 'application/json' } }, 401, 'workflow-secret-missing', { workflowSecrets });
    expect(workflowSecrets.get).not.toHaveBeenCalled();
  });

  it('401 for a wrong workflow secret', async () => {
    await refusedWith(workflowRequest(ghlWorkflowWebhook(), { secret: 'guess-0123456789abcdef0123456789abcdef' }), 401, 'workflow-secret-mismatch');
  });

  it('401 for any workflow webhook when no workflow secret is configured', async () => {
    const { workflowSecrets: _none, ...deps } = { workflowSecrets: undefined };
    const { queue, sent } = recordingQueue();
    const { response, outcome } = await ingestGhlWebhook(workflowRequest(ghlWorkflowWebhook()), {
      queue,
      keys: TEST_GHL_KEYS,
      locationId: TEST_GHL_LOCATION_ID,
      ...deps,
    });
    expect(response.statusCode).toBe(401);
    expect(outcome).toMatchObject({ reason: 'workflow-secret-not-configured' });
    expect(sent).toEqual([]);
  });

  it('a workflow secret cannot pass off a signed-looking request: a signature header is always checked as a signature', async () => {
    const request = workflowRequest(ghlContactWebhook());
    await refusedWith({ ...request, headers: { ...request.headers, 'x-ghl-signature': 'A'.repeat(86) + '==' } }, 401, 'signature-mismatch');
  });

  it('400 naming the field when a signed app webhook lacks webhookId', async () => {
    const { webhookId: _w, ...body } = ghlContactWebhook();
    const response = await refusedWith(signedGhlRequest(body), 400, 'invalid-event');
    expect(response.body).toEqual({ error: 'invalid_event', issues: [{ path: 'webhookId', problem: 'is required' }] });
  });

  it('400 naming the field when a workflow webhook lacks contact_id', async () => {
    const { contact_id: _c, ...body } = ghlWorkflowWebhook();
    const response = await refusedWith(workflowRequest(body), 400, 'invalid-event');
    expect(response.body).toMatchObject({ error: 'invalid_event', issues: [{ path: 'contact_id' }] });
  });

  it('400 for an authenticated body that is not JSON', async () => {
    const request = workflowRequest({});
    const response = await refusedWith({ ...request, rawBody: '{not json' }, 400, 'invalid-json');
    expect(response.body).toEqual({ error: 'invalid_json' });
  });

  it('400 for an authenticated body that is not UTF-8', async () => {
    const request = workflowRequest({});
    await refusedWith({ ...request, rawBody: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, 'invalid-encoding');
  });
});

describe('ingestGhlWebhook: unavailable (503)', () => {
  it('when SQS refuses the message', async () => {
    const { queue } = recordingQueue(true);
    const { response, outcome } = await ingest(signedGhlRequest(ghlContactWebhook()), { queue });
    expect(response).toEqual({ statusCode: 503, body: { error: 'temporarily_unavailable' } });
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'enqueue-failed', entity: 'ghl-contacts' });
  });

  it('when the workflow secret cannot be read', async () => {
    const workflowSecrets: SigningSecrets = { get: async () => Promise.reject(new Error('Secrets Manager down')), refresh: async () => undefined };
    const { response, outcome } = await ingest(workflowRequest(ghlWorkflowWebhook()), { workflowSecrets });
    expect(response.statusCode).toBe(503);
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: 'secrets-unavailable' });
  });
});
