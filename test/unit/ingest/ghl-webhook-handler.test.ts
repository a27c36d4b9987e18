/**
 * functions/ghl-webhook/handler.ts as Lambda runs it: configuration from the environment the
 * stack sets (keys as PEM with literal `\n`, the location, the workflow secret's id), API
 * Gateway's payload v2 events, SQS and Secrets Manager mocked at the SDK client. The door's
 * decisions are unit-tested in ghl-webhook.test.ts; this proves the wiring answers the contract
 * of docs/WEBHOOKS.md#ghl---relatel-door end to end, including the size and media-type refusals
 * on the real event shape (a base64-encoded body too).
 */
import { generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueName, queueUrlEnvVar } from '../../../lib/entities.js';
import { signGhlPayload } from '../../../lib/events/ghl-signature.js';
import { ghlContactWebhook, ghlWorkflowWebhook, TEST_GHL_LOCATION_ID, TEST_WORKFLOW_SECRET, testGhlKeyPair } from '../../factories/ghl-events.js';
import { lambdaContext } from '../../factories/relatel-events.js';
import { captureConsole, emittedMetricNames, secretsManager, sqs } from '../webhook/harness.js';

const QUEUE_URL = `https://sqs.eu-north-1.amazonaws.com/123456789012/${queueName('ghl-contacts')}`;
const WORKFLOW_SECRET_ID = 'relatel-ghl-sync/ghl-workflow-secret';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** As the stack passes PEM through an environment variable: one line, literal `\n`. */
const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');

type Invoke = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let invoke: Invoke;

