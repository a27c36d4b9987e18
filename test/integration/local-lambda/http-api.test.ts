/**
 * The local API Gateway HTTP API: real requests over node:http in, payload format 2.0 events to
 * the handler, API Gateway's reading of the handler's result back out.
 */
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyHandlerV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpApi, type HttpApi, type HttpApiHandler, type HttpApiOptions } from '../../../local/lambda/index.js';
import { capturingLogger, gate } from './fixtures.js';

const ROUTE = { method: 'POST', path: '/webhooks/relatel' } as const;
const running: HttpApi[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop()));
});

async function startApi(handler: HttpApiHandler, options: Partial<HttpApiOptions> = {}) {
  const logger = capturingLogger();
  const api = await startHttpApi({ port: 0, routes: [{ ...ROUTE, handler }], logger, ...options });
  running.push(api);
  return { api, logger };
}

/** Starts an API whose handler records the event it receives and answers 200. */
async function startRecordingApi(options: Partial<HttpApiOptions> = {}) {
  const events: APIGatewayProxyEventV2[] = [];
  const started = await startApi(async (event) => {
    events.push(event);
    return { statusCode: 200, body: 'ok' };
  }, options);
  return { ...started, events };
}

/**
 * node:http rather than fetch, so a header can be sent twice. Given as a raw list, headers are
 * sent as they are: Node adds no Host header then, so this does.
 */
function post(url: string, body: Buffer | string, headers: string[]): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: ['Host', new URL(url).host, ...headers] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local HTTP API', () => {
  it('hands the handler a payload format 2.0 event with lower-cased headers and the body as text', async () => {
    const { api, events } = await startRecordingApi();
    const body = '{"event":"contact.created"}';

    await post(`${api.url}/webhooks/relatel?probe=1&probe=2`, body, [
      'Content-Type', 'application/json',
      'X-Relatel-Signature', 't=1,v1=abc',
      'X-Repeated', 'first',
      'X-Repeated', 'second',
      'User-Agent', 'relatel-webhooks/1.0',
      'Cookie', 'a=1; b=2',
    ]);

    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhooks/relatel',
      rawPath: '/webhooks/relatel',
      rawQueryString: 'probe=1&probe=2',
      queryStringParameters: { probe: '1,2' },
      cookies: ['a=1', 'b=2'],
      body,
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: expect.any(String),
        domainName: '127.0.0.1',
        http: { method: 'POST', path: '/webhooks/relatel', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'relatel-webhooks/1.0' },
        requestId: expect.any(String),
        routeKey: 'POST /webhooks/relatel',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
    });
    expect(event?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-relatel-signature': 't=1,v1=abc',
      'x-repeated': 'first,second',
      'user-agent': 'relatel-webhooks/1.0',
    });
    expect(Object.keys(event?.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('base64-encodes a body whose content type is not textual', async () => {
    const { api, events } = await startRecordingApi();
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80]);

    await post(`${api.url}/webhooks/relatel`, bytes, ['Content-Type', 'application/octet-stream']);

    expect(events[0]).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('answers with the status, headers, cookies and body of a structured result', async () => {
    const { api } = await startApi(async () => ({
      statusCode: 202,
      headers: { 'Content-Type': 'text/plain', 'X-Delivery': 'abc' },
      cookies: ['session=1'],
      body: Buffer.from('accepted').toString('base64'),
      isBase64Encoded: true,
    }));

    const response = await post(`${api.url}/webhooks/relatel`, '{}', ['Content-Type', 'application/json']);

    expect(response.status).toBe(202);
    expect(response.headers).toMatchObject({ 'content-type': 'text/plain', 'x-delivery': 'abc', 'set-cookie': ['session=1'] });
    expect(response.body.toString()).toBe('accepted');
  });

  it('answers a result without a statusCode as 200 JSON, as API Gateway does', async () => {
    const { api } = await startApi(async () => ({ received: true }));

    const response = await post(`${api.url}/webhooks/relatel`, '{}', ['Content-Type', 'application/json']);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({ received: true });
  });

  it('takes a callback-style APIGatewayProxyHandlerV2 as well as an async one', async () => {
    const callbackHandler: APIGatewayProxyHandlerV2 = (_event, _context, callback) => {
      setImmediate(() => callback(null, { statusCode: 204 }));
    };
    const { api } = await startApi(callbackHandler);

    const response = await fetch(`${api.url}/webhooks/relatel`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(204);
  });

  it('answers 404 Not Found for a route it does not know, without calling a handler', async () => {
    const { api, events } = await startRecordingApi();

    const response = await fetch(`${api.url}/webhooks/other`, { method: 'POST', body: '{}' });
    const wrongMethod = await fetch(`${api.url}/webhooks/relatel`);

    expect([response.status, wrongMethod.status]).toEqual([404, 404]);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(events).toEqual([]);
  });

  it('answers 500 Internal Server Error when the handler throws, and logs the failure', async () => {
    const { api, logger } = await startApi(async () => {
      throw new Error('queue unreachable');
    });

    const response = await fetch(`${api.url}/webhooks/relatel`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'error', message: 'Function failed' })]);
  });

  it('answers 503 Service Unavailable when the handler outlives the integration timeout', async () => {
    const never = gate();
    const { api } = await startApi(() => never.wait, { integrationTimeoutMs: 50 });

    const response = await fetch(`${api.url}/webhooks/relatel`, { method: 'POST', body: '{}' });
    never.open();

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it.each([
    ['declared in Content-Length', ['Content-Length', '1025']],
    ['discovered while streaming a chunked body', ['Transfer-Encoding', 'chunked']],
  ])('answers 413 for a payload over the limit %s, without calling the handler', async (_, framing) => {
    const { api, events } = await startRecordingApi({ maxBodyBytes: 1_024 });

    const response = await post(`${api.url}/webhooks/relatel`, 'x'.repeat(1_025), ['Content-Type', 'text/plain', ...framing]);

    expect(response.status).toBe(413);
    expect(events).toEqual([]);
  });

  it('refuses to start on a port in use, saying how to fix it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startHttpApi({ port, routes: [] })).rejects.toThrow(`port ${port} is in use: stop the other process or set PORT`);
    } finally {
      blocker.close();
    }
  });
});
