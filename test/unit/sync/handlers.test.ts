/** The routing table (lib/entities.ts) and the handlers (lib/sync/handlers.ts) name the same entity actions, no more, no less. */
import { describe, expect, it } from 'vitest';
import { EVENT_ROUTES } from '../../../lib/entities.js';
import { SYNC_HANDLERS } from '../../../lib/sync/handlers.js';

const routedActions = Object.entries(EVENT_ROUTES).map(([type, route]) => ({ type, key: `${route.entity}.${route.action}` }));
const handledActions = Object.entries(SYNC_HANDLERS).flatMap(([entity, handlers]) => Object.keys(handlers).map((action) => `${entity}.${action}`));

describe('routing table and sync handlers', () => {
  it.each(routedActions)('$type has a handler ($key)', ({ key }) => {
    expect(handledActions).toContain(key);
  });

  it.each(handledActions)('handler %s has a row in EVENT_ROUTES', (key) => {
    expect(routedActions.map((route) => route.key)).toContain(key);
  });

  it('routes a finished call explicitly to the notes queue', () => {
    expect(EVENT_ROUTES['call.ended']).toEqual({ entity: 'notes', action: 'call' });
    expect(typeof SYNC_HANDLERS.notes.call).toBe('function');
  });
});
