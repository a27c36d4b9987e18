/**
 * The local stack's Relatel API stand-in: `npm start` wires the consumers to the Relatel
 * simulator, so an event that carries only a contact id is completed from it, over HTTP, and the
 * contact reaches GHL; `npm run status` counts the simulator's contacts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { relatelEvent } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
});

afterAll(async () => {
  await e2e?.stop();
});

it('completes an id-only contact event from the Relatel simulator and syncs the contact to GHL', async () => {
  e2e.relatel.seedContact({ id: 481516, name: 'Mette Hansen', number: '4571999999', email: 'mette.hansen@example.dk' });

  expect(await e2e.send(relatelEvent('contact.updated', { payload: { id: 481516 } }))).toBe(202);
  const status = await e2e.drained();

  expect(e2e.simulator.state.contacts()).toMatchObject([{ firstName: 'Mette', lastName: 'Hansen', email: 'mette.hansen@example.dk', phone: '+4571999999' }]);
  expect(e2e.relatel.state.requests().map((r) => `${r.operation} ${r.status}`)).toEqual(['contacts.get 200']);
  expect(e2e.processed).toMatchObject([{ entity: 'contacts', relatelId: '481516', result: 'synced' }]);
  expect(status.entities.contacts).toMatchObject({ deadLettered: 0, synced: 1 });
  expect(status.relatelSimulator).toEqual({ contacts: 1, requests: 1 });
  expect(e2e.stack.handlerEnv['RELATEL_API_BASE_URL']).toBe(e2e.relatel.apiBaseUrl);
});
