/**
 * The one loader for runtime configuration. Each function declares the settings it needs as a
 * zod/mini schema over the environment and calls `loadConfig` once at cold start: a missing or
 * malformed setting fails the cold start with a message that names the variable and says what
 * it expects, instead of failing later, per request, in a confusing way.
 *
 * Settings of different functions live side by side below so a reader sees them all at once.
 */
import * as z from 'zod/mini';
import { DEFAULT_CHILD_FETCH_GRACE_MS, DEFAULT_MAX_RECEIVE_COUNT, DEFAULT_RETRY_HORIZON_MS, deadLetterQueueUrlEnvVar, ENTITIES, queueUrlEnvVar, type QueueOwner } from './entities.js';
import { DEFAULT_GHL_HEALTH_SETTINGS } from './ghl/circuit-breaker.js';
import { DEFAULT_RATE_BUDGET } from './rate-budget.js';

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
    // zod leaves `issue.input` out, so whether the variable was set is read from the environment.
    return `  ${name}: ${describeIssue(issue, issue.path.length === 1 && env[String(issue.path[0])] !== undefined)}`;
  });
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

function describeIssue(issue: z.core.$ZodIssue, isSet: boolean): string {
  if (issue.code === 'invalid_type' && !isSet) return `is required (${issue.expected})`;
  if (issue.code === 'invalid_type') return `must be a ${issue.expected}`;
  if (issue.code === 'invalid_format') return `must be a valid ${issue.format}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'too_small') return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}`;
  return issue.message;
}

const nonEmpty = () => z.string().check(z.minLength(1));
const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const nonNegativeInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.nonnegative()), fallback);

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
  /**
   * How long after the current signing secret version was created the previous one
   * (AWSPREVIOUS) is still accepted: Relatel's switch-over time. 0 refuses it at once.
   */
  PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: nonNegativeInt(86_400),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export function queueUrlOf(config: Record<string, unknown>, entity: QueueOwner): string {
  return requiredUrl(config, queueUrlEnvVar(entity));
}

/** The URL of an entity's (or flow's) dead-letter queue, from `DLQ_URL_<OWNER>`. */
export function deadLetterQueueUrlOf(config: Record<string, unknown>, owner: QueueOwner): string {
  return requiredUrl(config, deadLetterQueueUrlEnvVar(owner));
}

function requiredUrl(config: Record<string, unknown>, name: string): string {
  const url = config[name];
  if (typeof url !== 'string') throw new ConfigError(`${name} is required`);
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
  GHL_RATE_LIMIT_REQUESTS: positiveInt(DEFAULT_RATE_BUDGET.requests),
  GHL_RATE_LIMIT_INTERVAL_MS: positiveInt(DEFAULT_RATE_BUDGET.intervalMs),
  /** How long the credentials are served from memory before Secrets Manager is read again. */
  GHL_CREDENTIALS_TTL_MS: positiveInt(300_000),
  /**
   * The shared GHL circuit breaker (docs/GHL-CLIENT.md, "One GHL health state"): this many 5xx,
   * timeouts or lost connections with no success between them, within the window, open it; an
   * open circuit lets one probe through per probe interval.
   */
  GHL_CIRCUIT_FAILURE_THRESHOLD: positiveInt(DEFAULT_GHL_HEALTH_SETTINGS.failureThreshold),
  GHL_CIRCUIT_FAILURE_WINDOW_MS: positiveInt(DEFAULT_GHL_HEALTH_SETTINGS.failureWindowMs),
  GHL_CIRCUIT_PROBE_INTERVAL_MS: positiveInt(DEFAULT_GHL_HEALTH_SETTINGS.probeIntervalMs),
});
export type GhlClientConfig = z.infer<typeof ghlClientConfigSchema>;

