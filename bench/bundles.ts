/**
 * Benchmark 2: cold start. Each Lambda is bundled exactly as the CDK build bundles it (the
 * settings of infra/lambda-bundling.ts), then measured: minified size, the largest packages in
 * it (esbuild's metafile), and the time a fresh Node process takes to import it with the
 * environment the handler needs (dummy values: nothing is called at import), median of 10.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ENTITIES, deadLetterQueueUrlEnvVar, queueUrlEnvVar } from '../lib/entities.js';
import { esbuildOptionsFor } from '../infra/lambda-bundling.js';
import { handlerEntry } from '../infra/constructs/sync-function.js';
import { median, round } from './stats.js';

export const LAMBDAS = ['webhook', ...ENTITIES] as const;

export interface BundleResult {
  readonly name: string;
  readonly bytes: number;
  /** Median of the fresh-process import times, milliseconds. */
  readonly importMs: number;
  /** Median wall time of the whole `node` process that imports it, milliseconds. */
  readonly processMs: number;
  /** Output bytes per package (node_modules/<package>, or `(project)`), largest first. */
  readonly contributors: readonly { readonly source: string; readonly bytes: number }[];
}

/** What each handler reads from its environment at cold start, as harmless dummy values. */
export function dummyLambdaEnv(): Record<string, string> {
  const queue = (name: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`;
  return {
    ...Object.fromEntries(ENTITIES.map((entity) => [queueUrlEnvVar(entity), queue(`${entity}.fifo`)])),
    ...Object.fromEntries(ENTITIES.map((entity) => [deadLetterQueueUrlEnvVar(entity), queue(`${entity}-dlq.fifo`)])),
    WEBHOOK_SECRET_ID: 'relatel-ghl-sync/webhook-signing-secret',
    GHL_SECRET_ID: 'relatel-ghl-sync/ghl-credentials',
    SYNC_TABLE_NAME: 'relatel-ghl-sync-state',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'RelatelGhlSync',
  };
}

/** Output bytes of the bundle grouped by the package they came from. */
export function contributorsOf(metafile: Metafile): { source: string; bytes: number }[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(input.lastIndexOf('node_modules/')));
      const source = match?.[1] ?? '(project)';
      bytes.set(source, (bytes.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes].map(([source, size]) => ({ source, bytes: size })).sort((a, b) => b.bytes - a.bytes);
}

function importTimes(file: string, runs: number): { importMs: number[]; processMs: number[] } {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const importMs: number[] = [];
  const processMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...dummyLambdaEnv() },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processMs.push(performance.now() - started);
    importMs.push(Number(output));
  }
  return { importMs, processMs };
}

export async function runBundleBench(options: { runs?: number; outDir?: string } = {}): Promise<BundleResult[]> {
  const runs = options.runs ?? 10;
  const outDir = options.outDir ?? path.join(tmpdir(), 'relatel-ghl-sync-bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  const results: BundleResult[] = [];
  for (const name of LAMBDAS) {
    const outfile = path.join(outDir, name, 'index.mjs');
    mkdirSync(path.dirname(outfile), { recursive: true });
    const { metafile } = await build({ ...esbuildOptionsFor(handlerEntry(name), outfile), metafile: true });
    const times = importTimes(outfile, runs);
    results.push({
      name,
      bytes: statSync(outfile).size,
      importMs: round(median(times.importMs), 1),
      processMs: round(median(times.processMs), 1),
      contributors: contributorsOf(metafile),
    });
  }
  return results;
}
