/** The consumers' GHL answer metrics: one value per metric per batch, read from what GHL answers. */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { CONSUMER_METRICS, meterGhlAnswers } from '../../../lib/sync/observe.js';

interface Emitted {
  name: string;
  value: number;
  dimensions?: Record<string, string>;
}

function recordingMetrics(): { metrics: Metrics; emitted: Emitted[] } {
  const emitted: Emitted[] = [];
  const metrics = {
    addMetric: (name: string, _unit: unknown, value: number) => emitted.push({ name, value }),
    // Like Powertools: a single metric starts from the default dimensions, which the consumer
    // runtime sets to the entity (observeConsumer).
    singleMetric: () => {
      const dimensions: Record<string, string> = { Entity: 'contacts' };
      return {
        addDimension: (name: string, value: string) => (dimensions[name] = value),
        addMetric: (name: string, _unit: unknown, value: number) => emitted.push({ name, value, dimensions }),
      };
    },
  };
  return { metrics: metrics as unknown as Metrics, emitted };
}

/** A GHL that answers each request with the next status, and the daily quota headers given. */
function ghlAnswering(statuses: number[], daily?: { remaining: number; limit: number }): typeof fetch {
  let next = 0;
  return async () => {
    const headers: Record<string, string> = daily
      ? { 'X-RateLimit-Daily-Remaining': String(daily.remaining - next), 'X-RateLimit-Limit-Daily': String(daily.limit) }
      : {};
    return new Response('{}', { status: statuses[next++] ?? 200, headers });
  };
}

describe('GHL answer metrics', () => {
  it('counts 429s and other errors by status, once per batch', async () => {
    const { metrics, emitted } = recordingMetrics();
    const meter = meterGhlAnswers('contacts', metrics, ghlAnswering([429, 200, 429, 422, 503, 422]));
    for (let i = 0; i < 6; i++) await meter.fetch('https://ghl.test/contacts/');

    meter.flush();

    expect(emitted).toEqual(
      expect.arrayContaining([
        { name: CONSUMER_METRICS.ghlThrottled, value: 2 },
        { name: CONSUMER_METRICS.ghlErrors, value: 2, dimensions: { Entity: 'contacts', Status: '422' } },
        { name: CONSUMER_METRICS.ghlErrors, value: 1, dimensions: { Entity: 'contacts', Status: '503' } },
      ]),
    );
    expect(emitted.filter((e) => e.name === CONSUMER_METRICS.ghlThrottled)).toHaveLength(1);
  });

  it('reports the daily quota left after the batch, in requests and as a percentage of the daily limit', async () => {
    const { metrics, emitted } = recordingMetrics();
    const meter = meterGhlAnswers('tasks', metrics, ghlAnswering([200, 200, 200], { remaining: 20_003, limit: 200_000 }));
    for (let i = 0; i < 3; i++) await meter.fetch('https://ghl.test/contacts/');

    meter.flush();

    expect(emitted).toContainEqual({ name: CONSUMER_METRICS.ghlDailyQuotaRemaining, value: 20_001 });
    expect(emitted).toContainEqual({ name: CONSUMER_METRICS.ghlDailyQuotaRemainingPercent, value: 10.0005 });
  });

  it('emits nothing for a batch that made no GHL request, and starts each batch from zero', async () => {
    const { metrics, emitted } = recordingMetrics();
    const meter = meterGhlAnswers('notes', metrics, ghlAnswering([429]));
    await meter.fetch('https://ghl.test/contacts/');
    meter.flush();
    emitted.length = 0;

    meter.flush();

    expect(emitted).toEqual([]);
  });
});
