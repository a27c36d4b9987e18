import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../lib/errors.js';
import { parseRetryAfterMs } from '../../../lib/relatel/errors.js';
import { createRelatelWriter, type RelatelWriterOptions } from '../../../lib/relatel/writer.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

type Handler = (request: Seen, response: ServerResponse) => void;

// A tiny Relatel stand-in: each test sets the handler; requests are recorded as received.
let server: Server;
let baseUrl: string;
let handler: Handler;
let seen: Seen[];
const hanging = new Set<ServerResponse>();

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: text === '' ? undefined : JSON.parse(text),
      };
      seen.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = (_request, response) => json(response, 500, {});
});

function writer(overrides: Partial<RelatelWriterOptions> = {}) {
  return createRelatelWriter({ baseUrl, token: async () => 'relatel-token', timeoutMs: 2_000, ...overrides });
}

const METTE = { name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' };

async function failureOf(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe('createContact', () => {
  it('POSTs the values wrapped as {"contact": ...} with the bearer token and answers the created contact', async () => {
    handler = (_request, response) => json(response, 201, { contact: { id: 481516, ...METTE, number_formatted: '+45 71 99 99 99' } });
    const created = await writer().createContact(METTE);
    expect(created).toMatchObject({ id: 481516, name: 'Mette Hansen', number: '4571999999' });
    expect(seen).toEqual([
      { method: 'POST', url: '/api/v2/contacts', authorization: 'Bearer relatel-token', contentType: 'application/json', body: { contact: METTE } },
    ]);
  });

  it('sends only the fields that have values', async () => {
    handler = (_request, response) => json(response, 201, { contact: { id: 1, number: '4571999999' } });
    await writer().createContact({ number: '4571999999' });
    expect(seen[0]!.body).toEqual({ contact: { number: '4571999999' } });
  });

  it('refuses an answer without the contact id, permanently (a retry would duplicate)', async () => {
    handler = (_request, response) => json(response, 201, { contact: { name: 'Mette Hansen' } });
    const error = await failureOf(writer().createContact(METTE));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'relatel-answer-unexpected', status: 201 });
    expect(error.message).toContain('contact.id');
    expect(error.message).not.toContain('Mette');
  });

  it('refuses a 2xx answer that is not JSON', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>ok</html>');
    };
    expect(await failureOf(writer().createContact(METTE))).toMatchObject({ kind: 'permanent', reason: 'relatel-answer-unexpected' });
  });
});

describe('updateContact', () => {
  it('PUTs the full state, null for a name or e-mail GHL no longer has', async () => {
    handler = (_request, response) => json(response, 200, { contact: { id: 7, number: '4571999999', name: null, email: null } });
    const result = await writer().updateContact('7', { number: '4571999999' });
    expect(result).toEqual({ outcome: 'updated', contact: { id: 7, number: '4571999999', name: null, email: null } });
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/api/v2/contacts/7', body: { contact: { name: null, number: '4571999999', email: null } } });
  });

  it('answers the values sent when Relatel answers 204 without a body', async () => {
    handler = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    expect(await writer().updateContact('7', METTE)).toEqual({ outcome: 'updated', contact: { id: '7', ...METTE } });
  });

  it('says not-found for a contact deleted in Relatel', async () => {
    handler = (_request, response) => json(response, 404, { error: 'Not found' });
    expect(await writer().updateContact('7', METTE)).toEqual({ outcome: 'not-found' });
  });

  it('escapes the id in the path', async () => {
    handler = (_request, response) => json(response, 200, { contact: { id: 'a/b' } });
    await writer().updateContact('a/b', METTE);
    expect(seen[0]!.url).toBe('/api/v2/contacts/a%2Fb');
  });
});

describe('deleteContact', () => {
  it('DELETEs the contact', async () => {
    handler = (_request, response) => json(response, 204, undefined);
    expect(await writer().deleteContact('7')).toBe('deleted');
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/api/v2/contacts/7', body: undefined, contentType: undefined });
  });

  it('treats a contact already gone as deleted', async () => {
    handler = (_request, response) => json(response, 404, {});
    expect(await writer().deleteContact('7')).toBe('already-deleted');
  });
});

