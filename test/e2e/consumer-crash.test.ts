/**
 * A consumer killed mid-batch, like a Lambda that crashed or timed out: the messages it held
 * are not deleted, reappear after their visibility timeout, and a restarted (cold) consumer
 * takes them; each event is applied once all the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../../lib/entities.js';
import { relatelContact, relatelEvent } from '../factories/relatel-events.js';
import { startE2eStack, type E2eStack } from './harness.js';

const CONTACTS = 20;
const events = Array.from({ length: CONTACTS }, (_, n) =>
  relatelEvent('contact.created', {
    delivery_id: `dlv_crash_${n}`,
    payload: relatelContact({ id: 600_000 + n, name: `Kunde ${n}`, email: `crash${n}@example.dk`, number: `4540${String(n).padStart(6, '0')}`, tags: ['kunde'] }),
  }),
);

let e2e: E2eStack;
let inFlightBatchesAtKill = 0;
let syncedBeforeKill = 0;

beforeAll(async () => {
  let firstSynced: () => void = () => {};
  const oneSynced = new Promise<void>((resolve) => {
    firstSynced = resolve;
  });
  e2e = await startE2eStack({
    // Slow GHL answers keep a batch of contacts in flight for seconds.
    simulator: { faults: { slowRate: 1, slowMs: 150 } },
    pollers: { waitTimeSeconds: 1, batchSize: 10, concurrency: 1 },
    onEvent: (event) => {
      if (event.result === 'synced') firstSynced();
    },
  });
  const consumer = e2e.stack.consumers.contacts;
  // Queue everything first, so the consumer's first receive is a full batch.
  consumer.kill();
  for (const event of events) expect(await e2e.send(event)).toBe(202);
  await consumer.restart();
  await oneSynced;

  inFlightBatchesAtKill = consumer.stats().inFlightBatches;
  syncedBeforeKill = e2e.processed.length;
  consumer.kill();
  e2e.simulator.setFaults({ slowRate: 0 });
  await consumer.restart();
  await e2e.drained();
}, 120_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('a consumer killed mid-batch and restarted', () => {
  it('was killed with a batch in flight and events still to sync', () => {
    expect(inFlightBatchesAtKill).toBe(1);
    expect(syncedBeforeKill).toBeLessThan(CONTACTS);
  });

  it('has every contact in GHL exactly once', () => {
    const emails = e2e.simulator.state.contacts().map((contact) => contact.email);
    expect(emails.sort()).toEqual(events.map((event) => (event.payload as { email: string }).email).sort());
  });

  it('synced each event once; the killed batch came back and was recognised as already applied', () => {
    const synced = e2e.processed.filter((event) => event.result === 'synced').map((event) => event.deliveryId);
    expect(synced.sort()).toEqual(events.map((event) => event.delivery_id).sort());
    const redelivered = e2e.processed.filter((event) => event.result !== 'synced');
    expect(redelivered.length).toBeGreaterThan(0);
    expect(redelivered.every((event) => event.result === 'duplicate')).toBe(true);
  });

  it('parks nothing', async () => {
    const status = await e2e.status();
    expect(ENTITIES.map((entity) => status.entities[entity].deadLettered)).toEqual([0, 0, 0, 0]);
  });
});
