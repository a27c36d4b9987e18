/** The Relatel simulator's throttle (429 with Retry-After), injected faults, request log and /__sim/ controls. */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../ghl-simulator/support.js';
import { call, relatelSimulator } from './support.js';

describe('Relatel simulator: 429s', () => {
  it('has no limit by default', async () => {
    const sim = await relatelSimulator({ clock: fakeClock() });

    const statuses = await Promise.all(Array.from({ length: 30 }, () => call(sim, 'GET', '/contacts').then((a) => a.status)));

    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('answers 429 with Retry-After (the seconds left in the window) once a set limit is spent, and serves again after', async () => {
    const clock = fakeClock();
    const sim = await relatelSimulator({ clock, rateLimit: { maxPerInterval: 2, intervalMs: 10_000 } });

    expect((await call(sim, 'GET', '/contacts')).status).toBe(200);
    expect((await call(sim, 'GET', '/contacts')).status).toBe(200);
    const refused = await call(sim, 'GET', '/contacts');
    clock.advance(4_000);
    const later = await call(sim, 'GET', '/contacts');
    clock.advance(6_000);
    const next = await call(sim, 'GET', '/contacts');

    expect(refused).toMatchObject({ status: 429, body: { error: 'Rate limit exceeded' } });
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(later.headers.get('retry-after')).toBe('6');
    expect(next.status).toBe(200);
  });

  it('in 429 mode (maxPerInterval 0) refuses every request until the limit is lifted; a refused write writes nothing', async () => {
    const sim = await relatelSimulator({ clock: fakeClock() });
    sim.setRateLimit({ maxPerInterval: 0, intervalMs: 30_000 });

    const refused = await call(sim, 'POST', '/contacts', { body: { contact: { name: 'Mette' } } });
    sim.setRateLimit({ maxPerInterval: null });
    const served = await call(sim, 'POST', '/contacts', { body: { contact: { name: 'Mette' } } });

    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(served.status).toBe(201);
    expect(sim.state.contacts()).toHaveLength(1);
  });

  it('does not spend the budget on requests refused for their token', async () => {
    const sim = await relatelSimulator({ clock: fakeClock(), rateLimit: { maxPerInterval: 1 } });

    expect((await call(sim, 'GET', '/contacts', { token: 'wrong' })).status).toBe(401);
    expect((await call(sim, 'GET', '/contacts')).status).toBe(200);
  });

  it('refuses rate-limit settings it cannot honour', async () => {
    const sim = await relatelSimulator();

    expect(() => sim.setRateLimit({ maxPerInterval: -1 })).toThrow(RangeError);
    expect(() => sim.setRateLimit({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => sim.setRateLimit({ burst: 5 } as never)).toThrow(/unknown rate limit setting/);
  });
});

describe('Relatel simulator: injected faults', () => {
  it('answers an injected 500 as JSON and 502-504 as a proxy HTML page, writing nothing', async () => {
    const sim = await relatelSimulator({ faults: { serverErrorRate: 1, serverErrorStatuses: [500] } });

    const json = await call(sim, 'POST', '/contacts', { body: { contact: { name: 'Mette' } } });
    sim.setFaults({ serverErrorStatuses: [503] });
    const html = await call(sim, 'GET', '/contacts/1');

    expect(json).toMatchObject({ status: 500, body: { error: 'Internal Server Error' } });
    expect(html.status).toBe(503);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(sim.state.contacts()).toEqual([]);
  });

  it('an injected 429 carries Retry-After too', async () => {
    const sim = await relatelSimulator({ faults: { rateLimitRate: 1 }, rateLimit: { intervalMs: 5_000 } });

    const answer = await call(sim, 'GET', '/contacts');

    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('5');
  });

  it('applies a write and then answers 5xx: a retried create makes a second contact (Relatel has no idempotency key)', async () => {
    const sim = await relatelSimulator({ faults: { afterWriteServerErrorRate: 1, serverErrorStatuses: [502] } });
    const body = { contact: { name: 'Mette', number: '4571999999' } };

    const failed = await call(sim, 'POST', '/contacts', { body });
    sim.setFaults({ afterWriteServerErrorRate: 0 });
    const retried = await call(sim, 'POST', '/contacts', { body });

    expect(failed.status).toBe(502);
    expect(retried.status).toBe(201);
    expect(sim.state.contacts().map((c) => c.number)).toEqual(['4571999999', '4571999999']);
  });

  it('never answers a request with a timeout fault; the log records it with status 0', async () => {
    const sim = await relatelSimulator({ faults: { timeoutRate: 1, timeoutMode: 'reset' } });

    await expect(call(sim, 'GET', '/contacts/1')).rejects.toThrow();

    await expect.poll(() => sim.state.requests()).toMatchObject([{ operation: 'contacts.get', status: 0, faults: ['timeout'] }]);
  });

  it('replays the same faults on the same requests with the same seed', async () => {
    const faults = { serverErrorRate: 0.3, rateLimitRate: 0.2, serverErrorStatuses: [500, 503] };
    const statusesOf = async (seed: number) => {
      const sim = await relatelSimulator({ seed, faults });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await call(sim, 'GET', '/contacts')).status);
      return statuses;
    };

    const first = await statusesOf(11);

    expect(await statusesOf(11)).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500, 503]));
  });
});

