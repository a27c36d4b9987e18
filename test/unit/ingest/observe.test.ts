/** Webhook metrics: signature failures are counted apart from other rejections, for their alarm. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { recordIngestOutcome } from '../../../lib/ingest/observe.js';

function record(outcome: Parameters<typeof recordIngestOutcome>[0], statusCode: number): string[] {
  const names: string[] = [];
  const metrics = { addMetric: (name: string) => names.push(name) } as unknown as Metrics;
  const quiet = () => undefined;
  const logger = { info: quiet, warn: quiet, error: quiet } as unknown as Logger;
  recordIngestOutcome(outcome, statusCode, logger, metrics);
  return names;
}

describe('webhook metrics', () => {
  it.each(['signature-missing', 'signature-malformed', 'signature-stale', 'signature-mismatch'])(
    'counts a rejection for %s as a signature failure too',
    (reason) => {
      expect(record({ kind: 'rejected', reason }, 401)).toEqual(['WebhookRejected', 'WebhookSignatureFailures']);
    },
  );

  it.each([
    ['accepted', 'WebhookAccepted'],
    ['test', 'WebhookTestEvents'],
    ['ignored', 'WebhookIgnored'],
    ['unavailable', 'WebhookUnavailable'],
  ] as const)('counts an outcome %s as %s, the name the dashboards and alarms read', (kind, metric) => {
    expect(record({ kind }, 200)).toEqual([metric]);
  });

  it('does not count other rejections as signature failures', () => {
    expect(record({ kind: 'rejected', reason: 'invalid-json' }, 400)).toEqual(['WebhookRejected']);
  });
});
