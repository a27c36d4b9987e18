/**
 * `npm run bench`: issue 6's measurements in one run, a few minutes on a 2-core machine.
 *
 *   npm run bench                       everything
 *   npm run bench -- webhook bundles    only those parts (webhook | bundles | limiter | stack | ghl-door | burst | outage)
 *   BENCH_BUDGET=90 npm run bench -- stack    the consumers' GHL budget per second (default 95, as in production per 10 s)
 *   BENCH_POLLER_CONCURRENCY=2 ...           concurrent batches per consumer (default 4)
 *   BENCH_LOCATION=unreadable ...             the GHL location: forbids-duplicates (default) | allows-duplicates | unreadable (token without locations.readonly)
 *   BENCH_LOG_LEVEL=WARN ...                  the consumers' log level (default ERROR), to see why records were retried
 *   BENCH_BURST_CONTACTS=30 ... burst          fewer contacts in the burst (default 150), for a quick try
 *   BENCH_OUTAGE_SECONDS=60 ... outage         a shorter GHL outage (default 390), for a quick try
 *
 * `burst` and `outage` run with production timings, nothing scaled (bench/production.ts); the
 * outage run alone takes ten minutes or more.
 *
 * Prints a summary as markdown tables, ready for docs/BENCHMARKS.md. Loopback only; every
 * loop is bounded. No part of it is a test: timings belong here, not in the suite.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { runBundleBench } from './bundles.js';
import { BURST_CONTACTS, runBurstBench } from './burst.js';
import { kib, markdownTable, round } from './stats.js';
import { BENCH_LOCATIONS, runStackBench, SIMULATED_LIMIT, type BenchLocation, type ThroughputFigures } from './throughput.js';
import { DEFAULT_RATE_BUDGET } from '../lib/rate-budget.js';
import { measureLimiterCeiling } from './limiter.js';
import { OUTAGE_SECONDS, runOutageBench } from './outage.js';
import { describeProductionSettings } from './production.js';
import { runWebhookBench } from './webhook.js';
import { runCallsPerChangeBench, runGhlDoorBench } from './ghl-door.js';

const TARGETS = { eventsPerSecond: 10_000, p99Ms: 1, bundleKiB: 600, importMs: 150, utilisation: 0.9, rateLimitedShare: 0.01, callsPerChange: 1.2, e2eP99Ms: 500 };
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function main() {
  const parts = new Set(process.argv.slice(2));
  const wants = (part: string) => parts.size === 0 || parts.has(part);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const out: string[] = [];
  const print = (text: string) => {
    out.push(text);
    console.log(text);
  };

  print(`Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), ${round(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${new Date().toISOString()}\n`);

  if (wants('webhook')) {
    const results = await runWebhookBench();
    print('### 1. Webhook ingest in process (1 KiB signed contact event, SQS mocked)\n');
    print(
      markdownTable(
        ['path', 'events', 'events/s', 'p50 ms', 'p99 ms', 'target'],
        results.map((r) => [r.path, r.events, r.eventsPerSecond, r.p50Ms, r.p99Ms, r.path.includes('SDK') ? 'informative' : mark(r.eventsPerSecond >= TARGETS.eventsPerSecond && r.p99Ms < TARGETS.p99Ms)]),
      ) + '\n',
    );
  }

  if (wants('bundles')) {
    const results = await runBundleBench();
    print('### 2. Cold start: bundles as the CDK build makes them\n');
    print(
      markdownTable(
        ['function', 'minified KiB', 'import ms (median of 10)', 'process ms (median)', 'target'],
        results.map((r) => [r.name, kib(r.bytes), r.importMs, r.processMs, mark(kib(r.bytes) < TARGETS.bundleKiB && r.importMs < TARGETS.importMs)]),
      ) + '\n',
    );
    const largest = results.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    print(`Largest contributors to ${largest.name} (KiB of minified output):\n`);
    print(markdownTable(['package', 'KiB'], largest.contributors.slice(0, 15).map((c) => [c.source, kib(c.bytes)])) + '\n');
  }

  if (wants('limiter')) {
    const settings = [{ budget: 90 }, { budget: 90, callers: 1 }, { budget: 95 }, { budget: 99 }];
    const results = [];
    for (const setting of settings) results.push(await measureLimiterCeiling(setting));
    print(`### 3a. The rate limiter's own ceiling (${SIMULATED_LIMIT.intervalMs} ms interval, 3 s, real clock)\n`);
    print(
      markdownTable(
        ['budget', 'callers', 'sends/s', 'of GHL limit', 'of budget', 'most in any sliding window'],
        results.map((r) => [r.budget, r.callers, r.perSecond, r.utilisation, r.ofBudget, r.maxInAnyWindow]),
      ) + '\n',
    );
  }

  const quiet = quietPowertools();
  try {
    if (wants('stack')) await stackPart(print);
    if (wants('ghl-door')) await ghlDoorPart(print);
    if (wants('burst')) await burstPart(print);
    if (wants('outage')) await outagePart(print);
  } finally {
    quiet.restore();
  }
}

/** Powertools warns per batch that the Entity dimension is set again, and that no metrics were added: noise in a summary. */
function quietPowertools(): { restore(): void } {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/has already been added|No application metrics/.test(String(args[0]))) warn(...args);
  };
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (!/No application metrics/.test(String(args[0]))) log(...args);
  };
  return {
    restore() {
      console.warn = warn;
      console.log = log;
    },
  };
}