/** Settings of the four consumers (functions/<entity>/handler.ts), on top of the GHL client's. */
export const consumerConfigSchema = z.object({
  ...ghlClientConfigSchema.shape,
  /** Which entity this consumer syncs: its queue and DLQ URLs are read by that name. */
  ENTITY: z.enum(ENTITIES),
  ...Object.fromEntries(ENTITIES.map((entity) => [queueUrlEnvVar(entity), z.optional(z.url())])),
  ...Object.fromEntries(ENTITIES.map((entity) => [deadLetterQueueUrlEnvVar(entity), z.optional(z.url())])),
  SYNC_TABLE_NAME: nonEmpty(),
  /** The queue's redrive maxReceiveCount: a transient failure on that receive is parked with its reason. */
  MAX_RECEIVE_COUNT: positiveInt(DEFAULT_MAX_RECEIVE_COUNT),
  /** How long a transiently failing record is retried before it is parked (lib/sync/retry-horizon.ts). */
  RETRY_HORIZON_MS: positiveInt(DEFAULT_RETRY_HORIZON_MS),
  /** `on` where the GHL -> Relatel flow is deployed: the contacts consumer reads and writes its links. */
  GHL_CONTACT_LINKS: z.optional(z.enum(['on'])),
  /** How long a create claim blocks other workers; must exceed the consumer's timeout. */
  CREATE_LEASE_MS: positiveInt(600_000),
  /** How long a child waits for an unknown contact's webhook before reading it from Relatel; 0: at once. */
  CHILD_FETCH_GRACE_MS: nonNegativeInt(DEFAULT_CHILD_FETCH_GRACE_MS),
  /** Relatel API token secret, for hydrating thin payloads; without it thin contact events are parked. */
  RELATEL_SECRET_ID: z.optional(nonEmpty()),
  RELATEL_API_BASE_URL: z._default(z.url(), 'https://app.relatel.dk/api/v2'),
  /** Mapping configuration as JSON (docs/MAPPING.md); empty means all defaults. */
  MAPPING_CONFIG: z.optional(z.string()),
  /** GHL calendar for appointments; overrides the mapping configuration's appointments.calendarId. */
  GHL_CALENDAR_ID: z.optional(nonEmpty()),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type ConsumerConfig = z.infer<typeof consumerConfigSchema>;

/** The source queue and DLQ URLs of a consumer's entity, with a clear error when one is missing. */
export function consumerQueueUrls(config: ConsumerConfig): { queueUrl: string; deadLetterQueueUrl: string } {
  const read = (name: string) => {
    const url = (config as Record<string, unknown>)[name];
    if (typeof url !== 'string') throw new ConfigError(`Invalid configuration:\n  ${name}: is required (string)`);
    return url;
  };
  return { queueUrl: read(queueUrlEnvVar(config.ENTITY)), deadLetterQueueUrl: read(deadLetterQueueUrlEnvVar(config.ENTITY)) };
}

/** Settings of the scheduled reconciliation (functions/reconcile): a backfill onto the contacts queue. */
export const reconcileConfigSchema = z.object({
  ...({ [queueUrlEnvVar('contacts')]: z.url() } as Record<string, z.ZodMiniURL>),
  SYNC_TABLE_NAME: nonEmpty(),
  RELATEL_SECRET_ID: nonEmpty(),
  RELATEL_API_BASE_URL: z._default(z.url(), 'https://app.relatel.dk/api/v2'),
  /** Contacts enqueued per second, at most. */
  BACKFILL_RATE_PER_SECOND: positiveInt(5),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type ReconcileConfig = z.infer<typeof reconcileConfigSchema>;

/** `QUEUE_URL_GHL_CONTACTS` and `DLQ_URL_GHL_CONTACTS`, named by lib/entities.ts. */
const ghlContactsQueueUrl = { [queueUrlEnvVar('ghl-contacts')]: z.url() } as Record<string, z.ZodMiniURL>;
const ghlContactsDeadLetterQueueUrl = { [deadLetterQueueUrlEnvVar('ghl-contacts')]: z.url() } as Record<string, z.ZodMiniURL>;

/**
 * Settings of the GHL door (functions/ghl-webhook, `POST /webhooks/ghl`). Names and meaning:
 * docs/WEBHOOKS.md#signatures-and-keys. The public keys are PEM text (several per scheme during
 * a rotation), parsed once at cold start by loadGhlWebhookKeys.
 */
export const ghlWebhookConfigSchema = z.object({
  ...ghlContactsQueueUrl,
  /** The deployment's GHL location: webhooks of any other location are answered 202 and dropped. */
  GHL_LOCATION_ID: nonEmpty(),
  /** Ed25519 public keys (x-ghl-signature); absent: GHL's published key; `none`: Ed25519 signatures refused. */
  GHL_WEBHOOK_ED25519_PUBLIC_KEYS: z.optional(z.string()),
  /** RSA public keys (x-wh-signature); absent: GHL's published key; `none`: legacy signatures refused. */
  GHL_WEBHOOK_RSA_PUBLIC_KEYS: z.optional(z.string()),
  /** The replay window on the payload's `timestamp`, seconds either way. */
  GHL_WEBHOOK_TOLERANCE_SECONDS: positiveInt(300),
  /** Secrets Manager id of the workflow webhooks' shared secret; absent: workflow webhooks are refused. */
  GHL_WORKFLOW_SECRET_ID: z.optional(nonEmpty()),
  /** How long after a rotation the previous workflow secret (AWSPREVIOUS) is still accepted. */
  GHL_WORKFLOW_SECRET_GRACE_SECONDS: nonNegativeInt(86_400),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type GhlWebhookConfig = z.infer<typeof ghlWebhookConfigSchema>;

/**
 * Settings of the GHL catch-up (functions/ghl-catch-up): GHL contacts changed since its last run
 * -> the ghl-contacts queue, for those the links do not reflect (lib/reverse/catch-up.ts).
 */
export const ghlCatchUpConfigSchema = z.object({
  ...ghlClientConfigSchema.shape,
  ...ghlContactsQueueUrl,
  SYNC_TABLE_NAME: nonEmpty(),
  /** The events' location (the door checks webhooks against the same one). */
  GHL_LOCATION_ID: nonEmpty(),
  /** Events queued per second, at most. */
  CATCH_UP_RATE_PER_SECOND: positiveInt(5),
  /**
   * Hours between deletion sweeps (lib/reverse/deletion-sweep-schedule.ts): a walk of every GHL
   * contact's id and a Scan of the sync table, to catch deletes whose webhook was lost. 0 = off.
   */
  GHL_DELETION_SWEEP_INTERVAL_HOURS: nonNegativeInt(24),
  /** Mapping configuration as JSON (docs/MAPPING.md): `defaultCountry`, `relatel.onlyWithTag`. */
  MAPPING_CONFIG: z.optional(z.string()),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type GhlCatchUpConfig = z.infer<typeof ghlCatchUpConfigSchema>;

/**
 * Settings of the Relatel writer (functions/relatel-writer): the ghl-contacts queue -> Relatel.
 * Relatel documents no rate limit: the writer keeps its own small budget (default 5 requests a
 * second), shared by its invocations through the sync-state table like GHL's.
 */
export const relatelWriterConfigSchema = z.object({
  ...ghlContactsQueueUrl,
  ...ghlContactsDeadLetterQueueUrl,
  SYNC_TABLE_NAME: nonEmpty(),
  /** The Relatel API token secret: it needs write access to contacts. */
  RELATEL_SECRET_ID: nonEmpty(),
  RELATEL_API_BASE_URL: z._default(z.url(), 'https://app.relatel.dk/api/v2'),
  RELATEL_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  RELATEL_RATE_LIMIT_REQUESTS: positiveInt(5),
  RELATEL_RATE_LIMIT_INTERVAL_MS: positiveInt(1_000),
  MAX_RECEIVE_COUNT: positiveInt(DEFAULT_MAX_RECEIVE_COUNT),
  RETRY_HORIZON_MS: positiveInt(DEFAULT_RETRY_HORIZON_MS),
  /** Mapping configuration as JSON (docs/MAPPING.md): `defaultCountry`, `relatel.onlyWithTag`. */
  MAPPING_CONFIG: z.optional(z.string()),
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
});
export type RelatelWriterConfig = z.infer<typeof relatelWriterConfigSchema>;
