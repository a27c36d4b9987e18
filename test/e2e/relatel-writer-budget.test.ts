/**
 * The Relatel writer keeps to its own configured budget (RELATEL_RATE_LIMIT_REQUESTS per
 * RELATEL_RATE_LIMIT_INTERVAL_MS, the stack's `relatelRateLimitRequests`), whatever arrives at
 * once: a burst of GHL contacts against a Relatel simulator that allows twice the writer's
 * burst per second is served without a single 429. Without the budget the same burst meets
 * 429s. No timing is asserted: only what the simulator answered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startE2eStack, type E2eStack } from './harness.js';

let e2e: E2eStack;

beforeAll(async () => {
  // 2 requests per 2 s: a burst of 2, then one a second. At most 3 fit in any 1 s window of the simulator's.
  e2e = await startE2eStack({ handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '2', RELATEL_RATE_LIMIT_INTERVAL_MS: '2000' } });
  e2e.relatel.setRateLimit({ maxPerInterval: 4, intervalMs: 1_000 });
});

afterAll(async () => {
  await e2e?.stop();
});

it('spends Relatel requests within its budget: a burst of four new GHL contacts is created without a single 429', async () => {
  const contacts = [0, 1, 2, 3].map((i) => ({ id: `E2eBudgetContact0000${i}`, firstName: `Budget${i}`, phone: `+452040506${i}` }));
  const statuses = await Promise.all(
    contacts.map((contact, i) =>
      e2e.sendGhl({ type: 'ContactCreate', locationId: e2e.stack.ghlLocationId, timestamp: new Date().toISOString(), webhookId: `e2e-budget-${Date.now()}-${i}`, ...contact }),
    ),
  );
  expect(statuses).toEqual([202, 202, 202, 202]);
  await e2e.drained();

  expect(e2e.relatel.state.contacts().filter((c) => c.number?.startsWith('452040506'))).toHaveLength(4);
  const counters = e2e.relatel.state.counters();
  expect(counters.byStatus['429'] ?? 0).toBe(0);
  expect(counters.byOperation['contacts.create']).toBe(4);
});
