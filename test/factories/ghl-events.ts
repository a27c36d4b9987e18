/**
 * GHL door test data: contact webhooks as GHL's marketplace app and a workflow send them, signed
 * with a key pair generated for the tests (GHL's private keys are GHL's).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signGhlPayload, type GhlWebhookKeys } from '../../lib/events/ghl-signature.js';
import type { GhlWebhookRequest } from '../../lib/ingest/ghl-webhook.js';

export const TEST_GHL_LOCATION_ID = 've9EPM428h8vShlRW1KT';
export const TEST_WORKFLOW_SECRET = 'wf-secret-0123456789abcdef0123456789abcdef';

export const testGhlKeyPair = generateKeyPairSync('ed25519');
export const TEST_GHL_KEYS: GhlWebhookKeys = { ed25519: [testGhlKeyPair.publicKey], rsa: [] };

export type GhlAppWebhookType = 'ContactCreate' | 'ContactUpdate' | 'ContactDelete' | 'ContactTagUpdate';

/** A marketplace-app contact webhook body; `timestamp` now unless given. */
export function ghlContactWebhook(type: GhlAppWebhookType = 'ContactUpdate', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    locationId: TEST_GHL_LOCATION_ID,
    id: 'nmFmQEsNgz6AVpgLVUJ0',
    firstName: 'Mette',
    lastName: 'Hansen',
    email: 'mette.hansen@example.dk',
    phone: '+4571999999',
    tags: ['kunde'],
    timestamp: new Date().toISOString(),
    webhookId: randomUUID(),
    ...overrides,
  };
}

/** A workflow "Webhook" action's body. */
export function ghlWorkflowWebhook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contact_id: 'nmFmQEsNgz6AVpgLVUJ0',
    first_name: 'Mette',
    last_name: 'Hansen',
    email: 'mette.hansen@example.dk',
    phone: '+4571999999',
    tags: 'kunde',
    location: { id: TEST_GHL_LOCATION_ID, name: 'Hansen Tømrer' },
    ...overrides,
  };
}

/** A signed app webhook request as the door receives it. */
export function signedGhlRequest(
  body: Record<string, unknown> | string,
  options: { now?: number; headers?: Record<string, string | undefined>; privateKey?: Parameters<typeof signGhlPayload>[1] } = {},
): GhlWebhookRequest {
  const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    headers: { 'content-type': 'application/json', ...signGhlPayload(rawBody, options.privateKey ?? testGhlKeyPair.privateKey), ...options.headers },
    rawBody,
    now: options.now ?? Date.now(),
    requestId: randomUUID(),
  };
}

/** A workflow webhook request carrying the secret in its header (or `query` when given). */
export function workflowRequest(
  body: Record<string, unknown>,
  options: { secret?: string; inQuery?: boolean; now?: number } = {},
): GhlWebhookRequest {
  const secret = options.secret ?? TEST_WORKFLOW_SECRET;
  return {
    headers: { 'content-type': 'application/json', ...(options.inQuery ? {} : { 'x-workflow-secret': secret }) },
    rawBody: JSON.stringify(body),
    now: options.now ?? Date.now(),
    requestId: randomUUID(),
    ...(options.inQuery ? { query: { secret } } : {}),
  };
}
