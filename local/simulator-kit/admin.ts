/**
 * The simulators' control endpoints under /__sim/ (the GHL and the Relatel simulator have the
 * same), for `npm run status` and for tests or tools in another process. They need no token and
 * never count against the rate limit or draw faults.
 *
 *   GET  /__sim/state        snapshot: records, counters, rate-limit budget, fault settings
 *   GET  /__sim/requests     the request log
 *   POST /__sim/faults       change fault settings (partial FaultSettings, optional seed)
 *   POST /__sim/rate-limit   change rate-limit settings (partial RateLimitSettings)
 *   POST /__sim/contacts     seed a contact as if made in GHL's UI
 *   POST /__sim/delete       delete a record as a person would in GHL's UI: `{kind, id}` (GHL simulator only)
 *   POST /__sim/reset        back to the initial state and settings
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultSettings } from '../ghl-simulator/faults.js';
import { readBody } from '../ghl-simulator/io.js';
import { isPlainObject } from '../ghl-simulator/validate.js';
import type { SimRequestRecord } from './request-log.js';

/** What a simulator offers its controls; the seeded record and the rate-limit settings are its own. */
export interface AdminControl<Seed = Record<string, unknown>> {
  state: { snapshot(): unknown; requests(): SimRequestRecord[] };
  setFaults(changes: Partial<FaultSettings> & { seed?: number }): FaultSettings;
  setRateLimit(changes: Record<string, unknown>): unknown;
  /** Fields as the simulator takes them (the body of `POST /__sim/contacts`, checked by the simulator). */
  seedContact(fields: Seed): unknown;
  /** Deletes a record behind the sync's back (a person in the UI); answers whether it existed. */
  deleteRecord?(kind: string, id: string): boolean;
  reset(): void;
}

export async function handleAdminRequest<Seed>(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  sim: AdminControl<Seed>,
): Promise<void> {
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
        return reply(res, 200, { rateLimit: sim.setRateLimit(jsonObject(rawBody)) });
      case 'POST /__sim/contacts':
        return reply(res, 201, { contact: sim.seedContact(jsonObject(rawBody) as Seed) });
      case 'POST /__sim/delete': {
        if (sim.deleteRecord === undefined) break;
        const { kind, id } = jsonObject(rawBody);
        if (typeof kind !== 'string' || typeof id !== 'string') throw new TypeError('body must be {kind, id}');
        return reply(res, 200, { deleted: sim.deleteRecord(kind, id) });
      }
      case 'POST /__sim/reset':
        sim.reset();
        return reply(res, 200, { reset: true });
    }
    return reply(res, 404, { statusCode: 404, message: `Cannot ${route}` });
  } catch (error) {
    return reply(res, 400, { statusCode: 400, message: error instanceof Error ? error.message : 'Bad Request' });
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
