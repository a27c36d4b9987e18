/**
 * Production-timing run (a), issue 11: a burst at GHL's real limit. About 150 new contacts with
 * their tasks and notes, renames, no-op updates and redeliveries (480 deliveries), shuffled so
 * that children often come before their contact, all sent at once (within about 3 s). Nothing
 * is scaled (bench/production.ts): GHL allows 100 requests per 10 s, the consumers budget 95,
 * and a record that fails waits out the deployed SQS backoff.
 *
 * Reported: utilisation of GHL's limit from the first GHL request to the last (target >= 0.9),
 * 429s (target 0), drain time, records parked (target 0), and whether GHL then holds exactly
 * the expected state.
 */
import { seededRandom } from '../local/ghl-simulator/random.js';
import type { ProcessedEvent } from '../local/stack.js';
import { shuffled } from '../test/e2e/workload.js';
import { BENCH_WEBHOOK_SECRET, readParked, readSimulator, requestsPerBucket, SENDER_PARALLELISM, utilisationOf, waitUntilDrained } from './bench-stack.js';
import { eventMaker, expectedContact, relatelContactOf, stateDifferences, type ExpectedContactRecord } from './exact-state.js';
import { GHL_LIMIT, startProductionStack } from './production.js';
import { round } from './stats.js';
import type { Delivery } from './workload.js';

export const BURST_CONTACTS = 150;
const FIRST_CONTACT_ID = 1_000_000;
/** The drain is awaited this long at most: far beyond any drain this workload should need. */
const DRAIN_TIMEOUT_MS = 30 * 60_000;

export interface BurstWorkload {
  readonly deliveries: readonly Delivery[];
  readonly expected: readonly ExpectedContactRecord[];
  readonly dataChanging: number;
}

/**
 * Per contact n (in occurred_at order): contact.created, task.created, for even n a note, for
 * every third a rename, for one in six a no-op update (what GHL already has), and for one in
 * five a redelivery of the create, alternately through the webhook (SQS deduplicates it) and
 * straight onto the queue as a late redelivery the window no longer catches. Then shuffled.
 */
export function buildBurstWorkload(options: { run: string; contacts?: number; seed?: number }): BurstWorkload {
  const contacts = options.contacts ?? BURST_CONTACTS;
  const events = eventMaker(options.run);
  const deliveries: Delivery[] = [];
  const expected: ExpectedContactRecord[] = [];
  for (let n = 0; n < contacts; n++) {
    const id = FIRST_CONTACT_ID + n;
    const renamed = n % 3 === 0;
    const created = events.contact('contact.created', id, 1);
    deliveries.push({ kind: 'change', event: created }, { kind: 'change', event: events.task(id) });
    if (n % 2 === 0) deliveries.push({ kind: 'change', event: events.note(id) });
    if (renamed) deliveries.push({ kind: 'change', event: events.contact('contact.updated', id, 2) });
    if (n % 6 === 1) deliveries.push({ kind: 'no-op', event: events.contact('contact.updated', id, renamed ? 2 : 1) });
    if (n % 5 === 0) deliveries.push({ kind: n % 10 === 0 ? 'redelivery' : 'late-redelivery', event: created });
    expected.push(expectedContact(options.run, id, renamed ? 2 : 1, { task: true, note: n % 2 === 0 }));
  }
  return {
    deliveries: shuffled(deliveries, seededRandom(options.seed ?? 11)),
    expected,
    dataChanging: deliveries.filter((delivery) => delivery.kind === 'change').length,
  };
}

export interface BurstResult {
  readonly deliveries: number;
  readonly dataChanging: number;
  readonly sendMs: number;
  /** First delivery sent to every queue empty. */
  readonly drainMs: number;
  /** First GHL request to the last. */
  readonly ghlSpanMs: number;
  readonly ghlRequests: number;
  readonly rateLimited: number;
  readonly utilisation: number;
  readonly byOperation: Readonly<Record<string, number>>;
  readonly byStatus: Readonly<Record<string, number>>;
  /** What the consumers made of each event (synced, duplicate, stale, no-op...). */
  readonly results: Readonly<Record<string, number>>;
  readonly parked: readonly { entity: string; reason: string; count: number }[];
  readonly differences: readonly string[];
  /** Accepted GHL requests in each 10 s from the first (GHL's limit: 100). */
  readonly per10s: readonly number[];
  /** Contacts read from Relatel's API by children that came before their contact. */
  readonly relatelContactReads: number;
}

export async function runBurstBench(options: { contacts?: number; progress?: (line: string) => void } = {}): Promise<BurstResult> {
  const progress = options.progress ?? (() => {});
  const run = `b${Date.now().toString(36)}`;
  const workload = buildBurstWorkload({ run, ...(options.contacts !== undefined && { contacts: options.contacts }) });
  const processed: ProcessedEvent[] = [];
  const bench = await startProductionStack((event) => processed.push(event));
  try {
    // Relatel knows every contact (as it would): a consumer that reads one from its API finds it.
    for (const want of workload.expected) bench.stack.relatelSimulator?.seedContact(relatelContactOf(want));
    const started = performance.now();
    const { sendMs } = await bench.world.call(
      'send-deliveries',
      { deliveries: [...workload.deliveries], url: bench.stack.webhookUrl, secret: BENCH_WEBHOOK_SECRET, parallel: SENDER_PARALLELISM },
      120_000,
    );
    progress(`burst: ${workload.deliveries.length} deliveries sent in ${Math.round(sendMs)} ms`);
    await waitUntilDrained(bench.sqs, bench.aws.queues, DRAIN_TIMEOUT_MS);
    const drainMs = performance.now() - started;
    const { snapshot, requests } = await readSimulator(bench.ghl);
    const figures = utilisationOf(requests, GHL_LIMIT);
    const results: Record<string, number> = {};
    for (const event of processed) results[event.result] = (results[event.result] ?? 0) + 1;
    const result: BurstResult = {
      deliveries: workload.deliveries.length,
      dataChanging: workload.dataChanging,
      sendMs: Math.round(sendMs),
      drainMs: Math.round(drainMs),
      ghlSpanMs: Math.round(figures.spanMs),
      ghlRequests: figures.accepted + figures.rateLimited,
      rateLimited: figures.rateLimited,
      utilisation: round(figures.utilisation, 3),
      byOperation: snapshot.counters.byOperation,
      byStatus: snapshot.counters.byStatus,
      results,
      parked: await readParked(bench.sqs, bench.aws.queues),
      differences: stateDifferences(snapshot, workload.expected, true),
      per10s: requestsPerBucket(requests, 10_000),
      relatelContactReads: bench.stack.relatelSimulator?.state.requests().filter((request) => request.operation === 'contacts.get').length ?? 0,
    };
    progress(`burst: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await bench.stop();
  }
}
