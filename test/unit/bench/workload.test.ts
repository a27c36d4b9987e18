import { describe, expect, it } from 'vitest';
import { quantile } from '../../../bench/stats.js';
import { buildThroughputWorkload, differencesFromExpected, relatelContactIdOf } from '../../../bench/workload.js';

describe('the throughput benchmark workload', () => {
  const workload = buildThroughputWorkload({ runId: 'test' });
  const count = (kind: string) => workload.deliveries.filter((delivery) => delivery.kind === kind).length;

  it('is 2,000 deliveries over 200 contacts with 20 % no-ops and 10 % redeliveries', () => {
    expect(workload.deliveries).toHaveLength(2_000);
    expect(new Set(workload.deliveries.map(({ event }) => relatelContactIdOf(event))).size).toBe(200);
    expect(count('no-op')).toBe(400);
    expect(count('redelivery') + count('late-redelivery')).toBe(200);
    expect(workload.dataChanging).toBe(1_400);
  });

  it('delivers each contact\'s events in occurred_at order, its create first', () => {
    const seen = new Map<number, string>();
    for (const { event, kind } of workload.deliveries) {
      if (kind.includes('redelivery')) continue;
      const contact = relatelContactIdOf(event);
      if (!seen.has(contact)) expect(event.event_type).toBe('contact.created');
      expect(event.occurred_at > (seen.get(contact) ?? '')).toBe(true);
      seen.set(contact, event.occurred_at);
    }
  });

  it('redelivers only deliveries that were already sent, with their delivery id', () => {
    const sent = new Set<string>();
    for (const { event, kind } of workload.deliveries) {
      if (kind.includes('redelivery')) expect(sent.has(event.delivery_id)).toBe(true);
      else sent.add(event.delivery_id);
    }
  });

  it('finds a contact missing from GHL', () => {
    const empty = { contacts: [], tasks: [], notes: [], appointments: [] };
    expect(differencesFromExpected(empty, workload.expected.slice(0, 1))).toEqual(['0 GHL contacts, expected 1', `contact ${workload.expected[0]?.relatelId}: 0 GHL contacts with its e-mail`]);
  });
});

describe('quantile', () => {
  it('is the nearest-rank value', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });
});
