/**
 * What `--local` means to the operations commands (`npm run dlq`, `backfill`, `verify`): the
 * running local stack, found from the same settings `npm start` reads (local/config.ts), so the
 * commands need no variables beyond the ones the stack was started with. Without these defaults
 * a newcomer had to copy ports, secret ids and the simulators' URLs from the docs, and a
 * forgotten GHL_BASE_URL sent the simulator's token to the real GHL.
 *
 * Only unset variables are filled: anything the caller exports wins.
 */
import { GHL_SIMULATOR_DEFAULTS } from './ghl-simulator/server.js';
import { LOCAL_AWS_HOST } from './aws/local-aws.js';
import type { LocalSettings } from './config.js';

/** The secret ids the local stack writes to its secrets file (local/stack.ts LOCAL_SECRET_IDS). */
export interface LocalSecretIds {
  ghl: string;
  relatel: string;
}

export function localStackOpsEnv(
  settings: LocalSettings,
  secretsFile: string,
  secretIds: LocalSecretIds,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const host = `http://${LOCAL_AWS_HOST}`;
  const defaults: Record<string, string> = {
    AWS_ENDPOINT_URL_SQS: `${host}:${settings.sqsPort}`,
    AWS_ENDPOINT_URL_DYNAMODB: `${host}:${settings.dynamoPort}`,
    LOCAL_SECRETS_FILE: secretsFile,
    GHL_SECRET_ID: secretIds.ghl,
    GHL_LOCATION_ID: settings.ghl.kind === 'real' ? settings.ghl.locationId : GHL_SIMULATOR_DEFAULTS.locationId,
    // A real GHL's base URL is already in the environment (npm start needed it too).
    ...(settings.ghl.kind === 'simulator' && { GHL_BASE_URL: `${host}:${settings.ghl.port}` }),
    // A direct RELATEL_API_TOKEN (a real Relatel, as npm start was given it) needs no secret.
    ...(!env.RELATEL_API_TOKEN && { RELATEL_SECRET_ID: secretIds.relatel }),
    ...(settings.relatel.kind === 'simulator' && { RELATEL_API_BASE_URL: `${host}:${settings.relatel.port}/api/v2` }),
  };
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => !env[name]));
}
