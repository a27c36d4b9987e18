/**
 * How every Lambda is bundled, in one place: the CDK construct (infra/constructs/sync-function.ts)
 * turns these settings into NodejsFunction bundling options, and the benchmark (bench/bundles.ts)
 * into esbuild's build API, so the bundle the benchmark measures is the one that is deployed.
 */
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const LAMBDA_BUNDLE = {
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: false,
  // Bundle the AWS SDK: one file to load is a faster cold start than resolving the runtime's
  // copy, and it pins the SDK version the tests ran against.
  external: [] as string[],
  mainFields: ['module', 'main'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  // A Lambda's credentials are in its environment: the SDK's whole default chain (SSO, STS, INI
  // files, IMDS and their nested clients) is replaced by the environment provider alone.
  alias: {
    '@aws-sdk/credential-provider-node': fileURLToPath(new URL('../lib/aws/lambda-credentials.ts', import.meta.url)),
  } as Record<string, string>,
} as const;

/** The same settings as NodejsFunction's `esbuildArgs`, for what its bundling options do not name. */
export function lambdaEsbuildArgs(): Record<string, string[]> {
  return { '--alias': Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => `${from}=${to}`) };
}

/** The same bundle through esbuild's API: `entry` to one `outfile`. */
export function esbuildOptionsFor(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLE.format,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    external: [...LAMBDA_BUNDLE.external],
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    alias: { ...LAMBDA_BUNDLE.alias },
    logLevel: 'error',
  };
}
