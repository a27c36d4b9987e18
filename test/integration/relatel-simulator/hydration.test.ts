/**
 * Hydration end to end over HTTP: the contacts consumer, given an event that carries only a
 * contact id, reads the contact from the Relatel simulator through lib/relatel/client.ts and
 * writes it to the GHL simulator.
 */
import { describe, expect, it } from 'vitest';
import { createRelatelClient } from '../../../lib/relatel/client.js';
import type { RelatelSimulator } from '../../../local/relatel-simulator/index.js';
import { relatelEvent } from '../../factories/relatel-events.js';
import { ghlWrites, harnessPerTest } from '../consumers/harness.js';
import { relatelSimulator } from './support.js';

const harness = harnessPerTest();

async function hydratingHarness(relatel: RelatelSimulator) {
  return harness({ relatel: createRelatelClient({ baseUrl: relatel.apiBaseUrl, token: async () => relatel.tokens[0] as string, timeoutMs: 5_000 }) });
}

const relatelCalls = (relatel: RelatelSimulator) => relatel.state.requests().map((r) => `${r.method} ${r.path} ${r.status}`);

describe('hydration from the Relatel simulator', () => {
  it('completes an id-only contact event from the API and writes the contact to GHL', async () => {
    const relatel = await relatelSimulator();
    relatel.seedContact({ id: 777, name: 'Jonas Birk', number: '4522334455', email: 'jonas@birk.dk' });
    const h = await hydratingHarness(relatel);

    await h.sync(relatelEvent('contact.updated', { payload: { id: 777 } }));

    expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Jonas', lastName: 'Birk', email: 'jonas@birk.dk', phone: '+4522334455' }]);
    expect(relatelCalls(relatel)).toEqual(['GET /api/v2/contacts/777 200']);
    expect(h.parked).toEqual([]);
  });

  it('writes nothing for an id-only event about a contact Relatel no longer has', async () => {
    const relatel = await relatelSimulator();
    const h = await hydratingHarness(relatel);

    await h.sync(relatelEvent('contact.updated', { payload: { id: 777 } }));

    expect(relatelCalls(relatel)).toEqual(['GET /api/v2/contacts/777 404']);
    expect(ghlWrites(h.ghl)).toEqual([]);
    expect(h.parked).toEqual([]);
  });

  it('retries while Relatel answers 503 and writes the contact once it answers', async () => {
    const relatel = await relatelSimulator({ faults: { serverErrorRate: 1, serverErrorStatuses: [503] } });
    relatel.seedContact({ id: 777, name: 'Jonas Birk', number: '4522334455' });
    const h = await hydratingHarness(relatel);

    const failed = await h.deliver(relatelEvent('contact.updated', { payload: { id: 777 } }));
    relatel.setFaults({ serverErrorRate: 0 });
    await h.drain(failed);

    expect(failed).toHaveLength(1);
    expect(relatelCalls(relatel)).toEqual(['GET /api/v2/contacts/777 503', 'GET /api/v2/contacts/777 200']);
    expect(h.ghl.state.contacts()).toMatchObject([{ firstName: 'Jonas', lastName: 'Birk', phone: '+4522334455' }]);
    expect(h.parked).toEqual([]);
  });

  it('retries loudly (an error line naming relatel-401) and writes nothing while the Relatel token is refused', async () => {
    const relatel = await relatelSimulator({ tokens: ['current-token'] });
    relatel.seedContact({ id: 777, name: 'Jonas Birk' });
    const h = await harness({ relatel: createRelatelClient({ baseUrl: relatel.apiBaseUrl, token: async () => 'revoked-token' }) });

    const failed = await h.deliver(relatelEvent('contact.updated', { payload: { id: 777 } }));

    expect(failed).toHaveLength(1);
    expect(h.parked).toEqual([]);
    expect(h.logs.filter((line) => line.level === 'error').map((line) => [line.message, line.fields['reason']])).toEqual([
      ['Event failed, will be retried', 'relatel-401'],
    ]);
    expect(relatelCalls(relatel)).toEqual(['GET /api/v2/contacts/777 401']);
    expect(ghlWrites(h.ghl)).toEqual([]);
  });
});