async function burstPart(print: (text: string) => void) {
  const contacts = positiveIntegerFromEnv('BENCH_BURST_CONTACTS', BURST_CONTACTS);
  const r = await runBurstBench({ contacts, progress: (line) => console.error(line) });
  print(`### 7. Burst at GHL's real limit, production timings (${describeProductionSettings()})\n`);
  print(
    markdownTable(
      ['deliveries', 'data-changing', 'sent in ms', 'drain ms', 'first to last GHL request ms', 'GHL requests', '429s', 'utilisation', 'parked', 'state'],
      [[r.deliveries, r.dataChanging, r.sendMs, r.drainMs, r.ghlSpanMs, r.ghlRequests, r.rateLimited, r.utilisation, parkedText(r.parked), r.differences.length === 0 ? 'exact' : `${r.differences.length} differences`]],
    ) + '\n',
  );
  print(`Accepted GHL requests in each 10 s from the first (limit 100): ${r.per10s.join(' ')}\n`);
  print(`GHL requests by operation: ${JSON.stringify(r.byOperation)}; by status: ${JSON.stringify(r.byStatus)}\n`);
  print(`What the consumers made of the events: ${JSON.stringify(r.results)}\n`);
  print(`Contacts read from Relatel by children that came first: ${r.relatelContactReads}\n`);
  if (r.differences.length > 0) print(`Differences: ${r.differences.slice(0, 10).join('; ')}\n`);
  print(
    `Targets: utilisation ${mark(r.utilisation >= TARGETS.utilisation)}, 429s ${mark(r.rateLimited === 0)}, nothing parked ${mark(r.parked.length === 0)}, exact state ${mark(r.differences.length === 0)}.\n`,
  );
}

async function outagePart(print: (text: string) => void) {
  const outageSeconds = positiveIntegerFromEnv('BENCH_OUTAGE_SECONDS', OUTAGE_SECONDS);
  const r = await runOutageBench({ outageSeconds, progress: (line) => console.error(line) });
  const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : round(ms / 1000, 1));
  print(`### 8. GHL outage in the middle of a stream, production timings (${describeProductionSettings()})\n`);
  print(
    markdownTable(
      ['events before / during / after', 'outage s', 'GHL requests during the outage', 'per minute', 'recovery to first accepted request s', 'recovery to backlog exact s', 'recovery to all exact, queues empty s', 'parked', 'state'],
      [
        [
          r.events.join(' / '),
          seconds(r.outageMs),
          r.outageRequests,
          r.outageRequestsPerMinute.join(' '),
          seconds(r.firstRequestAfterMs),
          seconds(r.backlogExactAfterMs),
          seconds(r.allExactAfterMs),
          parkedText(r.parked),
          r.differences.length === 0 ? 'exact' : `${r.differences.length} differences`,
        ],
      ],
    ) + '\n',
  );
  print(`Accepted GHL requests in each 10 s from the first after the recovery (limit 100): ${r.per10sAfterRecovery.join(' ')}\n`);
  print(`GHL answers by status over the whole run: ${JSON.stringify(r.byStatus)}\n`);
  if (r.differences.length > 0) print(`Differences: ${r.differences.slice(0, 10).join('; ')}\n`);
  print(`Targets: nothing parked ${mark(r.parked.length === 0)}, exact state ${mark(r.differences.length === 0)}.\n`);
}

function parkedText(parked: readonly { entity: string; reason: string; count: number }[]): string {
  return parked.length === 0 ? '0' : parked.map((p) => `${p.entity} ${p.reason} x${p.count}`).join(', ');
}