describe('findContactsByNumber', () => {
  it('filters the list by number and keeps only exact matches', async () => {
    handler = (_request, response) =>
      json(response, 200, { contacts: [{ id: 1, number: '4571999999' }, { id: 2, number: '45719999990' }, { id: 3, number: '+45 71 99 99 99' }, { id: 4, number: null }] });
    const found = await writer().findContactsByNumber('+4571999999');
    expect(found.map((contact) => contact.id)).toEqual([1, 3]);
    expect(seen[0]!.url).toBe('/api/v2/contacts?number=4571999999&limit=100');
  });

  it('answers none for a number without digits, without asking Relatel', async () => {
    expect(await writer().findContactsByNumber('anonymous')).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('never puts the number in an error message', async () => {
    handler = (_request, response) => json(response, 400, { error: 'bad number 4571999999' });
    const error = await failureOf(writer().findContactsByNumber('4571999999'));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'relatel-400', status: 400 });
    expect(error.message).not.toContain('4571999999');
  });
});

describe('error taxonomy', () => {
  it('429 is transient and honours Retry-After in seconds', async () => {
    handler = (_request, response) => json(response, 429, {}, { 'retry-after': '7' });
    expect(await failureOf(writer().createContact(METTE))).toMatchObject({ kind: 'transient', reason: 'relatel-429', status: 429, retryAfterMs: 7000 });
  });

  it('503 is transient and honours Retry-After as an HTTP date', async () => {
    handler = (_request, response) => json(response, 503, {}, { 'retry-after': 'Wed, 02 Dec 2026 17:00:30 GMT' });
    const now = () => Date.parse('2026-12-02T17:00:00Z');
    expect(await failureOf(writer({ now }).deleteContact('7'))).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 30_000 });
  });

  it('a 5xx without Retry-After is transient with no hint', async () => {
    handler = (_request, response) => json(response, 502, {});
    const error = await failureOf(writer().updateContact('7', METTE));
    expect(error).toMatchObject({ kind: 'transient', reason: 'relatel-502' });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('401 is an auth error that says what to do', async () => {
    handler = (_request, response) => json(response, 401, {});
    const error = await failureOf(writer().createContact(METTE));
    expect(error).toMatchObject({ kind: 'auth', reason: 'relatel-401', status: 401 });
    expect(error.message).toMatch(/revoked/);
  });

  it('403 is permanent and points at the token\'s write access', async () => {
    handler = (_request, response) => json(response, 403, {});
    const error = await failureOf(writer().createContact(METTE));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'relatel-403' });
    expect(error.message).toMatch(/write access/);
  });

  it('422 is permanent and names the invalid fields, never their values', async () => {
    handler = (_request, response) => json(response, 422, { errors: { number: ['4571999999 is invalid'], email: ['mette@example.dk is taken'], 'bad key!': ['x'] } });
    const error = await failureOf(writer().createContact(METTE));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'relatel-422', status: 422 });
    expect(error.message).toBe('Relatel answered 422 to POST /contacts: invalid fields: email, number');
  });

  it('a request that gets no answer in time is transient', async () => {
    handler = (_request, response) => hanging.add(response);
    expect(await failureOf(writer({ timeoutMs: 50 }).createContact(METTE))).toMatchObject({ kind: 'transient', reason: 'relatel-timeout' });
  });

  it('a refused connection is transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(writer({ baseUrl: `http://127.0.0.1:${port}` }).deleteContact('7'));
    expect(error).toMatchObject({ kind: 'transient', reason: 'relatel-unreachable' });
  });
});

describe('throttle', () => {
  it('runs once before every request', async () => {
    handler = (_request, response) => json(response, 204, undefined);
    const events: string[] = [];
    const throttled = writer({
      throttle: async () => {
        events.push(`throttle ${seen.length}`);
      },
    });
    await throttled.deleteContact('1');
    await throttled.deleteContact('2');
    expect(events).toEqual(['throttle 0', 'throttle 1']);
  });
});

describe('parseRetryAfterMs', () => {
  const NOW = Date.parse('2026-12-02T17:00:00Z');
  it.each([
    ['0', 0],
    ['120', 120_000],
    ['Wed, 02 Dec 2026 17:01:00 GMT', 60_000],
    ['Wed, 02 Dec 2026 16:59:00 GMT', 0],
    [' 5 ', 5_000],
  ])('%s -> %i ms', (value, expected) => {
    expect(parseRetryAfterMs(value, NOW)).toBe(expected);
  });

  it.each([null, undefined, '', '-1', '1.5', 'soon', '2026-12-02T17:01:00Z'])('ignores %s', (value) => {
    expect(parseRetryAfterMs(value, NOW)).toBeUndefined();
  });
});