async function coldStart(env: Record<string, string> = {}): Promise<Invoke> {
  vi.stubEnv('AWS_REGION', 'eu-north-1');
  vi.stubEnv(queueUrlEnvVar('ghl-contacts'), QUEUE_URL);
  vi.stubEnv('GHL_LOCATION_ID', TEST_GHL_LOCATION_ID);
  vi.stubEnv('GHL_WEBHOOK_ED25519_PUBLIC_KEYS', oneLine(testGhlKeyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
  vi.stubEnv('GHL_WEBHOOK_RSA_PUBLIC_KEYS', oneLine(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
  vi.stubEnv('GHL_WORKFLOW_SECRET_ID', WORKFLOW_SECRET_ID);
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const { handler } = await import('../../../functions/ghl-webhook/handler.js');
  return async (event) => (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
}

function apiEvent(body: string, headers: Record<string, string>, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/ghl',
    rawPath: '/webhooks/ghl',
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { requestId: `req-${Math.random().toString(36).slice(2)}`, http: { method: 'POST', path: '/webhooks/ghl' } },
    ...extra,
  } as unknown as APIGatewayProxyEventV2;
}

function signed(body: Record<string, unknown>, privateKey: Parameters<typeof signGhlPayload>[1] = testGhlKeyPair.privateKey, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  return apiEvent(raw, { 'content-type': 'application/json', ...signGhlPayload(raw, privateKey), ...headers });
}

const sent = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
const bodyOf = (result: APIGatewayProxyStructuredResultV2) => JSON.parse(result.body ?? 'null') as unknown;

beforeEach(async () => {
  sqs.reset();
  secretsManager.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  secretsManager.on(GetSecretValueCommand, { SecretId: WORKFLOW_SECRET_ID, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: TEST_WORKFLOW_SECRET, CreatedDate: new Date() });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: WORKFLOW_SECRET_ID, VersionStage: 'AWSPREVIOUS' })
    .rejects(new ResourceNotFoundException({ message: 'no previous version', $metadata: {} }));
  captureConsole();
  invoke = await coldStart();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('GHL door handler: accepted', () => {
  it('queues an Ed25519-signed ContactCreate on the ghl-contacts queue by its webhookId, and answers 202', async () => {
    const body = ghlContactWebhook('ContactCreate', { id: 'ghlContact01', webhookId: 'wh-handler-1' });
    const result = await invoke(signed(body));
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({ accepted: true });
    expect(sent()).toEqual([
      expect.objectContaining({ QueueUrl: QUEUE_URL, MessageGroupId: 'ghlContact01', MessageDeduplicationId: 'wh-handler-1' }),
    ]);
  });

  it('queues an RSA-signed ContactUpdate (x-wh-signature) verified with the RSA key the configuration holds', async () => {
    const result = await invoke(signed(ghlContactWebhook('ContactUpdate', { webhookId: 'wh-handler-rsa' }), rsa.privateKey));
    expect(result.statusCode).toBe(202);
    expect(sent()).toEqual([expect.objectContaining({ MessageDeduplicationId: 'wh-handler-rsa' })]);
  });

  it('reads a base64-encoded body as API Gateway hands it over', async () => {
    const raw = JSON.stringify(ghlContactWebhook('ContactUpdate'));
    const event = apiEvent(Buffer.from(raw).toString('base64'), { 'content-type': 'application/json', ...signGhlPayload(raw, testGhlKeyPair.privateKey) }, { isBase64Encoded: true });
    expect((await invoke(event)).statusCode).toBe(202);
    expect(sent()).toHaveLength(1);
  });

  it('queues a workflow webhook whose secret, from Secrets Manager, is in the query string', async () => {
    const event = apiEvent(JSON.stringify(ghlWorkflowWebhook()), { 'content-type': 'application/json' }, { queryStringParameters: { secret: TEST_WORKFLOW_SECRET } });
    expect((await invoke(event)).statusCode).toBe(202);
    expect(sent()).toHaveLength(1);
  });

  it("answers 202 {ignored} to another location's contact and queues nothing", async () => {
    const result = await invoke(signed(ghlContactWebhook('ContactUpdate', { locationId: 'otherLocation000001' })));
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({ ignored: true });
    expect(sent()).toEqual([]);
  });
});

describe('GHL door handler: refused, nothing queued', () => {
  it('413 for a body over 256 KiB, plain or base64-encoded, before its signature is looked at', async () => {
    const big = JSON.stringify(ghlContactWebhook('ContactUpdate', { note: 'x'.repeat(262_144) }));
    const plain = await invoke(apiEvent(big, { 'content-type': 'application/json', 'x-ghl-signature': 'A'.repeat(86) + '==' }));
    expect(plain.statusCode).toBe(413);
    expect(bodyOf(plain)).toEqual({ error: 'payload_too_large' });
    const encoded = await invoke(apiEvent(Buffer.from(big).toString('base64'), { 'content-type': 'application/json' }, { isBase64Encoded: true }));
    expect(encoded.statusCode).toBe(413);
    expect(sent()).toEqual([]);
  });

  it('415 for a correctly signed body not declared as JSON', async () => {
    const raw = JSON.stringify(ghlContactWebhook());
    const result = await invoke(apiEvent(raw, { 'content-type': 'text/plain', ...signGhlPayload(raw, testGhlKeyPair.privateKey) }));
    expect(result.statusCode).toBe(415);
    expect(bodyOf(result)).toEqual({ error: 'unsupported_media_type' });
    expect(sent()).toEqual([]);
  });

  it('401 for a signature by a key the configuration does not hold, and counts it', async () => {
    const forger = generateKeyPairSync('ed25519');
    const result = await invoke(signed(ghlContactWebhook(), forger.privateKey));
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: 'invalid_signature' });
    expect(sent()).toEqual([]);
    expect(emittedMetricNames()).toContain('WebhookSignatureFailures');
  });

  it('401 for a correctly signed webhook replayed after the window', async () => {
    const stale = ghlContactWebhook('ContactUpdate', { timestamp: new Date(Date.now() - 301_000).toISOString() });
    expect((await invoke(signed(stale))).statusCode).toBe(401);
    expect(sent()).toEqual([]);
  });

  it('401 for an RSA signature when the configuration refuses RSA (`none`)', async () => {
    invoke = await coldStart({ GHL_WEBHOOK_RSA_PUBLIC_KEYS: 'none' });
    expect((await invoke(signed(ghlContactWebhook(), rsa.privateKey))).statusCode).toBe(401);
    expect(sent()).toEqual([]);
  });

  it('400 naming the field when a signed webhook lacks the contact id', async () => {
    const { id: _id, ...body } = ghlContactWebhook();
    const result = await invoke(signed(body));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'invalid_event', issues: [{ path: 'id', problem: 'is required' }] });
  });
});

describe('GHL door handler: unavailable', () => {
  it('503 when SQS refuses the message (GHL will not retry: the catch-up recovers it), counted as WebhookUnavailable', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('ServiceUnavailable'));
    const result = await invoke(signed(ghlContactWebhook()));
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({ error: 'temporarily_unavailable' });
    expect(emittedMetricNames()).toContain('WebhookUnavailable');
  });
});
