/**
 * Benchmarks 3-6 on the local stack, in two processes so that the figures are our Lambdas' and
 * not those of the emulators competing with them for one Node thread:
 *
 *   this process    our code only: the real webhook behind the local HTTP API and the four real
 *                   consumers (local/stack.ts), one poller each, so four consumers at once; in
 *                   run 6 the naive consumer in their place (it is the integration under test)
 *   outside world   bench/outside-world.ts: local SQS and DynamoDB, the GHL simulators with
 *                   their limit scaled to 100 requests per second, and Relatel's sender
 *
 *   3/4  the workload of bench/workload.ts at the rate limit: utilisation, 429s, drain time,
 *        nothing lost, GHL calls per data-changing event, CPU time and peak RSS of each process
 *   5    end-to-end latency with no rate pressure: 202 -> GHL write acknowledged
 *   6    the naive baseline (bench/naive-consumer.ts) on the same workload and the same limit
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_MAX_RECEIVE_COUNT, ENTITIES, type Entity } from '../lib/entities.js';
import { DEFAULT_RATE_BUDGET } from '../lib/rate-budget.js';
import type { RetryPolicy } from '../lib/retry.js';
import { SQS_RETRY_POLICY } from '../lib/sync/consumer.js';
import type { SimRequestRecord } from '../local/ghl-simulator/index.js';
import type { ProcessedEvent } from '../local/stack.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';
import {
  BENCH_WEBHOOK_SECRET,
  readParked,
  readSimulator,
  requestsPerBucket,
  SENDER_PARALLELISM,
  startBenchStack,
  utilisationOf,
  waitUntilDrained,
  type QueueUrls,
} from './bench-stack.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { processUsage, type OutsideWorld, type ProcessUsage, type SimulatorSettings } from './outside-world.js';
import { quantile, round } from './stats.js';
import { buildThroughputWorkload, differencesFromExpected, type Delivery } from './workload.js';

/** GHL's 100 per 10 s, scaled to 100 per second so a run takes seconds: time runs 10x faster. */
export const SIMULATED_LIMIT = { maxPerInterval: 100, intervalMs: 1_000 } as const;
const TIME_COMPRESSION = 10;

/**
 * SQS redelivery backoff as in production (lib/sync/consumer.ts SQS_RETRY_POLICY: 2 s doubling
 * to 15 min, jittered; DEFAULT_MAX_RECEIVE_COUNT receives), with its delays scaled by the same
 * factor as the rate limit: 200 ms doubling to 90 s. The production-timing runs (burst, outage)
 * scale nothing: bench/production.ts. A child whose contact is not in
 * GHL yet waits these out; the e2e tests' short policy (500 ms to 2 s, 12 receives) parked such
 * children while the contacts queue was still busy. The consumer rounds each delay up to whole
 * seconds (SQS visibility), so the first retries wait 1 s whatever the policy says.
 */
export const BENCH_RETRY_POLICY: RetryPolicy = {
  ...SQS_RETRY_POLICY,
  baseDelayMs: SQS_RETRY_POLICY.baseDelayMs / TIME_COMPRESSION,
  maxDelayMs: SQS_RETRY_POLICY.maxDelayMs / TIME_COMPRESSION,
};
/**
 * Production's consumer timeout (60 s, infra/config.ts consumerTimeoutSeconds) scaled like the
 * rate limit: 6 s. Locally the function timeout is the visibility timeout. With the e2e tests'
 * 4 s, batches whose records wait several times for the saturated budget ran out of time and
 * were retried (43 records in one run), where a Lambda given its production timeout would not.
 */
const BENCH_QUEUES = { visibilityTimeoutSeconds: 60 / TIME_COMPRESSION, maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT } as const;
const BENCH_SIMULATOR = { rateLimit: { ...SIMULATED_LIMIT }, requestLogLimit: 100_000 };

