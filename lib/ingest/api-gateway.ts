/** Translation between API Gateway HTTP API (payload v2) events and webhook ingest. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describeError } from './observe.js';
import type { WebhookRequest, WebhookResponse } from './webhook.js';

export function webhookRequestOf(event: APIGatewayProxyEventV2, now: number): WebhookRequest {
  return {
    headers: event.headers ?? {},
    rawBody: event.body,
    isBase64Encoded: event.isBase64Encoded === true,
    now,
  };
}

export function apiGatewayResultOf(response: WebhookResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(response.body),
  };
}

/**
 * The last line of defence: ingest itself never throws, but should anything around it (a
 * middleware, the logger) fail, answer 503 so Relatel retries, rather than letting the Lambda
 * error surface as API Gateway's bare 500.
 */
export function unavailableOnError(
  logger: Pick<Logger, 'error'>,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      logger.error('Unexpected failure around webhook ingest', { error: describeError(request.error) });
      request.response = apiGatewayResultOf({ statusCode: 503, body: { error: 'temporarily_unavailable' } });
    },
  };
}
