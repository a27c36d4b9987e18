/** A child waiting for its contact (contact-pending) hid itself already: the consumer neither parks it at the horizon nor changes its visibility. */
import { describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { createBatchConsumer, type ParkedFailure, type RecordProcessor } from '../../../lib/sync/consumer.js';
import { transientError } from '../../../lib/errors.js';
import { SENT_AT, sqsEvent, sqsRecord } from '../../factories/sqs-records.js';

const HOUR = 3_600_000;

function harness(processRecord: RecordProcessor, ageMs: number) {
  const parked: { record: SQSRecord; failure: ParkedFailure }[] = [];
  const visibility: { id: string; seconds: number }[] = [];
  const consume = createBatchConsumer({
    entity: 'tasks',
    processRecord,
    maxReceiveCount: 1000,
    now: () => SENT_AT + ageMs,
    random: () => 0.5,
    parker: { park: async (record, failure) => void parked.push({ record, failure }) },
    visibility: {
      changeVisibility: async (changes) => void visibility.push(...changes.map((c) => ({ id: c.record.messageId, seconds: c.seconds }))),
    },
  });
  return { consume, parked, visibility };
}

const pending = async (record: SQSRecord) => {
  if (record.body.includes('waits')) throw transientError('Waiting for the contact', { reason: 'contact-pending' });
  return { status: 'synced' as const };
};

describe('a record waiting for its contact', () => {
  it('fails without a visibility change of its own, and the rest of its group comes back after a second', async () => {
    const { consume, visibility, parked } = harness(pending, 60_000);
    const waiting = sqsRecord({ body: 'waits', groupId: 'contact-1' });
    const behind = sqsRecord({ body: 'next', groupId: 'contact-1' });
    const other = sqsRecord({ body: 'other', groupId: 'contact-2' });

    const response = await consume(sqsEvent(waiting, behind, other));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: waiting.messageId }, { itemIdentifier: behind.messageId }]);
    expect(visibility).toEqual([{ id: behind.messageId, seconds: 1 }]);
    expect(parked).toEqual([]);
  });

  it('is not parked at the 24-hour horizon', async () => {
    const { consume, parked } = harness(pending, 30 * HOUR);
    const waiting = sqsRecord({ body: 'waits', receiveCount: 120 });
    expect(await consume(sqsEvent(waiting))).toEqual({ batchItemFailures: [{ itemIdentifier: waiting.messageId }] });
    expect(parked).toEqual([]);
  });

  it('is parked with its reason on the queue’s last receive', async () => {
    const { consume, parked } = harness(pending, 30 * HOUR);
    expect(await consume(sqsEvent(sqsRecord({ body: 'waits', receiveCount: 1000 })))).toEqual({ batchItemFailures: [] });
    expect(parked.map((p) => p.failure.reason)).toEqual(['contact-pending']);
  });
});
