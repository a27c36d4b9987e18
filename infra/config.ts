/**
 * Deployment configuration: the `context` of cdk.json (or `-c key=value` on the command line),
 * validated once at synth time. A wrong value fails `cdk synth` with a message that names the
 * key and says what it expects, instead of deploying something subtly broken.
 *
 * Values given with `-c` arrive as strings, so numbers, booleans and the mapping JSON are
 * accepted both as their JSON type and as a string.
 */
import { z } from 'zod';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_MAX_RECEIVE_COUNT, DEFAULT_RESOURCE_PREFIX, DEFAULT_RETRY_HORIZON_MS } from '../lib/entities.js';
import { DEFAULT_GHL_HEALTH_SETTINGS } from '../lib/ghl/circuit-breaker.js';

export class InfraConfigError extends Error {
  override name = 'InfraConfigError';
}

/** An integer given as a number (cdk.json) or a string of digits (`-c key=8`). */
const int = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number().int().min(min).max(max),
  );

/** CloudWatch Logs accepts only a fixed set of retention periods. */
const RETENTION_CHOICES = Object.values(RetentionDays).filter(
  (v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE,
);
const retentionDays = int(1, 3653).refine((v) => RETENTION_CHOICES.includes(v as RetentionDays), {
  message: `must be one of ${RETENTION_CHOICES.join(', ')}`,
});

/** Field mapping for the consumers; its shape is validated by the consumers' own schema at cold start. */
const mappingJson = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // left as a string, so the object check below reports it
  }
}, z.record(z.string(), z.unknown(), { error: 'must be a JSON object (or a string holding one)' }));

/** Lambda allows 4 KB for all environment variables of a function together. */
const MAX_MAPPING_JSON_BYTES = 3_000;

export const infraConfigSchema = z.object({
  /** Distinguishes deployments (stack name); lower-case letters, digits and dashes. */
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1-20 lower-case letters, digits or dashes, starting with a letter')
    .default('prod'),
  /** Prefix of queue, table and secret names (lib/entities.ts builds the names from it). */
  resourcePrefix: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, dashes or underscores')
    .default(DEFAULT_RESOURCE_PREFIX),
  /** Receives of a message before SQS moves it to the DLQ: a backstop, the retry horizon decides. */
  maxReceiveCount: int(1, 1000).default(DEFAULT_MAX_RECEIVE_COUNT),
  /** Hours a transiently failing record is retried before it is parked (below the queues' 14-day retention). */
  retryHorizonHours: int(1, 12 * 24).default(DEFAULT_RETRY_HORIZON_MS / 3_600_000),
  /** Webhook stage throttling: steady requests per second and burst. */
  apiThrottleRateLimit: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z.number().positive().max(10_000),
  ).default(50),
  apiThrottleBurstLimit: int(1, 5_000).default(100),
  /** Optional address subscribed to the alarm topic (confirm the e-mail AWS sends). */
  alarmEmail: z.email().optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  logRetentionDays: retentionDays.default(RetentionDays.ONE_MONTH),
  /** Accepted clock skew of Relatel's signature timestamp. */
  signatureToleranceSeconds: int(1, 3_600).default(300),
  /** How long after a rotation the previous signing secret is still accepted (0: not at all). */
  previousSigningSecretGraceSeconds: int(0, 30 * 86_400).default(86_400),
  webhookMemoryMb: int(128, 10_240).default(512),
  /** FIFO event sources take at most 10 records per batch. */
  consumerBatchSize: int(1, 10).default(10),
  /** Lambda's lower bound for an SQS event source's maximum concurrency is 2. */
  consumerMaxConcurrency: int(2, 1_000).default(2),
  /** The consumers' timeout; each queue's visibility timeout is 6x this (AWS's advice). */
  consumerTimeoutSeconds: int(10, 900).default(60),
  consumerMemoryMb: int(128, 10_240).default(512),
  ghlBaseUrl: z.url().default('https://services.leadconnectorhq.com'),
  relatelApiBaseUrl: z.url().default('https://app.relatel.dk/api/v2'),
  /** GHL calendar that receives appointments; appointments cannot sync without it. */
  ghlCalendarId: z.string().min(1).optional(),
  /** Budget of GHL requests per interval shared by all consumers (GHL allows 100 per 10 s). */
  ghlRateLimitRequests: int(1, 100).default(95),
  ghlRateLimitIntervalMs: int(1_000, 60_000).default(10_000),
  mapping: mappingJson.optional(),
  /** Alarm when a queue's oldest message is older than this (docs/RUNBOOK.md#queue-message-age). */
  queueAgeAlarmSeconds: int(60, 86_400).default(900),
  /** Alarm when this % of webhook requests in 5 minutes answer 5xx. */
  webhook5xxAlarmPercent: int(1, 100).default(5),
  /** Alarm when this many webhooks in 5 minutes fail the signature check. */
  signatureFailuresAlarmCount: int(1, 100_000).default(10),
  /**
   * Alarm when this % of webhook deliveries in 5 minutes are refused with a 4xx other than a
   * signature failure (Relatel changed its envelope: docs/RUNBOOK.md#webhook-refused)...
   */
  webhookRefusedAlarmPercent: int(1, 100).default(50),
  /** ...and at least this many were refused, so one malformed request in a quiet window does not page. */
  webhookRefusedAlarmMinCount: int(1, 10_000).default(3),
  /** Alarm when a consumer fails (crash, timeout) this many times in 5 minutes. */
  consumerErrorsAlarmCount: int(1, 10_000).default(3),
  /** Alarm when GHL's daily request quota left falls below this %. */
  ghlDailyQuotaAlarmPercent: int(1, 99).default(10),
  /** Alarm "GHL unavailable" when the shared GHL circuit has been open this many minutes (docs/RUNBOOK.md#ghl-unavailable). */
  ghlUnavailableAlarmMinutes: int(1, 60).default(5),
  /** The shared GHL circuit breaker (docs/GHL-CLIENT.md): failures with no success between them that open it... */
  ghlCircuitFailureThreshold: int(1, 1_000).default(DEFAULT_GHL_HEALTH_SETTINGS.failureThreshold),
  /** ...within this long of the first... */
  ghlCircuitFailureWindowMs: int(1_000, 3_600_000).default(DEFAULT_GHL_HEALTH_SETTINGS.failureWindowMs),
  /** ...and how long an open circuit waits between probes. */
  ghlCircuitProbeIntervalMs: int(1_000, 900_000).default(DEFAULT_GHL_HEALTH_SETTINGS.probeIntervalMs),
  /** The scheduled reconciliation (a backfill run by functions/reconcile) is off unless set. */
  reconcileEnabled: z
    .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'must be true or false' }))
    .default(false),
  /** EventBridge schedule of the reconciliation, in UTC. */
  reconcileSchedule: z
    .string()
    .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule expression: rate(...) or cron(...)')
    .default('cron(0 2 * * ? *)'),
  /** Contacts the reconciliation enqueues per second (the contacts consumer drains at GHL's pace). */
  reconcileRatePerSecond: int(1, 100).default(5),
  /**
   * The GHL catch-up (functions/ghl-catch-up, deployed with the GHL -> Relatel flow): reads GHL
   * contacts changed since its last run and queues what the links do not reflect. Off unless set.
   */
  ghlCatchUpEnabled: z
    .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'must be true or false' }))
    .default(false),
  /** EventBridge schedule of the GHL catch-up, in UTC. */
  ghlCatchUpSchedule: z
    .string()
    .regex(/^(rate|cron)\(.+\)$/, 'must be an EventBridge schedule expression: rate(...) or cron(...)')
    .default('rate(1 hour)'),
  /** Events the GHL catch-up queues per second (the Relatel writer drains at Relatel's pace). */
  ghlCatchUpRatePerSecond: int(1, 100).default(5),
  /**
   * Hours between the GHL catch-up's deletion sweeps (a walk of every GHL contact id and a Scan of
   * the sync table, catching GHL deletes whose webhook was lost); 0 = off. Runs only when the
   * catch-up runs.
   */
  ghlDeletionSweepIntervalHours: int(0, 8760).default(24),
  /**
   * GHL -> Relatel (lib/entities.ts GHL_FLOWS: the GHL door, its queue and the Relatel writer) is
   * deployed only when the GHL location is set: it writes into Relatel's phonebook, so it is opted into.
   */
  ghlLocationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a GHL location id').optional(),
  /** PEM Ed25519 public key(s) GHL signs app webhooks with (x-ghl-signature); absent: GHL's published key; `none`: refused. */
  ghlWebhookEd25519PublicKeys: z.string().min(1).optional(),
  /** PEM RSA public key(s) for legacy x-wh-signature; absent: GHL's published key; `none`: refused. */
  ghlWebhookRsaPublicKeys: z.string().min(1).optional(),
  /** The Relatel writer's own budget of Relatel requests per interval (Relatel documents none). */
  relatelRateLimitRequests: int(1, 1_000).default(5),
  relatelRateLimitIntervalMs: int(100, 60_000).default(1_000),
});

