/**
 * The one loader for runtime configuration. Each function declares the settings it needs as a
 * zod/mini schema over the environment and calls `loadConfig` once at cold start: a missing or
 * malformed setting fails the cold start with a message that names the variable and says what
 * it expects, instead of failing later, per request, in a confusing way.
 *
 * Settings of different functions live side by side below so a reader sees them all at once.
 */
import * as z from 'zod/mini';
import { ENTITIES, queueUrlEnvVar, type Entity } from './entities.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig<S extends z.ZodMiniType>(schema: S, env: Env = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    // Values are never echoed: they may be secrets.
    return `  ${name}: ${describeIssue(issue)}`;
  });
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  if (issue.code === 'invalid_type') return `must be a ${issue.expected}`;
  if (issue.code === 'invalid_format') return `must be a valid ${issue.format}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'too_small') return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  return issue.message;
}

const nonEmpty = () => z.string().check(z.minLength(1));
const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

/** `QUEUE_URL_CONTACTS`, `QUEUE_URL_TASKS`, ...: one per entity, from lib/entities.ts. */
const queueUrls = Object.fromEntries(ENTITIES.map((entity) => [queueUrlEnvVar(entity), z.url()])) as Record<
  string,
  z.ZodMiniURL
>;

export const webhookConfigSchema = z.object({
  ...queueUrls,
  /** Secrets Manager id (or local name) of the Relatel webhook signing secret. */
  WEBHOOK_SECRET_ID: nonEmpty(),
  /** Accepted clock skew between Relatel's signature timestamp and ours. */
  SIGNATURE_TOLERANCE_SECONDS: positiveInt(300),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export function queueUrlOf(config: Record<string, unknown>, entity: Entity): string {
  const url = config[queueUrlEnvVar(entity)];
  if (typeof url !== 'string') throw new ConfigError(`${queueUrlEnvVar(entity)} is required`);
  return url;
}

/**
 * Settings of the GHL client (lib/ghl/), read by every consumer. Spread `.shape` into a
 * function's own schema. The rate budget is shared by all consumers of one location; keep it
 * under GHL's 100 requests per 10 s (docs/GHL-CLIENT.md explains the headroom).
 */
export const ghlClientConfigSchema = z.object({
  GHL_BASE_URL: z._default(z.url(), 'https://services.leadconnectorhq.com'),
  /** Secrets Manager id of the GHL credentials (`{type:"pit",...}` or `{type:"oauth",...}`). */
  GHL_SECRET_ID: nonEmpty(),
  GHL_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  GHL_RATE_LIMIT_REQUESTS: positiveInt(90),
  GHL_RATE_LIMIT_INTERVAL_MS: positiveInt(10_000),
  /** How long the credentials are served from memory before Secrets Manager is read again. */
  GHL_CREDENTIALS_TTL_MS: positiveInt(300_000),
});
export type GhlClientConfig = z.infer<typeof ghlClientConfigSchema>;
