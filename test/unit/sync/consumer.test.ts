import { describe, expect, it, vi } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { createBatchConsumer, ghlWaitDelaySeconds, type ConsumerObserver, type ParkedFailure, type RecordProcessor } from '../../../lib/sync/consumer.js';
import { GHL_DAILY_QUOTA_REASON, type GhlWait } from '../../../lib/ghl/errors.js';
import { permanentError, transientError } from '../../../lib/errors.js';
import { SENT_AT, sqsEvent, sqsRecord } from '../../factories/sqs-records.js';

const HOUR = 3_600_000;

/** A consumer whose clock reads `ageMs` after the factory records were queued. */
function harness(processRecord: RecordProcessor, maxReceiveCount = 8, ageMs = 60_000, ghlHeldBack?: () => GhlWait | undefined) {
  const parked: { record: SQSRecord; failure: ParkedFailure }[] = [];
  const dispositions: string[] = [];
  const observer: ConsumerObserver = { recordProcessed: () => {}, recordFailed: (_, __, disposition) => void dispositions.push(disposition) };
  const visibility: { id: string; seconds: number }[] = [];
  const consume = createBatchConsumer({
    entity: 'contacts',
    processRecord,
    maxReceiveCount,
    now: () => SENT_AT + ageMs,
    random: () => 0.5,
    observer,
    ...(ghlHeldBack && { ghlHeldBack }),
    parker: { park: async (record, failure) => void parked.push({ record, failure }) },
    visibility: {
      changeVisibility: async (changes) => void visibility.push(...changes.map((c) => ({ id: c.record.messageId, seconds: c.seconds }))),
    },
  });
  return { consume, parked, visibility, dispositions };
}

/** What the shared circuit says while open: the next probe in `retryAfterMs`, open for `heldForMs`. */
const openFor = (retryAfterMs: number, heldForMs: number) => (): GhlWait => ({ reason: 'ghl-circuit-open', retryAfterMs, heldForMs });

const circuitOpen = (retryAfterMs: number, heldForMs: number) =>
  transientError('GHL is unavailable (circuit open)', { reason: 'ghl-circuit-open', retryAfterMs, heldForMs });