export interface ThroughputFigures {
  readonly label: string;
  readonly events: number;
  readonly dataChanging: number;
  readonly drainMs: number;
  readonly ghlRequests: number;
  readonly accepted: number;
  readonly rateLimited: number;
  /** Accepted requests per second over the busy span (first to last GHL request) / the limit. */
  readonly utilisation: number;
  readonly callsPerChange: number;
  readonly lost: number;
  readonly differences: readonly string[];
}

/** One process's share of run 3 (from the first delivery sent to the queues drained). */
export interface ProcessFigures {
  readonly label: string;
  readonly pid: number;
  readonly runs: string;
  readonly cpuSeconds: number;
  /** CPU seconds per second of the run: 1 is one core busy throughout. */
  readonly cores: number;
  /** Share of the run the main thread's event loop was busy. */
  readonly loopUtilisation: number;
  readonly peakRssMiB: number;
}

export interface StackBenchResult {
  readonly ours: ThroughputFigures;
  readonly naive: ThroughputFigures;
  /** Results of the no-op and redelivered events the consumers saw (a skip makes no GHL call). */
  readonly skipResults: Readonly<Record<string, number>>;
  readonly nonSkippedNoOps: number;
  readonly processes: readonly ProcessFigures[];
  /** Records run 3 left in the dead-letter queues, by entity and reason. */
  readonly parked: readonly { entity: Entity; reason: string; count: number }[];
  readonly sendMs: number;
  /** Accepted GHL requests in each second of run 3: all, and those on contacts (and their tags). */
  readonly perSecond: { readonly all: readonly number[]; readonly contacts: readonly number[] };
  readonly latency: { readonly events: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly budget: { readonly requests: number; readonly intervalMs: number };
  /** Where each part of the runs ran. */
  readonly placement: readonly string[];
}

function figuresOf(label: string, deliveries: readonly Delivery[], dataChanging: number, requests: readonly SimRequestRecord[], drainMs: number, differences: readonly string[]): ThroughputFigures {
  const { accepted, rateLimited, utilisation } = utilisationOf(requests, SIMULATED_LIMIT);
  return {
    label,
    events: deliveries.length,
    dataChanging,
    drainMs: Math.round(drainMs),
    ghlRequests: accepted + rateLimited,
    accepted,
    rateLimited,
    utilisation: round(utilisation, 3),
    callsPerChange: round(accepted / dataChanging, 3),
    lost: differences.length,
    differences: differences.slice(0, 10),
  };
}

function processFigures(label: string, runs: string, before: ProcessUsage, after: ProcessUsage, spanMs: number, peakRssMiB: number): ProcessFigures {
  const cpuSeconds = (after.cpuUserMicros + after.cpuSystemMicros - before.cpuUserMicros - before.cpuSystemMicros) / 1e6;
  const active = after.loopActiveMs - before.loopActiveMs;
  const idle = after.loopIdleMs - before.loopIdleMs;
  return {
    label,
    pid: after.pid,
    runs,
    cpuSeconds: round(cpuSeconds, 1),
    cores: round(cpuSeconds / (spanMs / 1000), 2),
    loopUtilisation: round(active / Math.max(1, active + idle), 2),
    peakRssMiB: round(peakRssMiB, 0),
  };
}

/**
 * The GHL location our sync writes to: GHL's default (duplicate contacts forbidden, a token that
 * may read the location), one that allows duplicates, or a token without locations.readonly.
 * The last two make a new contact cost upsert + tag call instead of one create.
 */
export type BenchLocation = 'forbids-duplicates' | 'allows-duplicates' | 'unreadable';
export const BENCH_LOCATIONS: Record<BenchLocation, Pick<SimulatorSettings, 'allowDuplicates' | 'missingScopes'>> = {
  'forbids-duplicates': {},
  'allows-duplicates': { allowDuplicates: true },
  unreadable: { missingScopes: ['locations.readonly'] },
};

export async function runStackBench(
  options: { budget?: number; concurrency?: number; location?: BenchLocation; skipNaive?: boolean; progress?: (line: string) => void } = {},
): Promise<StackBenchResult> {
  const budget = { requests: options.budget ?? DEFAULT_RATE_BUDGET.requests, intervalMs: SIMULATED_LIMIT.intervalMs };
  const location = BENCH_LOCATIONS[options.location ?? 'forbids-duplicates'];
  const concurrency = options.concurrency ?? 1;
  const processed: ProcessedEvent[] = [];
  const bench = await startBenchStack({
    queues: BENCH_QUEUES,
    simulator: { ...BENCH_SIMULATOR, ...location },
    concurrency,
    retryPolicy: BENCH_RETRY_POLICY,
    handlerEnv: {
      GHL_RATE_LIMIT_REQUESTS: String(budget.requests),
      GHL_RATE_LIMIT_INTERVAL_MS: String(budget.intervalMs),
      GHL_REQUEST_TIMEOUT_MS: '2000',
      // A claim left by a crashed consumer lapses soon after its records come back, as in the e2e tests.
      CREATE_LEASE_MS: String((BENCH_QUEUES.visibilityTimeoutSeconds + 1) * 1000),
    },
    onEvent: (event) => processed.push(event),
  });
  const { world, stack, sqs } = bench;
  const outside = { aws: bench.aws, ghl: bench.ghl };
  try {
    const placement = [
      `main process (pid ${process.pid}): our Lambdas only: the webhook behind the local HTTP API and the ${ENTITIES.length} consumers with their pollers (${concurrency} concurrent batches each); the bench's own bookkeeping (queue depths every 250 ms, the figures after each run); in run 6 the naive consumer instead of ours`,
      `outside-world process (pid ${world.pid}): SQS (fauxqs), DynamoDB (dynalite), the GHL simulator of runs 3-5 and, fresh, the one of run 6, and Relatel's sender (${SENDER_PARALLELISM} deliveries in flight; late redeliveries straight onto SQS)`,
    ];
    let run3: Omit<StackBenchResult, 'naive' | 'budget' | 'placement' | 'latency'>;
    let latency: StackBenchResult['latency'];
    try {
      // Runs 3 and 4.
      const runId = `t${Date.now().toString(36)}`;
      const workload = buildThroughputWorkload({ runId });
      const [mainBefore, worldBefore] = [processUsage(), await world.call('usage', {})];
      const started = performance.now();
      const { sendMs } = await world.call('send-workload', { runId, url: stack.webhookUrl, secret: BENCH_WEBHOOK_SECRET, parallel: SENDER_PARALLELISM }, 300_000);
      await waitUntilDrained(sqs, outside.aws.queues, 300_000);
      const drainMs = performance.now() - started;
      const [mainAfter, worldAfter] = [processUsage(), await world.call('usage', {})];
      // Both peaks from getrusage (maxRSS): exact, and no sampling timer in the process measured.
      const processes = [
        processFigures('main: our Lambdas', 'webhook, 4 consumers', mainBefore, mainAfter, drainMs, mainAfter.maxRssMiB),
        processFigures('outside world', 'SQS, DynamoDB, GHL simulator, Relatel sender', worldBefore, worldAfter, drainMs, worldAfter.maxRssMiB),
      ];

      const { snapshot, requests } = await readSimulator(outside.ghl);
      const ours = figuresOf('ours', workload.deliveries, workload.dataChanging, requests, drainMs, differencesFromExpected(snapshot, workload.expected));
      const kindOf = new Map(workload.deliveries.map(({ event, kind }) => [event.delivery_id, kind]));
      const skipResults: Record<string, number> = {};
      let nonSkippedNoOps = 0;
      for (const event of processed) {
        if (kindOf.get(event.deliveryId) !== 'no-op') continue;
        skipResults[event.result] = (skipResults[event.result] ?? 0) + 1;
        if (event.result === 'synced') nonSkippedNoOps++;
      }
      const parked = await readParked(sqs, outside.aws.queues);
      const perSecond = { all: requestsPerBucket(requests), contacts: requestsPerBucket(requests.filter((r) => /^(contacts|tags)\./.test(r.operation))) };
      run3 = { ours, skipResults, nonSkippedNoOps, processes, parked, sendMs: Math.round(sendMs), perSecond };

      options.progress?.(`ours: ${JSON.stringify(ours)} ${JSON.stringify(snapshot.counters.byOperation)}`);
      options.progress?.(`all deliveries sent after ${Math.round(sendMs)} ms`);
      options.progress?.(`GHL requests per second: ${perSecond.all.join(' ')}`);
      options.progress?.(`contact requests per second: ${perSecond.contacts.join(' ')}`);
      options.progress?.(`processes: ${JSON.stringify(processes)}`);
      if (parked.length > 0) options.progress?.(`parked: ${JSON.stringify(parked)}`);

      // Run 5: no rate pressure (limit and budget far above the traffic), paced deliveries.
      await world.call('set-rate-limit', { name: 'ours', rateLimit: { maxPerInterval: 10_000 } });
      latency = await measureLatency(world, stack.webhookUrl, sqs, outside.aws.queues, processed);
      options.progress?.(`latency: ${JSON.stringify(latency)}`);
    } finally {
      await bench.stopLambdas();
    }

    if (options.skipNaive) return { ...run3, naive: run3.ours, latency, budget, placement };
    // Run 6: the naive baseline on a fresh simulator with the same limit, our consumers stopped.
    const naiveGhl = await world.call('start-simulator', { name: 'naive', simulator: BENCH_SIMULATOR });
    const naiveWorkload = buildThroughputWorkload({ runId: `n${Date.now().toString(36)}` });
    const run = await runNaiveConsumer({ baseUrl: naiveGhl.url, token: naiveGhl.token, locationId: naiveGhl.locationId, calendarId: naiveGhl.calendarId }, naiveWorkload.deliveries);
    const naiveRead = await readSimulator(naiveGhl);
    const naive = figuresOf(
      'naive',
      naiveWorkload.deliveries,
      naiveWorkload.dataChanging,
      naiveRead.requests,
      run.drainMs,
      differencesFromExpected(naiveRead.snapshot, naiveWorkload.expected, { strictTags: false, companyName: false }),
    );
    return { ...run3, naive, latency, budget, placement };
  } finally {
    await bench.stop();
  }
}

/** 200 data-changing events, 20 per second: new contacts and real updates of existing ones. */
async function measureLatency(world: OutsideWorld, webhookUrl: string, sqs: SQSClient, queues: QueueUrls, processed: ProcessedEvent[]) {
  const runId = `l${Date.now().toString(36)}`;
  const fresh = buildThroughputWorkload({ runId, contacts: 100, firstContactId: 800_000 });
  const creates = fresh.deliveries.filter(({ event }) => event.event_type === 'contact.created').map(({ event }) => event);
  const updates = creates.map((event, index) => ({
    ...event,
    delivery_id: `${event.delivery_id}_u`,
    event_type: 'contact.updated',
    occurred_at: new Date(Date.parse(event.occurred_at) + 3_600_000).toISOString(),
    payload: { ...event.payload, company: `Nyt firma ${index}` },
  })) as RelatelEventFixture[];
  const events = [...creates, ...updates];
  const ids = new Set(events.map((event) => event.delivery_id));
  const from = processed.length;
  await world.call('send-paced', { events, url: webhookUrl, secret: BENCH_WEBHOOK_SECRET, paceMs: 50 }, 120_000);
  await waitUntilDrained(sqs, queues, 60_000);
  const latencies = processed.slice(from).filter((event) => ids.has(event.deliveryId) && event.result === 'synced').map((event) => event.latencyMs);
  return { events: latencies.length, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: Math.max(...latencies) };
}
