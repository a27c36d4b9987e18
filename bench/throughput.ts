/**
 * Benchmarks 3-6 on the local stack (local/stack.ts through the e2e harness): local SQS and
 * DynamoDB, the GHL simulator with its limit scaled to 100 requests per second, the real
 * webhook and the four real consumers (one poller each, so four consumers at once).
 *
 *   3/4  the workload of bench/workload.ts at the rate limit: utilisation, 429s, drain time,
 *        nothing lost, GHL calls per data-changing event, peak RSS
 *   5    end-to-end latency with no rate pressure: 202 -> GHL write acknowledged
 *   6    the naive baseline (bench/naive-consumer.ts) on the same workload and the same limit
 */
import { startGhlSimulator, type GhlSimulator, type SimRequestRecord } from '../local/ghl-simulator/index.js';
import type { ProcessedEvent } from '../local/stack.js';
import { startE2eStack, type E2eStack } from '../test/e2e/harness.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';
import { runNaiveConsumer } from './naive-consumer.js';
import { quantile, round } from './stats.js';
import { buildThroughputWorkload, differencesFromExpected, entityOf, relatelContactIdOf, type Delivery } from './workload.js';

/** GHL's 100 per 10 s, scaled to 100 per second so a run takes seconds. */
export const SIMULATED_LIMIT = { maxPerInterval: 100, intervalMs: 1_000 } as const;

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

