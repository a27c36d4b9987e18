/** lib/relatel/client.ts against the Relatel simulator: what the sync reads from Relatel, over HTTP. */
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../../lib/errors.js';
import { createRelatelClient, type RelatelClient } from '../../../lib/relatel/client.js';
import type { RelatelSimulator } from '../../../local/relatel-simulator/index.js';
import { relatelSimulator, seedContacts } from './support.js';

function clientOf(sim: RelatelSimulator, token = sim.tokens[0] as string, timeoutMs = 5_000): RelatelClient {
  return createRelatelClient({ baseUrl: sim.apiBaseUrl, token: async () => token, timeoutMs });
}

async function failureOf(promise: Promise<unknown>): Promise<SyncError> {
  const failure = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(SyncError);
  return failure as SyncError;
}

describe('Relatel client against the Relatel simulator', () => {
  it('reads a contact by id', async () => {
    const sim = await relatelSimulator();
    sim.seedContact({ id: 481516, name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' });

    const contact = await clientOf(sim).getContact('481516');

    expect(contact).toEqual({ id: 481516, name: 'Mette Hansen', number: '4571999999', number_formatted: '+45 71 99 99 99', email: 'mette@example.dk' });
  });

  it('answers undefined for a contact Relatel does not have', async () => {
    const sim = await relatelSimulator();

    expect(await clientOf(sim).getContact('481516')).toBeUndefined();
  });

  it('pages through every contact, each once, in id order', async () => {
    const sim = await relatelSimulator();
    seedContacts(sim, 230, 10);
    const client = clientOf(sim);

    const ids: number[] = [];
    let fromId: number | undefined;
    for (;;) {
      const page = await client.listContacts(fromId === undefined ? {} : { fromId });
      ids.push(...page.map((contact) => Number(contact.id)));
      if (page.length < 100) break;
      fromId = Number(page.at(-1)?.id) + 1;
    }

    expect(ids).toEqual(Array.from({ length: 230 }, (_, i) => i + 10));
    expect(sim.state.counters().byOperation).toEqual({ 'contacts.list': 3 });
  });

  it('refuses to read a 404 of the list as "no contacts": a base URL without /api/v2 fails instead of backfilling nothing', async () => {
    const sim = await relatelSimulator();
    seedContacts(sim, 3);
    const misconfigured = createRelatelClient({ baseUrl: sim.url, token: async () => sim.tokens[0] as string });

    const failure = await failureOf(misconfigured.listContacts({}));

    expect(failure.kind).toBe('permanent');
    expect(failure.reason).toBe('relatel-404');
    expect(failure.message).toContain('/api/v2');
  });

  it('fails loudly as an auth error when the token is revoked (401)', async () => {
    const sim = await relatelSimulator();

    const failure = await failureOf(clientOf(sim, 'revoked-token').getContact('1'));

    expect(failure.kind).toBe('auth');
    expect(failure.reason).toBe('relatel-401');
  });

  it.each([
    ['a 429 of a spent limit', (sim: RelatelSimulator) => sim.setRateLimit({ maxPerInterval: 0 }), 'relatel-429'],
    ['an injected 503', (sim: RelatelSimulator) => sim.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] }), 'relatel-503'],
    ['an injected 500', (sim: RelatelSimulator) => sim.setFaults({ serverErrorRate: 1, serverErrorStatuses: [500] }), 'relatel-500'],
  ])('treats %s as transient', async (_name, inject, reason) => {
    const sim = await relatelSimulator();
    inject(sim);

    const failure = await failureOf(clientOf(sim).getContact('1'));

    expect(failure.kind).toBe('transient');
    expect(failure.reason).toBe(reason);
  });

  it('treats an answer that never comes as transient (its own timeout)', async () => {
    const sim = await relatelSimulator({ faults: { timeoutRate: 1, timeoutMode: 'hang' } });

    const failure = await failureOf(clientOf(sim, undefined, 200).getContact('1'));

    expect(failure.kind).toBe('transient');
    expect(failure.reason).toBe('relatel-unreachable');
  });
});