describe('batch consumer', () => {
  it('reports no failures when every record syncs', async () => {
    const { consume } = harness(async () => ({ status: 'synced' as const }));
    expect(await consume(sqsEvent(sqsRecord(), sqsRecord()))).toEqual({ batchItemFailures: [] });
  });

  it('parks a permanent failure in the DLQ with its reason and lets SQS delete it', async () => {
    const { consume, parked } = harness(async () => {
      throw permanentError('GHL rejected the body (422): property x should not exist', { reason: 'ghl-422', status: 422, traceId: 't-1' });
    });
    const record = sqsRecord();
    expect(await consume(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    expect(parked).toHaveLength(1);
    expect(parked[0]!.failure).toMatchObject({ reason: 'ghl-422', kind: 'permanent', status: 422, traceId: 't-1', receiveCount: 1 });
  });

  it('fails a transient failure for a retry after a backoff shorter than the visibility timeout', async () => {
    const { consume, parked, visibility } = harness(async () => {
      throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
    });
    const record = sqsRecord({ receiveCount: 2 });
    expect(await consume(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(parked).toHaveLength(0);
    expect(visibility).toEqual([{ id: record.messageId, seconds: 2 }]);
  });

  it('waits at least as long as the failure asked for', async () => {
    const { consume, visibility } = harness(async () => {
      throw transientError('rate limited', { reason: 'ghl-429', status: 429, retryAfterMs: 10_000 });
    });
    await consume(sqsEvent(sqsRecord()));
    expect(visibility[0]!.seconds).toBe(10);
  });

  it('parks a transient failure on its last allowed receive, keeping its reason', async () => {
    const { consume, parked } = harness(async () => {
      throw transientError('contact not synced yet', { reason: 'contact-not-synced' });
    }, 3);
    expect(await consume(sqsEvent(sqsRecord({ receiveCount: 3 })))).toEqual({ batchItemFailures: [] });
    expect(parked[0]!.failure).toMatchObject({ reason: 'contact-not-synced', receiveCount: 3 });
  });

  it('keeps retrying a transient failure for the retry horizon, whatever the receive count', async () => {
    const { consume, parked } = harness(async () => {
      throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
    }, 1000, 23 * HOUR);
    const record = sqsRecord({ receiveCount: 150 });
    expect(await consume(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(parked).toHaveLength(0);
  });

  it('parks a transient failure, with its reason, once it has failed for 24 hours', async () => {
    const { consume, parked } = harness(async () => {
      throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
    }, 1000, 24 * HOUR);
    expect(await consume(sqsEvent(sqsRecord({ receiveCount: 150 })))).toEqual({ batchItemFailures: [] });
    expect(parked[0]!.failure).toMatchObject({ reason: 'ghl-503', receiveCount: 150 });
  });

  it('lets a record waiting for the daily quota wait past the horizon, until a day before the queue drops it', async () => {
    const quota = async () => {
      throw transientError('daily quota exhausted', { reason: GHL_DAILY_QUOTA_REASON, status: 429, retryAfterMs: 900_000 });
    };
    const waiting = harness(quota, 1000, 30 * HOUR);
    const record = sqsRecord({ receiveCount: 40 });
    expect(await waiting.consume(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(waiting.parked).toHaveLength(0);

    const nearExpiry = harness(quota, 1000, 13 * 24 * HOUR);
    expect(await nearExpiry.consume(sqsEvent(sqsRecord({ receiveCount: 40 })))).toEqual({ batchItemFailures: [] });
    expect(nearExpiry.parked[0]!.failure.reason).toBe(GHL_DAILY_QUOTA_REASON);
  });

  it('caps the redelivery backoff at 15 minutes', async () => {
    const { consume, visibility } = harness(async () => {
      throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
    }, 1000);
    await consume(sqsEvent(sqsRecord({ receiveCount: 30 })));
    // random() = 0.5 of a 900 s ceiling.
    expect(visibility[0]!.seconds).toBe(450);
  });

  it('fails the rest of a message group after a failure, but not other groups', async () => {
    const first = sqsRecord({ groupId: 'a' });
    const sameGroup = sqsRecord({ groupId: 'a' });
    const otherGroup = sqsRecord({ groupId: 'b' });
    const processRecord = vi.fn(async (record: SQSRecord) => {
      if (record === first) throw transientError('503', { reason: 'ghl-503' });
      return { status: 'synced' as const };
    });
    const { consume, visibility } = harness(processRecord);
    const response = await consume(sqsEvent(first, sameGroup, otherGroup));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([first.messageId, sameGroup.messageId]);
    expect(processRecord).toHaveBeenCalledTimes(2);
    expect(visibility.map((v) => v.id)).toEqual([first.messageId, sameGroup.messageId]);
  });

  it('runs message groups side by side, each in its own order', async () => {
    // Group a's record waits for group b's: run one group after the other, this never ends.
    let releaseA!: () => void;
    const bStarted = new Promise<void>((resolve) => (releaseA = resolve));
    const order: string[] = [];
    const a1 = sqsRecord({ groupId: 'a' });
    const a2 = sqsRecord({ groupId: 'a' });
    const b1 = sqsRecord({ groupId: 'b' });
    const { consume } = harness(async (record) => {
      if (record === a1) await bStarted;
      if (record === b1) releaseA();
      order.push(record === a1 ? 'a1' : record === a2 ? 'a2' : 'b1');
      return { status: 'synced' as const };
    });
    expect(await consume(sqsEvent(a1, a2, b1))).toEqual({ batchItemFailures: [] });
    expect(order).toEqual(['b1', 'a1', 'a2']);
  });

  it('stops touching GHL for the rest of the batch once the daily quota is exhausted', async () => {
    const a1 = sqsRecord({ groupId: 'a' });
    const b1 = sqsRecord({ groupId: 'b' });
    const b2 = sqsRecord({ groupId: 'b' });
    let quotaSpent!: () => void;
    const afterA1 = new Promise<void>((resolve) => (quotaSpent = resolve));
    const processRecord = vi.fn(async (record: SQSRecord) => {
      if (record === a1) {
        setImmediate(quotaSpent);
        throw transientError('daily quota exhausted', { reason: GHL_DAILY_QUOTA_REASON, status: 429, retryAfterMs: 900_000 });
      }
      if (record === b1) await afterA1;
      return { status: 'synced' as const };
    });
    const { consume, visibility } = harness(processRecord);
    const response = await consume(sqsEvent(a1, b1, b2));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a1.messageId, b2.messageId]);
    expect(processRecord).not.toHaveBeenCalledWith(b2);
    expect(visibility.every((v) => v.seconds === 900)).toBe(true);
  });

  it('parks a record waiting for the daily quota on its last receive, with the quota as reason', async () => {
    const spender = sqsRecord({ groupId: 'a', receiveCount: 2 });
    const before = sqsRecord({ groupId: 'b', receiveCount: 2 });
    const last = sqsRecord({ groupId: 'b', receiveCount: 3 });
    let quotaSpent!: () => void;
    const afterSpender = new Promise<void>((resolve) => (quotaSpent = resolve));
    const processRecord = vi.fn(async (record: SQSRecord) => {
      if (record === spender) {
        setImmediate(quotaSpent);
        throw transientError('daily quota exhausted', { reason: GHL_DAILY_QUOTA_REASON, status: 429, retryAfterMs: 900_000 });
      }
      await afterSpender;
      return { status: 'synced' as const };
    });
    const { consume, parked } = harness(processRecord, 3);
    const response = await consume(sqsEvent(spender, before, last));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([spender.messageId]);
    expect(processRecord).not.toHaveBeenCalledWith(last);
    expect(parked.map((p) => [p.record.messageId, p.failure.reason])).toEqual([[last.messageId, GHL_DAILY_QUOTA_REASON]]);
  });

  describe('GHL unavailable (the shared circuit is open)', () => {
    it('sends the record back until the probe, waiting, not failed, and starts nothing more of the batch', async () => {
      const a1 = sqsRecord({ groupId: 'a' });
      const b1 = sqsRecord({ groupId: 'b' });
      const b2 = sqsRecord({ groupId: 'b' });
      let refused!: () => void;
      const afterA1 = new Promise<void>((resolve) => (refused = resolve));
      const processRecord = vi.fn(async (record: SQSRecord) => {
        if (record === a1) {
          setImmediate(refused);
          throw circuitOpen(20_000, 10_000);
        }
        if (record === b1) await afterA1;
        return { status: 'synced' as const };
      });
      const { consume, visibility, dispositions, parked } = harness(processRecord);
      const response = await consume(sqsEvent(a1, b1, b2));
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a1.messageId, b2.messageId]);
      expect(processRecord).not.toHaveBeenCalledWith(b2);
      expect(visibility).toEqual([
        { id: a1.messageId, seconds: 20 },
        { id: b2.messageId, seconds: 20 },
      ]);
      expect(dispositions).toEqual(['ghl-wait', 'ghl-wait']);
      expect(parked).toEqual([]);
    });

    it('never parks a held-back record at the retry horizon: an outage of days is waited out', async () => {
      const { consume, parked } = harness(async () => {
        throw circuitOpen(5_000, 3 * 24 * HOUR);
      }, 1000, 3 * 24 * HOUR);
      const record = sqsRecord({ receiveCount: 400 });
      expect(await consume(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(parked).toEqual([]);
    });

    it('parks it, with its reason, only on the queue\'s last receive', async () => {
      const { consume, parked } = harness(async () => {
        throw circuitOpen(5_000, HOUR);
      }, 1000);
      await consume(sqsEvent(sqsRecord({ receiveCount: 1000 })));
      expect(parked.map((p) => p.failure.reason)).toEqual(['ghl-circuit-open']);
    });

    it('lets a transient failure met while the circuit is open (a failed probe) wait too, past the horizon', async () => {
      const probeFailed = async () => {
        throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
      };
      const duringOutage = harness(probeFailed, 1000, 30 * HOUR, openFor(30_000, HOUR));
      await duringOutage.consume(sqsEvent(sqsRecord({ receiveCount: 200 })));
      expect(duringOutage.parked).toEqual([]);
      expect(duringOutage.dispositions).toEqual(['retry']);

      const healthy = harness(probeFailed, 1000, 30 * HOUR, () => undefined);
      await healthy.consume(sqsEvent(sqsRecord({ receiveCount: 200 })));
      expect(healthy.parked.map((p) => p.failure.reason)).toEqual(['ghl-503']);
    });

    it('brings a failed probe back with the held-back records (the circuit\'s wait, not the backoff) and starts nothing more of the batch', async () => {
      const probe = sqsRecord({ groupId: 'a', receiveCount: 30 });
      const b1 = sqsRecord({ groupId: 'b' });
      const b2 = sqsRecord({ groupId: 'b' });
      let failed!: () => void;
      const afterProbe = new Promise<void>((resolve) => (failed = resolve));
      const processRecord = vi.fn(async (record: SQSRecord) => {
        if (record === probe) {
          setImmediate(failed);
          throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
        }
        if (record === b1) await afterProbe;
        return { status: 'synced' as const };
      });
      // Open for 10 min, next probe in 30 s: the held-back records wait max(30 s, 10 min / 10) = 60 s.
      const { consume, visibility, parked } = harness(processRecord, 1000, 60_000, openFor(30_000, 600_000));
      const response = await consume(sqsEvent(probe, b1, b2));

      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([probe.messageId, b2.messageId]);
      expect(processRecord).not.toHaveBeenCalledWith(b2);
      expect(visibility).toEqual([
        { id: probe.messageId, seconds: 60 },
        { id: b2.messageId, seconds: 60 },
      ]);
      expect(parked).toEqual([]);
    });

    it('the request that opened the circuit waits until the first probe', async () => {
      const { consume, visibility } = harness(async () => {
        throw transientError('GHL did not answer in time', { reason: 'ghl-timeout' });
      }, 1000, 60_000, openFor(30_000, 0));
      const record = sqsRecord({ receiveCount: 4 });
      await consume(sqsEvent(record));
      expect(visibility).toEqual([{ id: record.messageId, seconds: 30 }]);
    });

    it('a transient failure while the circuit is closed keeps the ordinary backoff', async () => {
      const { consume, visibility } = harness(async () => {
        throw transientError('GHL answered 503', { reason: 'ghl-503', status: 503 });
      }, 1000, 60_000, () => undefined);
      const record = sqsRecord({ receiveCount: 30 });
      await consume(sqsEvent(record));
      expect(visibility).toEqual([{ id: record.messageId, seconds: 450 }]);
    });

    it('a child that hid itself for its contact keeps its own visibility during an outage', async () => {
      const child = sqsRecord({ groupId: 'a' });
      const other = sqsRecord({ groupId: 'b' });
      const processRecord = vi.fn(async (record: SQSRecord) => {
        if (record === child) throw transientError('Waiting for contact 7 to land in GHL', { reason: 'contact-pending' });
        return { status: 'synced' as const };
      });
      const { consume, visibility } = harness(processRecord, 1000, 60_000, openFor(30_000, 600_000));
      const response = await consume(sqsEvent(child, other));
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([child.messageId]);
      expect(processRecord).toHaveBeenCalledWith(other);
      expect(visibility).toEqual([]);
    });

    it('still parks a permanent failure at once during an outage', async () => {
      const { consume, parked } = harness(async () => {
        throw permanentError('GHL answered 422', { reason: 'ghl-422', status: 422 });
      }, 1000, 60_000, openFor(30_000, HOUR));
      await consume(sqsEvent(sqsRecord()));
      expect(parked.map((p) => p.failure.reason)).toEqual(['ghl-422']);
    });

    it('waits until the probe, or a tenth of the outage so far, at most 15 minutes', () => {
      const open = (retryAfterMs: number, heldForMs: number) => ghlWaitDelaySeconds({ reason: 'ghl-circuit-open', retryAfterMs, heldForMs }, 900);
      expect(open(30_000, 0)).toBe(30);
      expect(open(400, 2_000)).toBe(1);
      expect(open(30_000, 600_000)).toBe(60);
      expect(open(10_000, 3_600_000)).toBe(360);
      expect(open(10_000, 5 * HOUR)).toBe(900);
      expect(open(10_000, 20 * 24 * HOUR)).toBe(900);
    });

    it('a rate wait comes back at its send time; the daily quota after the quota delay', () => {
      expect(ghlWaitDelaySeconds({ reason: 'ghl-rate-wait-beyond-deadline', retryAfterMs: 7_200, heldForMs: 0 }, 900)).toBe(8);
      expect(ghlWaitDelaySeconds({ reason: 'ghl-rate-budget-wait', retryAfterMs: 100, heldForMs: 0 }, 900)).toBe(1);
      expect(ghlWaitDelaySeconds({ reason: 'ghl-daily-quota-exhausted', retryAfterMs: 60_000, heldForMs: 0 }, 900)).toBe(900);
    });
  });

  it('keeps an unexpected error message out of the DLQ attributes', async () => {
    const { consume, parked } = harness(async () => {
      throw new TypeError('cannot read anna@example.com');
    }, 1);
    await consume(sqsEvent(sqsRecord()));
    expect(parked[0]!.failure.message).toBe('Unexpected TypeError');
  });

  it('still reports the failure when changing visibility fails', async () => {
    const consume = createBatchConsumer({
      entity: 'contacts',
      maxReceiveCount: 8,
      now: () => SENT_AT + 60_000,
      processRecord: async () => {
        throw transientError('503', { reason: 'ghl-503' });
      },
      parker: { park: async () => {} },
      visibility: { changeVisibility: async () => Promise.reject(new Error('sqs down')) },
    });
    const record = sqsRecord();
    expect(await consume(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
  });
});
