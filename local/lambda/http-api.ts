/**
 * API Gateway's HTTP API (Lambda proxy integration, payload format 2.0), for the local stack:
 * a node:http server that turns each request into the event API Gateway would send, invokes the
 * real handler, and turns its result back into a response the way API Gateway does, including
 * the answers API Gateway gives on its own (404 unknown route, 413 payload too large, 500 when
 * the function fails, 503 when it times out).
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { redactPersonalData } from '../../lib/observability.js';
import {
  LOCAL_ACCOUNT_ID,
  createLambdaContext,
  invokeHandler,
  LambdaTimeoutError,
  type LambdaHandler,
  type RuntimeLogger,
} from './invoke.js';

/** APIGatewayProxyHandlerV2, or any async (event, context) function over the same types. */
export type HttpApiHandler = LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>;

export interface HttpRoute {
  /** An HTTP method, or ANY. */
  method: string;
  /** An exact path such as /webhooks/relatel. */
  path: string;
  handler: HttpApiHandler;
  /** Shown in the handler's context; defaults to the route key. */
  functionName?: string;
}

export interface HttpApiOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  routes: HttpRoute[];
  /** API Gateway refuses larger payloads (10 MB) before the function runs. */
  maxBodyBytes?: number;
  /** The HTTP API integration timeout (at most 30 s on AWS); the function's timeout here too. */
  integrationTimeoutMs?: number;
  region?: string;
  logger?: RuntimeLogger;
  onRequest?: (report: HttpRequestReport) => void;
}

export interface HttpRequestReport {
  method: string;
  path: string;
  routeKey?: string;
  statusCode: number;
  requestId: string;
  durationMs: number;
}

export interface HttpApi {
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets in-flight ones finish briefly, then closes every connection. */
  stop(): Promise<void>;
}

export class HttpPortInUseError extends Error {
  override name = 'HttpPortInUseError';
  readonly code = 'EADDRINUSE';
  constructor(readonly port: number) {
    super(`port ${port} is in use: stop the other process or set PORT`);
  }
}

export const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 30_000;
const LOCAL_API_ID = 'localapi00';
const STOP_GRACE_MS = 2_000;

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const gatewayAnswer = (statusCode: number, message: string): Answer => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ message })),
});

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? API_GATEWAY_MAX_PAYLOAD_BYTES;
  const timeoutMs = options.integrationTimeoutMs ?? API_GATEWAY_INTEGRATION_TIMEOUT_MS;
  const region = options.region ?? process.env.AWS_REGION ?? 'eu-west-1';
  const logger = options.logger ?? console;

  async function answer(request: IncomingMessage, requestId: string, route: HttpRoute | undefined): Promise<Answer> {
    if (route === undefined) return gatewayAnswer(404, 'Not Found');
    const body = await readBody(request, maxBodyBytes);
    if (body === 'too-large') return gatewayAnswer(413, 'Request Entity Too Large');
    const event = toHttpApiEvent(request, body, { routeKey: routeKeyOf(route), requestId });
    const functionName = route.functionName ?? routeKeyOf(route);
    const context = createLambdaContext({ functionName, timeoutMs, region });
    try {
      return toHttpAnswer(await invokeHandler(route.handler, event, context, timeoutMs));
    } catch (error) {
      const timedOut = error instanceof LambdaTimeoutError;
      logger.error(timedOut ? 'Function timed out' : 'Function failed', {
        routeKey: event.routeKey,
        requestId,
        awsRequestId: context.awsRequestId,
        error: error instanceof Error ? `${error.name}: ${redactPersonalData(error.message)}` : redactPersonalData(String(error)),
      });
      return timedOut ? gatewayAnswer(503, 'Service Unavailable') : gatewayAnswer(500, 'Internal Server Error');
    }
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomBytes(10).toString('base64');
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const method = request.method ?? 'GET';
    const route = options.routes.find((r) => r.path === path && (r.method === method || r.method === 'ANY'));
    let result: Answer;
    try {
      result = await answer(request, requestId, route);
    } catch (error) {
      logger.error('Local HTTP API failed to handle a request', { requestId, error: String(error) });
      result = gatewayAnswer(500, 'Internal Server Error');
    }
    // A refused upload may still be arriving: close the connection rather than read it all.
    if (result.statusCode === 413) response.setHeader('connection', 'close');
    response.writeHead(result.statusCode, { ...result.headers, 'apigw-requestid': requestId });
    response.end(result.body);
    options.onRequest?.({
      method,
      path,
      ...(route === undefined ? {} : { routeKey: routeKeyOf(route) }),
      statusCode: result.statusCode,
      requestId,
      durationMs: Date.now() - started,
    });
  }

  const server = createServer((request, response) => void serve(request, response));
  const port = await listen(server, options.port, host);
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () => closeServer(server),
  };
}

function routeKeyOf(route: HttpRoute): string {
  return `${route.method} ${route.path}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new HttpPortInUseError(port) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    server.close((error) => {
      clearTimeout(force);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/** The body, or 'too-large' as soon as it passes the limit (the rest is not buffered). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        request.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * Content types whose bodies API Gateway passes as text; any other body (including one without
 * a content type) reaches the function base64-encoded with isBase64Encoded=true.
 */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

interface EventSettings {
  routeKey: string;
  requestId: string;
  now?: Date;
}

/** The payload format 2.0 event API Gateway builds for a request. */
export function toHttpApiEvent(request: IncomingMessage, body: Buffer, settings: EventSettings): APIGatewayProxyEventV2 {
  const now = settings.now ?? new Date();
  const url = new URL(request.url ?? '/', 'http://localhost');
  const rawQueryString = url.search.replace(/^\?/, '');
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const headers: Record<string, string> = {};
  // headersDistinct keeps every value of a repeated header; API Gateway joins them with commas.
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(',');
  }
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  Object.assign(headers, {
    'x-forwarded-for': sourceIp,
    'x-forwarded-port': String(request.socket.localPort ?? ''),
    'x-forwarded-proto': 'http',
    'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
  });
  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const textual = isTextualContentType(headers['content-type']);
  return {
    version: '2.0',
    routeKey: settings.routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(cookieHeader === undefined ? {} : { cookies: cookieHeader.split(/;\s*|,/).filter(Boolean) }),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: queryParameters(url.searchParams) }),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: settings.requestId,
      routeKey: settings.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length === 0 ? {} : { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

function queryParameters(params: URLSearchParams): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of params) joined[name] = name in joined ? `${joined[name]},${value}` : value;
  return joined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's request time, e.g. 10/Apr/2022:13:30:05 +0000. */
function apiGatewayTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * How API Gateway reads a format 2.0 result: an object with a statusCode is a structured
 * response; anything else is a 200 JSON response whose body is the result (a string as is,
 * anything else serialised). A malformed structured response is the function's failure: 500.
 */
export function toHttpAnswer(result: unknown): Answer {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const structured = result as { statusCode: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown; cookies?: unknown };
    const { statusCode } = structured;
    if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
      return gatewayAnswer(500, 'Internal Server Error');
    }
    const headers: Record<string, string | string[]> = {};
    if (typeof structured.headers === 'object' && structured.headers !== null) {
      for (const [name, value] of Object.entries(structured.headers)) headers[name.toLowerCase()] = String(value);
    }
    if (Array.isArray(structured.cookies) && structured.cookies.length > 0) headers['set-cookie'] = structured.cookies.map(String);
    const text = typeof structured.body === 'string' ? structured.body : '';
    const body = structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    return { statusCode, headers, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
}