export type InfraConfig = z.infer<typeof infraConfigSchema>;

const KNOWN_KEYS = new Set(Object.keys(infraConfigSchema.shape));

/**
 * Validates raw context values. `raw` may hold CDK's own context (feature flags such as
 * `@aws-cdk/...`, lookups such as `availability-zones:...`); those are ignored, but a plain
 * camelCase key this schema does not know is almost always a typo and is rejected.
 */
export function parseInfraConfig(raw: Record<string, unknown>): InfraConfig {
  const unknownKeys = Object.keys(raw).filter((key) => /^[a-z][a-zA-Z0-9]*$/.test(key) && !KNOWN_KEYS.has(key));
  const problems = unknownKeys.map((key) => {
    const likely = likelyMeant(key);
    return `  ${key}: is not a known setting${likely ? `; did you mean ${likely}?` : ''} (known: ${[...KNOWN_KEYS].join(', ')})`;
  });

  const ours = Object.fromEntries(Object.entries(raw).filter(([key]) => KNOWN_KEYS.has(key)));
  const result = infraConfigSchema.safeParse(ours);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  } else if (result.data.mapping && Buffer.byteLength(JSON.stringify(result.data.mapping)) > MAX_MAPPING_JSON_BYTES) {
    problems.push(`  mapping: must serialise to at most ${MAX_MAPPING_JSON_BYTES} bytes (Lambda's environment limit is 4 KB)`);
  }
  if (problems.length > 0 || !result.success) {
    throw new InfraConfigError(
      `Invalid CDK context (cdk.json "context" or -c key=value):\n${problems.join('\n')}`,
    );
  }
  return result.data;
}

/** The known key a typo most likely meant: same letters in another case, or at most two edits away. */
function likelyMeant(key: string): string | undefined {
  let best: { known: string; distance: number } | undefined;
  for (const known of KNOWN_KEYS) {
    const distance = known.toLowerCase() === key.toLowerCase() ? 0 : editDistance(known, key);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { known, distance };
  }
  return best?.known;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Reads every context value of the app (cdk.json, cdk.context.json, -c) and validates it. */
export function loadInfraConfig(node: { getAllContext(defaults?: object): Record<string, unknown> }): InfraConfig {
  return parseInfraConfig(node.getAllContext());
}