describe('Relatel simulator: request log and controls', () => {
  it('logs each API request with its operation and status, never the query string', async () => {
    const sim = await relatelSimulator();
    sim.seedContact({ id: 7, name: 'Mette', number: '4571999999' });

    await call(sim, 'GET', '/contacts?number=4571999999');
    await call(sim, 'GET', '/contacts/7');
    await call(sim, 'PUT', '/contacts/7', { body: { contact: { name: 'Mette H' } } });
    await call(sim, 'DELETE', '/contacts/8');

    expect(sim.state.requests().map(({ method, path, operation, status }) => ({ method, path, operation, status }))).toEqual([
      { method: 'GET', path: '/api/v2/contacts', operation: 'contacts.lookup', status: 200 },
      { method: 'GET', path: '/api/v2/contacts/7', operation: 'contacts.get', status: 200 },
      { method: 'PUT', path: '/api/v2/contacts/7', operation: 'contacts.update', status: 200 },
      { method: 'DELETE', path: '/api/v2/contacts/8', operation: 'contacts.delete', status: 404 },
    ]);
    expect(sim.state.counters()).toMatchObject({ total: 4, byStatus: { '200': 3, '404': 1 } });
    expect(JSON.stringify(sim.state.requests())).not.toContain('4571999999');
  });

  it('is seeded, steered and reset over HTTP from another process', async () => {
    const sim = await relatelSimulator();
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${sim.url}/__sim/${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body) }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    const seeded = await admin('POST', 'contacts', { id: 481516, name: 'Mette Hansen', number: '4571999999' });
    const invalid = await admin('POST', 'contacts', { name: 'Jonas', email: 'jonas-at-example.dk' });
    const misspelt = await admin('POST', 'faults', { serverErrorRatio: 1 });
    await admin('POST', 'rate-limit', { maxPerInterval: 0 });
    const throttled = await call(sim, 'GET', '/contacts/481516');
    const state = await admin('GET', 'state');
    const requests = await admin('GET', 'requests');
    await admin('POST', 'reset');

    expect(seeded).toMatchObject({ status: 201, body: { contact: { id: 481516, number_formatted: '+45 71 99 99 99' } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toBe('invalid seeded contact: email is invalid');
    expect(misspelt.status).toBe(400);
    expect(throttled.status).toBe(429);
    expect(state.body).toMatchObject({ contacts: [{ id: 481516 }], rateLimit: { maxPerInterval: 0 }, counters: { total: 1 } });
    expect(requests.body.requests).toHaveLength(1);
    expect(sim.state.contacts()).toEqual([]);
    expect(sim.state.requests()).toEqual([]);
    expect((await call(sim, 'GET', '/contacts')).status).toBe(200);
  });

  it('refuses to seed a contact over an existing id; a later contact gets an id above every seeded one', async () => {
    const sim = await relatelSimulator({ firstId: 100 });
    sim.seedContact({ id: 7, name: 'Mette' });
    sim.seedContact({ id: 2_000, name: 'Jonas' });

    expect(() => sim.seedContact({ id: 7, name: 'Jonas' })).toThrow(/exists already/);
    expect(sim.seedContact({ name: 'Anna' }).id).toBe(2_001);
  });
});
