/**
 * The GHL health state in the client's request path: consulted before the rate budget, fed by
 * every answer. Against the spec-checking server, with a fake clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { GhlCircuitBreaker, InMemoryGhlHealthStore } from '../../../lib/ghl/circuit-breaker.js';
import { HttpGhlClient, InMemoryRateBudgetStore, GhlRateLimiter, StaticGhlCredentials, GhlTransport, withinTimeLimit } from '../../../lib/ghl/index.js';
import { ghlErrors, type SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { fakeClock } from '../../unit/ghl/fake-clock.js';
import { LOCATION_ID, ONE_ATTEMPT, PIT_TOKEN, specCheckingServerPerFile } from './harness.js';

describe('GHL client with the shared health state', () => {
  const serverOf = specCheckingServerPerFile();
  let server: SpecCheckingGhlServer;
  beforeEach(() => {
    server = serverOf();
  });

  /** A client whose transport consults `health` (threshold 3, probe every 30 s unless told otherwise). */
  function clientWith(options: { failureThreshold?: number; timeoutMs?: number } = {}) {
    const clock = fakeClock();
    const health = new GhlCircuitBreaker({
      store: new InMemoryGhlHealthStore(),
      failureThreshold: options.failureThreshold ?? 3,
      probeIntervalMs: 30_000,
      now: clock.now,
    });
    const transport = new GhlTransport({
      baseUrl: server.url,
      credentials: new StaticGhlCredentials({ token: PIT_TOKEN, locationId: LOCATION_ID }),
      rateLimiter: new GhlRateLimiter({ store: new InMemoryRateBudgetStore(), now: clock.now, sleep: clock.sleep }),
      health,
      timeoutMs: options.timeoutMs ?? 5_000,
      retryPolicy: ONE_ATTEMPT,
      sleep: clock.sleep,
    });
    return { client: new HttpGhlClient(transport), clock, health };
  }

  it('after consistent 5xx answers stops calling GHL: requests fail at once with ghl-circuit-open and the wait', async () => {
    server.script('get-contact', { status: 503, body: ghlErrors.serverError() }, 3);
    const { client, clock } = clientWith();
    for (let i = 0; i < 3; i++) await expect(client.getContact('contact-1')).rejects.toMatchObject({ reason: 'ghl-503' });
    clock.advance(10_000);

    await expect(client.getContact('contact-1')).rejects.toMatchObject({ kind: 'transient', reason: 'ghl-circuit-open', retryAfterMs: 20_000 });
    expect(server.requests).toHaveLength(3);
  });

  it('lets one probe through after the interval; its answer closes the circuit and requests flow again', async () => {
    server.script('get-contact', { status: 503, body: ghlErrors.serverError() }, 3);
    const { client, clock, health } = clientWith();
    for (let i = 0; i < 3; i++) await client.getContact('contact-1').catch(() => undefined);
    clock.advance(30_000);

    await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
    await expect(client.getContact('contact-2')).resolves.toMatchObject({ id: 'contact-2' });
    expect(server.requests).toHaveLength(5);
    expect(health.lastSeen(LOCATION_ID)).toEqual({ status: 'closed', failures: 0 });
  });

  it('a probe that fails keeps GHL uncalled for another interval', async () => {
    server.script('get-contact', { status: 502, body: ghlErrors.serverError() }, 4);
    const { client, clock } = clientWith();
    for (let i = 0; i < 3; i++) await client.getContact('contact-1').catch(() => undefined);
    clock.advance(30_000);
    await expect(client.getContact('contact-1')).rejects.toMatchObject({ reason: 'ghl-502' });

    await expect(client.getContact('contact-1')).rejects.toMatchObject({ reason: 'ghl-circuit-open', retryAfterMs: 30_000 });
    expect(server.requests).toHaveLength(4);
  });

  it('requests GHL does not answer in time count as failures', async () => {
    server.script('get-contact', { hang: true }, 2);
    const { client } = clientWith({ failureThreshold: 2, timeoutMs: 50 });
    for (let i = 0; i < 2; i++) await expect(client.getContact('contact-1')).rejects.toMatchObject({ reason: 'ghl-timeout' });

    await expect(client.getContact('contact-1')).rejects.toMatchObject({ reason: 'ghl-circuit-open' });
    expect(server.requests).toHaveLength(2);
  });

  it("a request cut short by the invocation's deadline says nothing about GHL's health", async () => {
    server.script('get-contact', { hang: true });
    const { client, clock } = clientWith({ failureThreshold: 1 });
    const deadline = clock.now() + 50;
    await expect(withinTimeLimit(() => deadline - clock.now(), () => client.getContact('contact-1'))).rejects.toMatchObject({ reason: 'ghl-timeout' });

    await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
  });

  it('4xx answers never open the circuit: GHL is working, the requests are wrong', async () => {
    server.script('update-contact', { status: 404, body: ghlErrors.notFound() }, 3);
    server.script('update-contact', { status: 422, body: ghlErrors.unprocessable(['firstName must be a string']) }, 3);
    const { client } = clientWith();
    for (let i = 0; i < 6; i++) await client.updateContact('missing-1', { firstName: 'A' }).catch(() => undefined);

    await expect(client.getContact('contact-1')).resolves.toMatchObject({ id: 'contact-1' });
    expect(server.requests).toHaveLength(7);
  });

  it('an answer reporting the daily quota spent stops further calls, unsent, until it may have reset', async () => {
    server.script('get-contact', { status: 200, body: { contact: { id: 'contact-1' } }, headers: { 'X-RateLimit-Daily-Remaining': '0' } });
    const { client } = clientWith();
    await client.getContact('contact-1');

    await expect(client.getContact('contact-2')).rejects.toMatchObject({ reason: 'ghl-daily-quota-exhausted', retryAfterMs: 900_000 });
    expect(server.requests).toHaveLength(1);
  });
});
