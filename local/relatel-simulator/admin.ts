/**
 * The Relatel simulator's controls, for tests and scripts in another process (the GHL
 * simulator's, under the same `/__sim/` paths): state, request log, faults, rate limit, seeding,
 * reset. They need no token, spend no rate budget and draw no faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSettings } from '../ghl-simulator/faults.js';
import { readBody } from '../ghl-simulator/io.js';
import { isPlainObject } from '../ghl-simulator/validate.js';
import type { RelatelRateLimitSettings } from './rate-limit.js';
import type { RelatelSeedContact, RelatelSimulator } from './server.js';

type AdminControl = Pick<RelatelSimulator, 'state' | 'setFaults' | 'setRateLimit' | 'seedContact' | 'reset'>;

export async function handleRelatelAdminRequest(req: IncomingMessage, res: ServerResponse, url: URL, sim: AdminControl): Promise<void> {
  const rawBody = await readBody(req);
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/$/, '')}`;
  try {
    switch (route) {
      case 'GET /__sim/state':
        return reply(res, 200, sim.state.snapshot());
      case 'GET /__sim/requests':
        return reply(res, 200, { requests: sim.state.requests() });
      case 'POST /__sim/faults':
        return reply(res, 200, { faults: sim.setFaults(jsonObject(rawBody) as Partial<FaultSettings>) });
      case 'POST /__sim/rate-limit':
        return reply(res, 200, { rateLimit: sim.setRateLimit(jsonObject(rawBody) as Partial<RelatelRateLimitSettings>) });
      case 'POST /__sim/contacts':
        return reply(res, 201, { contact: sim.seedContact(jsonObject(rawBody) as unknown as RelatelSeedContact) });
      case 'POST /__sim/reset':
        sim.reset();
        return reply(res, 200, { reset: true });
      default:
        return reply(res, 404, { error: `Cannot ${route}` });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : 'Bad Request';
    // A seeded contact's field errors (422 from the API's own checks) name the fields only.
    const detail = isPlainObject((error as { body?: unknown }).body) ? (error as { body: Record<string, unknown> }).body : { error: message };
    return reply(res, 400, detail);
  }
}

function jsonObject(raw: string): Record<string, unknown> {
  const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
  if (!isPlainObject(parsed)) throw new TypeError('body must be a JSON object');
  return parsed;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
