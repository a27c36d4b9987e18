import { describe, expect, it, vi } from 'vitest';
import type { GhlSimulator } from '../../../local/ghl-simulator/index.js';
import { call, contactBody, createContact, fakeClock, simulator } from './support.js';

const anyRead = (sim: GhlSimulator) => `/contacts/?locationId=${sim.locationId}`;

async function statusesOf(sim: GhlSimulator, requests: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < requests; i += 1) statuses.push((await call(sim, 'GET', anyRead(sim))).status);
  return statuses;
}

describe('GHL simulator: fault injection', () => {
  it('replays the same faults on the same requests with the same seed', async () => {
    const faults = { serverErrorRate: 0.3, rateLimitRate: 0.2, serverErrorStatuses: [500, 503] };
    const first = await simulator({ seed: 11, faults, clock: fakeClock() });
    const second = await simulator({ seed: 11, faults, clock: fakeClock() });

    const statuses = await statusesOf(first, 30);

    expect(await statusesOf(second, 30)).toEqual(statuses);
    expect(new Set(statuses)).toEqual(new Set([200, 429, 500, 503]));
  });

  it('draws other faults from another seed', async () => {
    const faults = { serverErrorRate: 0.5 };
    const first = await simulator({ seed: 1, faults, clock: fakeClock() });
    const second = await simulator({ seed: 2, faults, clock: fakeClock() });

    expect(await statusesOf(second, 30)).not.toEqual(await statusesOf(first, 30));
  });

  it('answers an injected 500 as GHL JSON and 502-504 as a gateway HTML page', async () => {
    const sim = await simulator({ faults: { serverErrorRate: 1, serverErrorStatuses: [500] } });
    const json = await call(sim, 'GET', anyRead(sim));
    sim.setFaults({ serverErrorStatuses: [502] });
    const html = await call(sim, 'GET', anyRead(sim));

    expect(json.status).toBe(500);
    expect(json.body).toMatchObject({ statusCode: 500 });
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toContain('text/html');
  });

  it('does not apply a write that failed before reaching GHL', async () => {
    const sim = await simulator({ faults: { serverErrorRate: 1 } });

    const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim) });

    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(sim.state.contacts()).toEqual([]);
  });

  it('an injected 429 looks like a spent budget', async () => {
    const sim = await simulator({ faults: { rateLimitRate: 1 } });
    const answer = await call(sim, 'GET', anyRead(sim));
    expect(answer.status).toBe(429);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  describe('after the write', () => {
    it('applies the write, answers 5xx, and a retry then meets the duplicate rule', async () => {
      const sim = await simulator({ faults: { afterWriteServerErrorRate: 1, serverErrorStatuses: [503] } });
      const body = contactBody(sim);

      const failed = await call(sim, 'POST', '/contacts/', { body });
      const retried = await call(sim, 'POST', '/contacts/', { body });

      expect(failed.status).toBe(503);
      const [stored] = sim.state.contacts();
      expect(stored?.email).toBe(body['email']);
      expect(retried.status).toBe(400);
      expect(retried.body.meta.contactId).toBe(stored?.id);
      expect(sim.state.contacts()).toHaveLength(1);
    });

    it('applies the write and never answers', async () => {
      const sim = await simulator({ faults: { afterWriteTimeoutRate: 1, timeoutMode: 'reset' } });
      const contact = sim.seedContact({ firstName: 'Jens' });

      await expect(call(sim, 'PUT', `/contacts/${contact.id}`, { body: { firstName: 'Jensen' } })).rejects.toThrow();

      expect(sim.state.contact(contact.id)?.firstName).toBe('Jensen');
      expect(sim.state.requests()[0]).toMatchObject({ status: 0, faults: ['after-write-timeout'] });
    });

    it('leaves reads alone', async () => {
      const sim = await simulator({ faults: { afterWriteServerErrorRate: 1 } });
      expect((await call(sim, 'GET', anyRead(sim))).status).toBe(200);
    });

    it('leaves failed writes alone', async () => {
      const sim = await simulator({ faults: { afterWriteServerErrorRate: 1 } });
      const answer = await call(sim, 'POST', '/contacts/', { body: contactBody(sim, { email: 'broken' }) });
      expect(answer.status).toBe(422);
    });
  });

  describe('timeouts', () => {
    it('drops the connection without an answer in reset mode', async () => {
      const sim = await simulator({ faults: { timeoutRate: 1, timeoutMode: 'reset' } });

      await expect(call(sim, 'GET', anyRead(sim))).rejects.toThrow();

      expect(sim.state.requests()[0]).toMatchObject({ status: 0, faults: ['timeout'] });
    });

    it('holds the request until the client gives up in hang mode', async () => {
      const clock = fakeClock(undefined, true);
      const sim = await simulator({ clock, faults: { timeoutRate: 1, timeoutMode: 'hang', hangMs: 30_000 } });
      const client = new AbortController();

      const pending = call(sim, 'GET', anyRead(sim), { signal: client.signal });
      await vi.waitFor(() => expect(clock.sleeps).toEqual([30_000]));
      client.abort();

      await expect(pending).rejects.toThrow(/abort/i);
      await vi.waitFor(() => expect(sim.state.counters().byStatus).toEqual({ '0': 1 }));
    });

    it('releases held requests when stopped', async () => {
      const clock = fakeClock(undefined, true);
      const sim = await simulator({ clock, faults: { timeoutRate: 1, hangMs: 30_000 } });
      const pending = call(sim, 'GET', anyRead(sim));
      await vi.waitFor(() => expect(clock.sleeps).toHaveLength(1));

      await sim.stop();

      await expect(pending).rejects.toThrow();
    });
  });

  it('answers late by slowMs at the slow rate, and otherwise normally', async () => {
    const clock = fakeClock();
    const sim = await simulator({ clock, faults: { slowRate: 1, slowMs: 1_500 } });

    const answer = await call(sim, 'GET', anyRead(sim));

    expect(answer.status).toBe(200);
    expect(clock.sleeps).toEqual([1_500]);
    expect(sim.state.requests()[0]?.faults).toEqual(['slow']);
  });

  it('changes faults at run time and restarts the draws from a new seed', async () => {
    const sim = await simulator({ clock: fakeClock() });
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(200);

    sim.setFaults({ serverErrorRate: 1, seed: 5 });

    expect((await call(sim, 'GET', anyRead(sim))).status).toBeGreaterThanOrEqual(500);
    expect(sim.state.counters().byFault).toEqual({ 'server-error': 1 });
  });

  it('counts answers by status and by fault', async () => {
    const sim = await simulator({ seed: 4, faults: { serverErrorRate: 0.5, serverErrorStatuses: [500] } });
    const statuses = await statusesOf(sim, 20);

    const counters = sim.state.counters();

    expect(counters.total).toBe(20);
    expect(counters.byStatus['500']).toBe(statuses.filter((s) => s === 500).length);
    expect(counters.byFault['server-error']).toBe(counters.byStatus['500']);
  });
});

