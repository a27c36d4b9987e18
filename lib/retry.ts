/**
 * The one retry policy: exponential backoff with full jitter, capped. Used for in-process
 * retries of transient GHL errors and for the visibility timeout a failed SQS record gets.
 */
export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Delay before retry number `attempt` (1 = first retry). Full jitter spreads concurrent
 * Lambdas that failed together so they do not hammer GHL in lockstep.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Whether an error is worth another attempt. */
  shouldRetry: (error: unknown) => boolean;
  /** A wait the failure itself asked for (e.g. a rate-limit interval) wins over backoff. */
  delayHintMs?: (error: unknown) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !options.shouldRetry(error)) throw error;
      const delay = options.delayHintMs?.(error) ?? backoffDelayMs(attempt, policy, options.random);
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
