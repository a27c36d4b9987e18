/**
 * The local stack's settings, from the environment (docs/LOCAL-STACK.md lists them): where the
 * webhook listens, which GHL to write to (the simulator unless a real sub-account is named),
 * the webhook signing secret, and which Relatel API the consumers read from (the Relatel
 * simulator unless a real one is named). `npm start`,
 * `npm run send` and `npm run status` all read them here, so they agree on ports and secrets.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { ConfigError, loadConfig } from '../lib/config.js';
import { DEFAULT_DYNAMODB_PORT, DEFAULT_SQS_PORT } from './aws/local-aws.js';

export const DEFAULT_WEBHOOK_PORT = 3000;
export const DEFAULT_SIMULATOR_PORT = 4010;
export const DEFAULT_RELATEL_SIMULATOR_PORT = 4020;
export const DEFAULT_WEBHOOK_SECRET = 'local-dev-secret';
export const WEBHOOK_PATH = '/webhooks/relatel';

/** `.local/` at the repository root (gitignored): a running stack's secrets file and GHL test key. */
export const LOCAL_STATE_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)), '.local');

/**
 * Where the stack on this webhook port keeps its secrets file and GHL test key, and where `send`
 * and the `--local` commands find them: `.local/` on the default port, `.local/port-<PORT>/` on
 * another, so a second stack started on other ports (docs/LOCAL-STACK.md) neither overwrites the
 * first one's files nor removes them when it stops.
 */
export function localStateDir(webhookPort: number, root = LOCAL_STATE_ROOT): string {
  return webhookPort === DEFAULT_WEBHOOK_PORT ? root : join(root, `port-${webhookPort}`);
}

const nonEmpty = () => z.string().check(z.minLength(1));
const port = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(65_535)), fallback);

export const localStackSettingsSchema = z.object({
  /** The webhook's HTTP port (0 picks a free one). */
  PORT: port(DEFAULT_WEBHOOK_PORT),
  /** A real GHL: both set, or neither (then the simulator runs). */
  GHL_BASE_URL: z.optional(z.url()),
  /** A Private Integration Token of that sub-account. */
  GHL_TOKEN: z.optional(nonEmpty()),
  /** The sub-account (location) id; required with a real GHL. */
  GHL_LOCATION_ID: z.optional(nonEmpty()),
  /** The calendar appointments are booked in; the simulator's own when unset. */
  GHL_CALENDAR_ID: z.optional(nonEmpty()),
  RELATEL_WEBHOOK_SECRET: z._default(nonEmpty(), DEFAULT_WEBHOOK_SECRET),
  /** A real Relatel API: both set, or neither (then the Relatel simulator runs). */
  RELATEL_API_BASE_URL: z.optional(z.url()),
  /** A token of that Relatel account, for hydrating events that carry only a contact id. */
  RELATEL_API_TOKEN: z.optional(nonEmpty()),
  LOCAL_SQS_PORT: port(DEFAULT_SQS_PORT),
  LOCAL_DYNAMODB_PORT: port(DEFAULT_DYNAMODB_PORT),
  GHL_SIMULATOR_PORT: port(DEFAULT_SIMULATOR_PORT),
  RELATEL_SIMULATOR_PORT: port(DEFAULT_RELATEL_SIMULATOR_PORT),
});

export type GhlTarget =
  | { kind: 'simulator'; port: number; calendarId?: string }
  | { kind: 'real'; baseUrl: string; token: string; locationId: string; calendarId?: string };

/** Where the consumers read Relatel contacts; `off` (tests only) runs without a Relatel API, as a deployment without a token. */
export type RelatelTarget = { kind: 'simulator'; port: number } | { kind: 'real'; baseUrl: string; token: string } | { kind: 'off' };

export interface LocalSettings {
  webhookPort: number;
  sqsPort: number;
  dynamoPort: number;
  ghl: GhlTarget;
  webhookSecret: string;
  relatel: RelatelTarget;
}

/** Reads and checks the settings; a ConfigError names what is missing or malformed (never a value). */
export function loadLocalSettings(env: Record<string, string | undefined> = process.env): LocalSettings {
  // An exported-but-empty variable means "not set", as in most shells' habits.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const raw = loadConfig(localStackSettingsSchema, present);
  return {
    webhookPort: raw.PORT,
    sqsPort: raw.LOCAL_SQS_PORT,
    dynamoPort: raw.LOCAL_DYNAMODB_PORT,
    ghl: ghlTargetOf(raw),
    webhookSecret: raw.RELATEL_WEBHOOK_SECRET,
    relatel: relatelTargetOf(raw),
  };
}

function relatelTargetOf(raw: z.infer<typeof localStackSettingsSchema>): RelatelTarget {
  const { RELATEL_API_BASE_URL: baseUrl, RELATEL_API_TOKEN: token } = raw;
  if (baseUrl === undefined && token === undefined) return { kind: 'simulator', port: raw.RELATEL_SIMULATOR_PORT };
  if (baseUrl !== undefined && token !== undefined) return { kind: 'real', baseUrl, token };
  // One without the other would silently send a real token to the simulator, or no token to Relatel.
  const missing =
    baseUrl === undefined
      ? '  RELATEL_API_BASE_URL: is required with RELATEL_API_TOKEN (e.g. https://app.relatel.dk/api/v2)'
      : '  RELATEL_API_TOKEN: is required with RELATEL_API_BASE_URL (a Relatel API token of that account)';
  throw new ConfigError(`Invalid configuration:\n${missing}\n  Unset RELATEL_API_BASE_URL and RELATEL_API_TOKEN to use the Relatel simulator instead.`);
}

function ghlTargetOf(raw: z.infer<typeof localStackSettingsSchema>): GhlTarget {
  const calendar = raw.GHL_CALENDAR_ID === undefined ? {} : { calendarId: raw.GHL_CALENDAR_ID };
  if (raw.GHL_BASE_URL === undefined && raw.GHL_TOKEN === undefined) {
    return { kind: 'simulator', port: raw.GHL_SIMULATOR_PORT, ...calendar };
  }
  const missing = [
    raw.GHL_BASE_URL === undefined && '  GHL_BASE_URL: is required with GHL_TOKEN (e.g. https://services.leadconnectorhq.com)',
    raw.GHL_TOKEN === undefined && '  GHL_TOKEN: is required with GHL_BASE_URL (a Private Integration Token of the sub-account)',
    raw.GHL_LOCATION_ID === undefined && '  GHL_LOCATION_ID: is required with a real GHL (the sub-account id)',
  ].filter((line): line is string => typeof line === 'string');
  if (missing.length > 0 || raw.GHL_BASE_URL === undefined || raw.GHL_TOKEN === undefined || raw.GHL_LOCATION_ID === undefined) {
    throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}\n  Unset GHL_BASE_URL and GHL_TOKEN to use the GHL simulator instead.`);
  }
  return { kind: 'real', baseUrl: raw.GHL_BASE_URL, token: raw.GHL_TOKEN, locationId: raw.GHL_LOCATION_ID, ...calendar };
}

/**
 * The AWS SDK warns on every start that its 2027 releases need Node 22; the Lambdas already run
 * nodejs22.x, and on a developer's Node 20 the warning only buries the local tools' output.
 */
export function hideAwsSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
