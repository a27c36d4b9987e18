import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { apiGatewayResultOf, unavailableOnError, webhookRequestOf } from '../../../lib/ingest/api-gateway.js';
import { apiGatewayEvent, lambdaContext } from '../../factories/relatel-events.js';

describe('API Gateway translation', () => {
  it('passes headers, body and its encoding through untouched', () => {
    const event = apiGatewayEvent({ body: 'e30=', headers: { 'content-type': 'application/json' }, isBase64Encoded: true });
    expect(webhookRequestOf(event, 1_000)).toEqual({
      headers: { 'content-type': 'application/json' },
      rawBody: 'e30=',
      isBase64Encoded: true,
      now: 1_000,
    });
  });

  it('answers JSON', () => {
    expect(apiGatewayResultOf({ statusCode: 202, body: { accepted: true } })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"accepted":true}',
    });
  });

  it('turns a failure around ingest into a 503 rather than a Lambda error', async () => {
    const logger = { error: vi.fn() };
    const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
      .use(unavailableOnError(logger))
      .handler(async () => {
        throw new Error('boom for 4571999999');
      });
    const result = await handler(apiGatewayEvent(), lambdaContext());
    expect(result).toMatchObject({ statusCode: 503, body: '{"error":"temporarily_unavailable"}' });
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('4571999999');
  });
});
