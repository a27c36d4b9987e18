/**
 * Benchmark 2: cold start. Every Lambda the stack deploys (found in the synthesised stack with
 * every optional part on: the GHL -> Relatel flow, the reconciliation, the GHL catch-up) is
 * bundled exactly as the CDK build bundles it (the settings of infra/lambda-bundling.ts), then
 * measured: minified size, the largest packages in it (esbuild's metafile), and the time a fresh
 * Node process takes to import it with the environment the stack gives it (references to other
 * resources replaced by dummy values: nothing is called at import), median of 10.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { build, type Metafile } from 'esbuild';
import { loadInfraConfig } from '../infra/config.js';
import { esbuildOptionsFor } from '../infra/lambda-bundling.js';
import { handlerEntry, SyncFunction } from '../infra/constructs/sync-function.js';
import { RelatelGhlSyncStack } from '../infra/stack.js';
import { median, round } from './stats.js';

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

/** What every Lambda needs at import and no stack sets (the Lambda runtime's own variables). */
const RUNTIME_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'dummy',
  AWS_SECRET_ACCESS_KEY: 'dummy',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
};

export interface DeployedLambda {
  /** Its folder under functions/. */
  readonly name: string;
  /** Its environment as the stack sets it, each reference to another resource a dummy string. */
  readonly environment: Record<string, string>;
}

/**
 * Every Lambda of the stack, synthesised with cdk.json's settings and every optional part
 * deployed, so a new function is measured without anyone remembering to list it here.
 */
export function deployedLambdas(): DeployedLambda[] {
  const context = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
  const app = new App({
    context: { ...context, reconcileEnabled: 'true', ghlCatchUpEnabled: 'true', ghlLocationId: 'bench-location', 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new RelatelGhlSyncStack(app, 'Bench', { config: loadInfraConfig(app.node) });
  return stack.node
    .findAll()
    .filter((construct): construct is SyncFunction => construct instanceof SyncFunction)
    .map((fn) => {
      const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
      const variables = (Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : dummyFor(key)]),
      );
      return { name: fn.name, environment };
    });
}

/** A plausible value for a variable whose value is a reference (a queue URL, a table, a secret). */
function dummyFor(key: string): string {
  if (/^(QUEUE|DLQ)_URL_/.test(key)) return `https://sqs.eu-west-1.amazonaws.com/123456789012/${key.toLowerCase()}.fifo`;
  if (key.includes('SECRET')) return `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${key.toLowerCase()}`;
  return `bench-${key.toLowerCase()}`;
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

function importTimes(file: string, environment: Record<string, string>, runs: number): { importMs: number[]; processMs: number[] } {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const importMs: number[] = [];
  const processMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...RUNTIME_ENV, ...environment },
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
  for (const { name, environment } of deployedLambdas()) {
    const outfile = path.join(outDir, name, 'index.mjs');
    mkdirSync(path.dirname(outfile), { recursive: true });
    const { metafile } = await build({ ...esbuildOptionsFor(handlerEntry(name), outfile), metafile: true });
    const times = importTimes(outfile, environment, runs);
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
