/**
 * What the Lambda runtime gives a handler, for the local stack: a Context and an invocation
 * bounded by the function timeout. The SQS event source and the HTTP API adapter both invoke
 * handlers through `invokeHandler`, so a handler runs locally exactly as it is deployed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Callback, Context } from 'aws-lambda';

/** The account id local ARNs carry (fauxqs uses the same). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Any Lambda handler: async `(event, context)` (middy's), or the aws-lambda `Handler` type with
 * its optional callback (`APIGatewayProxyHandlerV2`, `SQSHandler`).
 */
export type LambdaHandler<TEvent, TResult> = (
  event: TEvent,
  context: Context,
  callback: Callback<TResult>,
) => void | TResult | Promise<TResult>;

/** The slice of a logger the runtime writes to; Powertools' Logger and console both fit. */
export interface RuntimeLogger {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface FunctionSettings {
  functionName: string;
  /** Lambda's function timeout: the handler is abandoned and the invocation fails after it. */
  timeoutMs: number;
  region: string;
  memoryLimitInMB?: number;
  accountId?: string;
}

/** Raised when a handler outlives its timeout, with Lambda's own wording. */
export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

export function createLambdaContext(settings: FunctionSettings, now: () => number = Date.now): Context {
  const deadline = now() + settings.timeoutMs;
  const accountId = settings.accountId ?? LOCAL_ACCOUNT_ID;
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name} is not supported by the local runtime: return a value or a promise`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: settings.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${settings.region}:${accountId}:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryLimitInMB ?? 256),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: `${new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/**
 * Runs a handler as the Lambda runtime would: its result is the returned promise's value or
 * what it passes to the callback; a throw or a rejection fails the invocation; so does running
 * past the timeout. Unlike Lambda, a timed-out handler cannot be frozen: it keeps running in the
 * background, and its late result is ignored. Pass the timeout the context was created with.
 */
export async function invokeHandler<TEvent, TResult>(
  handler: LambdaHandler<TEvent, TResult>,
  event: TEvent,
  context: Context,
  timeoutMs: number,
): Promise<TResult | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(timeoutMs)), timeoutMs);
  });
  const invocation = new Promise<TResult | undefined>((resolve, reject) => {
    const callback: Callback<TResult> = (error, result) => (error ? reject(toError(error)) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (isPromiseLike(returned)) returned.then(resolve, reject);
      // A synchronous non-undefined return value is the result; undefined means "wait for the callback".
      else if (returned !== undefined) resolve(returned as TResult);
    } catch (error) {
      reject(error);
    }
  });
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<never> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function toError(error: string | Error): Error {
  return typeof error === 'string' ? new Error(error) : error;
}