async function stackPart(print: (text: string) => void) {
  const concurrency = positiveIntegerFromEnv('BENCH_POLLER_CONCURRENCY', 4);
  // The consumers' GHL_RATE_LIMIT_REQUESTS per SIMULATED_LIMIT.intervalMs.
  const budget = positiveIntegerFromEnv('BENCH_BUDGET', DEFAULT_RATE_BUDGET.requests);
  const location = locationFromEnv();
  const result = await runStackBench({ budget, concurrency, location, progress: (line) => console.error(line) });
  const row = (f: ThroughputFigures) => [
    f.label,
    f.drainMs,
    f.ghlRequests,
    f.rateLimited,
    `${round((100 * f.rateLimited) / Math.max(1, f.ghlRequests), 2)} %`,
    f.utilisation,
    f.callsPerChange,
    f.lost,
  ];
  print(`### 3, 4 and 6. Throughput at the rate limit (simulator: ${SIMULATED_LIMIT.maxPerInterval} per ${SIMULATED_LIMIT.intervalMs} ms; budget ${result.budget.requests} per ${result.budget.intervalMs} ms; 4 consumers, ${concurrency} concurrent batches each; GHL location: ${location})\n`);
  print(markdownTable(['run', 'drain ms', 'GHL requests', '429s', '429 share', 'utilisation', 'GHL calls per data-changing event', 'records wrong or lost'], [row(result.ours), row(result.naive)]) + '\n');
  const ratio = (a: number, b: number) => round(a / b, 2);
  print(
    markdownTable(
      ['ours / naive', 'drain time', 'GHL requests', 'calls per change', '429s'],
      [['ratio', ratio(result.ours.drainMs, result.naive.drainMs), ratio(result.ours.ghlRequests, result.naive.ghlRequests), ratio(result.ours.callsPerChange, result.naive.callsPerChange), `${result.ours.rateLimited} vs ${result.naive.rateLimited}`]],
    ) + '\n',
  );
  print(`No-op updates as the consumers saw them: ${JSON.stringify(result.skipResults)} (${result.nonSkippedNoOps} written).\n`);
  if (result.ours.differences.length > 0) print(`Differences (ours): ${result.ours.differences.join('; ')}\n`);
  print(
    result.parked.length === 0
      ? 'Parked in the DLQs after run 3: none.\n'
      : `Parked in the DLQs after run 3: ${result.parked.map((p) => `${p.entity} ${p.reason} x${p.count}`).join(', ')}.\n`,
  );
  print(`Run 3, accepted GHL requests in each second (all deliveries sent after ${result.sendMs} ms): ${result.perSecond.all.join(' ')}\n`);
  print(`Run 3, accepted contact and tag requests in each second: ${result.perSecond.contacts.join(' ')}\n`);
  print('Where each part ran:\n');
  for (const line of result.placement) print(`- ${line}`);
  print('');
  print(`Processes during run 3 (${result.ours.drainMs} ms, first delivery sent to queues drained):\n`);
  print(
    markdownTable(
      ['process', 'pid', 'runs', 'CPU s', 'cores busy (CPU s / s)', 'event loop busy', 'peak RSS MiB'],
      result.processes.map((p) => [p.label, p.pid, p.runs, p.cpuSeconds, p.cores, p.loopUtilisation, p.peakRssMiB]),
    ) + '\n',
  );
  print('### 5. End-to-end latency, no rate pressure (202 -> GHL write acknowledged)\n');
  print(markdownTable(['events', 'p50 ms', 'p99 ms', 'max ms', 'target'], [[result.latency.events, result.latency.p50Ms, result.latency.p99Ms, result.latency.maxMs, mark(result.latency.p99Ms < TARGETS.e2eP99Ms)]]) + '\n');
  print(
    `Targets: utilisation ${mark(result.ours.utilisation >= TARGETS.utilisation)}, 429 share ${mark(result.ours.rateLimited / Math.max(1, result.ours.ghlRequests) < TARGETS.rateLimitedShare)}, calls per change ${mark(result.ours.callsPerChange <= TARGETS.callsPerChange)}, nothing lost ${mark(result.ours.lost === 0)}.\n`,
  );
}

async function ghlDoorPart(print: (text: string) => void) {
  const door = await runGhlDoorBench();
  print('### GHL door and calls per change in both directions (issue 13)\n');
  print(markdownTable(['path', 'events', 'events/s', 'p50 ms', 'p99 ms'], [[door.path, door.events, door.eventsPerSecond, door.p50Ms, door.p99Ms]]) + '\n');
  const calls = await runCallsPerChangeBench();
  print(
    markdownTable(
      ['change (local stack)', 'changes', 'writes on the other side per change', 'calls on the other side per change', 'echo calls back per change', 'target (1 write, 0 echo)'],
      calls.map((c) => [c.direction, c.changes, c.writesPerChange, c.callsPerChange, c.echoCallsPerChange, mark(c.writesPerChange === 1 && c.echoCallsPerChange === 0)]),
    ) + '\n',
  );
}

/** BENCH_LOCATION: the GHL location the sync writes to (bench/throughput.ts BENCH_LOCATIONS). */
function locationFromEnv(): BenchLocation {
  const value = process.env.BENCH_LOCATION ?? 'forbids-duplicates';
  if (value in BENCH_LOCATIONS) return value as BenchLocation;
  throw new Error(`BENCH_LOCATION must be one of ${Object.keys(BENCH_LOCATIONS).join(', ')}; it is ${value}`);
}

function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

await main();
