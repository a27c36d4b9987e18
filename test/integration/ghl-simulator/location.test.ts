import { describe, expect, it } from 'vitest';
import { call, simulator } from './support.js';

describe('GHL simulator: the location', () => {
  it('answers GET /locations/{id} with the location and its duplicate-contact setting', async () => {
    const sim = await simulator({ allowDuplicates: true });

    const answer = await call(sim, 'GET', `/locations/${sim.locationId}`);

    expect(answer.status).toBe(200);
    expect(answer.body.location).toMatchObject({ id: sim.locationId, settings: { allowDuplicateContact: true } });
  });

  it('forbids duplicate contacts by default, as a new GHL sub-account does', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'GET', `/locations/${sim.locationId}`);
    expect(answer.body.location.settings.allowDuplicateContact).toBe(false);
  });

  it('answers 403 for another location', async () => {
    const sim = await simulator();
    const answer = await call(sim, 'GET', '/locations/SomeOtherLocation0001');
    expect(answer.status).toBe(403);
  });

  it('answers 401 to a token created without the locations.readonly scope, and still serves contacts', async () => {
    const sim = await simulator({ missingScopes: ['locations.readonly'] });

    const location = await call(sim, 'GET', `/locations/${sim.locationId}`);
    const contacts = await call(sim, 'GET', `/contacts/?locationId=${sim.locationId}`);

    expect(location.status).toBe(401);
    expect(location.body.message).toBe('The token is not authorized for this scope.');
    expect(contacts.status).toBe(200);
  });
});