describe('GHL simulator: control endpoint', () => {
  const post = (sim: GhlSimulator, path: string, body: unknown) =>
    fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });

  it('reports the state: records, counters, budget and settings', async () => {
    const sim = await simulator();
    const contact = await createContact(sim);

    const state = await (await fetch(`${sim.url}/__sim/state`)).json();

    expect(state).toMatchObject({
      locationId: sim.locationId,
      contacts: [contact],
      counters: { total: 1, byStatus: { '201': 1 } },
      rateLimit: { maxPerInterval: 100, remaining: 99 },
      faults: { serverErrorRate: 0 },
    });
  });

  it('sets faults from another process', async () => {
    const sim = await simulator();

    const answer = await post(sim, '/__sim/faults', { serverErrorRate: 1, serverErrorStatuses: [503] });

    expect(answer.status).toBe(200);
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(503);
  });

  it('refuses an unknown fault knob with 400 and keeps the settings', async () => {
    const sim = await simulator();

    const answer = await post(sim, '/__sim/faults', { serverErorRate: 1 });

    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toContain('serverErorRate');
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(200);
  });

  it('sets the rate limit from another process', async () => {
    const sim = await simulator();
    await post(sim, '/__sim/rate-limit', { maxPerInterval: 1 });
    await call(sim, 'GET', anyRead(sim));
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(429);
  });

  it('resets state, counters and settings', async () => {
    const sim = await simulator();
    await createContact(sim);
    sim.setFaults({ serverErrorRate: 1 });

    await post(sim, '/__sim/reset', {});

    expect(sim.state.contacts()).toEqual([]);
    expect(sim.state.counters().total).toBe(0);
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(200);
  });

  it('does not count control requests as API traffic', async () => {
    const sim = await simulator();
    await fetch(`${sim.url}/__sim/state`);
    expect(sim.state.requests()).toEqual([]);
  });
});
