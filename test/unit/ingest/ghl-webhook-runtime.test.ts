import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ghlWebhookRequestOf } from '../../../functions/ghl-webhook/runtime.js';
import { ConfigError, ghlWebhookConfigSchema, loadConfig } from '../../../lib/config.js';
import { loadGhlWebhookKeys } from '../../../lib/events/ghl-signature.js';

describe('ghlWebhookRequestOf', () => {
  it("hands the door the query (a workflow's secret) and API Gateway's request id", () => {
    const event = {
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
      queryStringParameters: { secret: 's' },
      requestContext: { requestId: 'Q7xK1gSoDoEEMnQ=' },
    } as unknown as APIGatewayProxyEventV2;
    expect(ghlWebhookRequestOf(event, 1_000)).toEqual({
      headers: { 'content-type': 'application/json' },
      rawBody: '{}',
      isBase64Encoded: false,
      now: 1_000,
      query: { secret: 's' },
      requestId: 'Q7xK1gSoDoEEMnQ=',
    });
  });
});

describe('the GHL door configuration', () => {
  const env = { QUEUE_URL_GHL_CONTACTS: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo', GHL_LOCATION_ID: 'loc-1' };

  it('needs the queue and the location, and defaults the window to 300 s and the grace to 24 h', () => {
    expect(loadConfig(ghlWebhookConfigSchema, env)).toMatchObject({ GHL_WEBHOOK_TOLERANCE_SECONDS: 300, GHL_WORKFLOW_SECRET_GRACE_SECONDS: 86_400 });
    expect(() => loadConfig(ghlWebhookConfigSchema, { QUEUE_URL_GHL_CONTACTS: env.QUEUE_URL_GHL_CONTACTS })).toThrow(/GHL_LOCATION_ID: is required/);
  });

  it('fails the cold start on a key that is not a PEM public key, naming the setting and not the value', () => {
    const load = () => loadGhlWebhookKeys({ ed25519: 'not-a-key-value' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/GHL_WEBHOOK_ED25519_PUBLIC_KEYS/);
    expect(load).not.toThrow(/not-a-key-value/);
  });
});
