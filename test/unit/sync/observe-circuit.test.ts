/** What a consumer tells on-call about the shared GHL circuit: a log line per change, the GhlCircuitOpen gauge per batch. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { GhlCircuitBreaker, InMemoryGhlHealthStore } from '../../../lib/ghl/circuit-breaker.js';
import { CONSUMER_METRICS, observeConsumer } from '../../../lib/sync/observe.js';
import { sqsRecord } from '../../factories/sqs-records.js';
import { transientError } from '../../../lib/errors.js';

function recording() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const emitted: { name: string; value: number }[] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  const logger = { info: log('INFO'), warn: log('WARN'), error: log('ERROR'), debug: log('DEBUG') } as unknown as Logger;
  const metrics = {
    setDefaultDimensions: () => {},
    addMetric: (name: string, _unit: unknown, value: number) => void emitted.push({ name, value }),
  } as unknown as Metrics;
  return { logger, metrics, lines, emitted };
}

describe('the GHL circuit, as a consumer reports it', () => {
  it('logs its opening and closing once each, and emits the gauge per batch', async () => {
    const { logger, metrics, lines, emitted } = recording();
    const observed = observeConsumer('tasks', logger, metrics);
    let now = 1_000_000;
    const breaker = new GhlCircuitBreaker({
      store: new InMemoryGhlHealthStore(),
      failureThreshold: 2,
      probeIntervalMs: 1_000,
      now: () => now,
      newProbeId: () => 'probe',
      onChange: observed.onCircuitChange,
    });
    observed.circuitGauge(breaker.openGauge());
    for (let i = 0; i < 2; i++) await breaker.record(await breaker.admit('loc'), { answered: 503 });
    observed.circuitGauge(breaker.openGauge());
    now += 1_000;
    await breaker.record(await breaker.admit('loc'), { answered: 200 });
    observed.circuitGauge(breaker.openGauge());

    expect(emitted.filter((m) => m.name === CONSUMER_METRICS.ghlCircuitOpen).map((m) => m.value)).toEqual([0, 1, 0]);
    expect(CONSUMER_METRICS.ghlCircuitOpen).toBe('GhlCircuitOpen');
    expect(lines.map((l) => [l.level, l.message, l.fields])).toEqual([
      ['WARN', 'GHL circuit opened: GHL requests held back until a probe succeeds', { entity: 'tasks', from: 'closed', to: 'open', cause: 'outage' }],
      ['INFO', 'GHL circuit closed: GHL answers again, requests resume', { entity: 'tasks', from: 'half-open', to: 'closed' }],
    ]);
  });

  it('counts a held-back record as a wait, logged at info, not as a retry', () => {
    const { logger, metrics, lines, emitted } = recording();
    const { observer } = observeConsumer('notes', logger, metrics);
    observer.recordFailed(sqsRecord(), transientError('GHL is unavailable (circuit open)', { reason: 'ghl-circuit-open', retryAfterMs: 1_000 }), 'ghl-wait');
    expect(emitted).toEqual([{ name: 'GhlWaits', value: 1 }]);
    expect(lines.map((l) => [l.level, l.message, l.fields.reason])).toEqual([['INFO', 'GHL request held back: the event waits in its queue', 'ghl-circuit-open']]);
  });
});

describe('a child waiting for its contact, as a consumer reports it', () => {
  it('counts it as a wait (ChildWaitsForContact) at info, not as a retried failure', () => {
    const { logger, metrics, lines, emitted } = recording();
    const { observer } = observeConsumer('notes', logger, metrics);
    observer.recordFailed(sqsRecord(), transientError('Waiting for contact 7 to land in GHL', { reason: 'contact-pending' }), 'retry');
    observer.recordFailed(sqsRecord(), transientError('GHL answered 503', { reason: 'ghl-503', status: 503 }), 'retry');

    expect(emitted.map((m) => m.name)).toEqual(['ChildWaitsForContact', 'RecordsRetried']);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'Waiting for its contact to land in GHL'],
      ['WARN', 'Event failed, will be retried'],
    ]);
  });
});