export interface StackBenchResult {
  readonly ours: ThroughputFigures;
  readonly naive: ThroughputFigures;
  /** Results of the no-op and redelivered events the consumers saw (a skip makes no GHL call). */
  readonly skipResults: Readonly<Record<string, number>>;
  readonly nonSkippedNoOps: number;
  readonly peakRssMiB: number;
  readonly latency: { readonly events: number; readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly budget: { readonly requests: number; readonly intervalMs: number };
}

function figuresOf(label: string, deliveries: readonly Delivery[], dataChanging: number, requests: readonly SimRequestRecord[], drainMs: number, differences: readonly string[]): ThroughputFigures {
  const ghl = requests.filter((request) => request.operation !== 'unknown');
  const accepted = ghl.filter((request) => request.status !== 429);
  const times = ghl.map((request) => Date.parse(request.at));
  const spanSeconds = Math.max(1, (Math.max(...times) - Math.min(...times)) / 1000);
  const limitPerSecond = (SIMULATED_LIMIT.maxPerInterval * 1000) / SIMULATED_LIMIT.intervalMs;
  return {
    label,
    events: deliveries.length,
    dataChanging,
    drainMs: Math.round(drainMs),
    ghlRequests: ghl.length,
    accepted: accepted.length,
    rateLimited: ghl.length - accepted.length,
    utilisation: round(accepted.length / spanSeconds / limitPerSecond, 3),
    callsPerChange: round(accepted.length / dataChanging, 3),
    lost: differences.length,
    differences: differences.slice(0, 10),
  };
}

function stateOf(simulator: GhlSimulator) {
  return {
    contacts: simulator.state.contacts(),
    tasks: simulator.state.tasks(),
    notes: simulator.state.notes(),
    appointments: simulator.state.appointments(),
  };
}

async function sendAll(e2e: E2eStack, deliveries: readonly Delivery[], parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < deliveries.length; index = next++) {
      const { event, kind } = deliveries[index] as Delivery;
      if (kind === 'late-redelivery') {
        await e2e.redeliverLate(entityOf(event), event, String(relatelContactIdOf(event)));
        continue;
      }
      const status = await e2e.send(event);
      if (status !== 202) throw new Error(`webhook answered ${status} for ${event.event_type}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) / 2 ** 20;
    },
  };
}

export async function runStackBench(options: { budget?: number; concurrency?: number; skipNaive?: boolean; progress?: (line: string) => void } = {}): Promise<StackBenchResult> {
  const budget = { requests: options.budget ?? 90, intervalMs: SIMULATED_LIMIT.intervalMs };
  const processed: ProcessedEvent[] = [];
  const e2e = await startE2eStack({
    pollers: { waitTimeSeconds: 1, batchSize: 10, concurrency: options.concurrency ?? 1 },
    simulator: { rateLimit: { ...SIMULATED_LIMIT }, requestLogLimit: 100_000 },
    handlerEnv: { GHL_RATE_LIMIT_REQUESTS: String(budget.requests), GHL_RATE_LIMIT_INTERVAL_MS: String(budget.intervalMs), GHL_REQUEST_TIMEOUT_MS: '2000' },
    onEvent: (event) => processed.push(event),
  });
  try {
    // Runs 3 and 4.
    const workload = buildThroughputWorkload({ runId: `t${Date.now().toString(36)}` });
    const rss = sampleRss();
    const started = performance.now();
    await sendAll(e2e, workload.deliveries, 8);
    const sentMs = performance.now() - started;
    await e2e.drained(300_000);
    const drainMs = performance.now() - started;
    const peakRssMiB = rss.stop();
    const ours: ThroughputFigures = figuresOf('ours', workload.deliveries, workload.dataChanging, e2e.simulator.state.requests(), drainMs, differencesFromExpected(stateOf(e2e.simulator), workload.expected));

    const kindOf = new Map(workload.deliveries.map(({ event, kind }) => [event.delivery_id, kind]));
    const skipResults: Record<string, number> = {};
    let nonSkippedNoOps = 0;
    for (const event of processed) {
      const kind = kindOf.get(event.deliveryId);
      if (kind === 'no-op') {
        skipResults[event.result] = (skipResults[event.result] ?? 0) + 1;
        if (event.result === 'synced') nonSkippedNoOps++;
      }
    }

    options.progress?.(`ours: ${JSON.stringify(ours)} ${JSON.stringify(e2e.simulator.state.counters().byOperation)}`);
    options.progress?.(`all deliveries sent after ${Math.round(sentMs)} ms`);
    options.progress?.(`GHL requests per second: ${requestsPerSecond(e2e.simulator.state.requests()).join(' ')}`);
    options.progress?.(`contact requests per second: ${requestsPerSecond(e2e.simulator.state.requests().filter((r) => /^(contacts|tags)\./.test(r.operation))).join(' ')}`);
    // Run 5: no rate pressure (limit and budget far above the traffic), paced deliveries.
    e2e.simulator.setRateLimit({ maxPerInterval: 10_000 });
    const latency = await measureLatency(e2e, processed);
    options.progress?.(`latency: ${JSON.stringify(latency)}`);

    if (options.skipNaive) return { ours, naive: ours, skipResults, nonSkippedNoOps, peakRssMiB: round(peakRssMiB, 0), latency, budget };
    // Run 6: the naive baseline on a fresh simulator with the same limit.
    const naiveSimulator = await startGhlSimulator({ rateLimit: { ...SIMULATED_LIMIT }, requestLogLimit: 100_000 });
    try {
      const naiveWorkload = buildThroughputWorkload({ runId: `n${Date.now().toString(36)}` });
      const run = await runNaiveConsumer(
        {
          baseUrl: naiveSimulator.url,
          token: naiveSimulator.tokens[0] ?? '',
          locationId: naiveSimulator.locationId,
          calendarId: naiveSimulator.calendarIds[0] ?? '',
        },
        naiveWorkload.deliveries,
      );
      const naive = figuresOf(
        'naive',
        naiveWorkload.deliveries,
        naiveWorkload.dataChanging,
        naiveSimulator.state.requests(),
        run.drainMs,
        differencesFromExpected(stateOf(naiveSimulator), naiveWorkload.expected, { strictTags: false, companyName: false }),
      );
      return { ours, naive, skipResults, nonSkippedNoOps, peakRssMiB: round(peakRssMiB, 0), latency, budget };
    } finally {
      await naiveSimulator.stop();
    }
  } finally {
    await e2e.stop();
  }
}

/** 200 data-changing events, 20 per second: new contacts and real updates of existing ones. */
async function measureLatency(e2e: E2eStack, processed: ProcessedEvent[]) {
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
  for (const event of events) {
    const status = await e2e.send(event);
    if (status !== 202) throw new Error(`webhook answered ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await e2e.drained(60_000);
  const latencies = processed.slice(from).filter((event) => ids.has(event.deliveryId) && event.result === 'synced').map((event) => event.latencyMs);
  return { events: latencies.length, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: Math.max(...latencies) };
}

/** Accepted GHL requests in each second of the run, for seeing where a run was not at the limit. */
export function requestsPerSecond(requests: readonly SimRequestRecord[]): number[] {
  const accepted = requests.filter((request) => request.operation !== 'unknown' && request.status !== 429).map((request) => Date.parse(request.at));
  if (accepted.length === 0) return [];
  const first = Math.min(...accepted);
  const counts: number[] = [];
  for (const at of accepted) {
    const second = Math.floor((at - first) / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (count) => count ?? 0);
}
