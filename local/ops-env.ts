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
import { loadLocalSettings } from './config.js';

/** The secret ids the local stack writes to its secrets file (local/stack.ts LOCAL_SECRET_IDS). */
export interface LocalSecretIds {
  ghl: string;
  relatel: string;
}

/** The settings that say where the stack listens; the GHL and Relatel ones mean other things to the commands. */
const PORT_VARIABLES = ['PORT', 'LOCAL_SQS_PORT', 'LOCAL_DYNAMODB_PORT', 'GHL_SIMULATOR_PORT', 'RELATEL_SIMULATOR_PORT'] as const;

/**
 * A GHL_BASE_URL or RELATEL_API_BASE_URL in the environment names the API the stack was started
 * with (a real one, with its token in the secrets file) and is kept; without one, the stack runs
 * the simulator and the commands are pointed at it. GHL_TOKEN is not needed: the commands read
 * the token from the secrets file.
 */
export function localStackOpsEnv(secretsFile: string, secretIds: LocalSecretIds, env: Record<string, string | undefined>): Record<string, string> {
  const ports = loadLocalSettings(Object.fromEntries(PORT_VARIABLES.map((name) => [name, env[name]])));
  // Given no GHL or Relatel API, the settings name both simulators.
  const ghlPort = ports.ghl.kind === 'simulator' ? ports.ghl.port : undefined;
  const relatelPort = ports.relatel.kind === 'simulator' ? ports.relatel.port : undefined;
  const host = `http://${LOCAL_AWS_HOST}`;
  const defaults: Record<string, string> = {
    AWS_ENDPOINT_URL_SQS: `${host}:${ports.sqsPort}`,
    AWS_ENDPOINT_URL_DYNAMODB: `${host}:${ports.dynamoPort}`,
    LOCAL_SECRETS_FILE: secretsFile,
    GHL_SECRET_ID: secretIds.ghl,
    ...(!env.GHL_BASE_URL && {
      GHL_BASE_URL: `${host}:${ghlPort}`,
      GHL_LOCATION_ID: GHL_SIMULATOR_DEFAULTS.locationId,
    }),
    // A direct RELATEL_API_TOKEN (a real Relatel, as npm start was given it) needs no secret.
    ...(!env.RELATEL_API_TOKEN && { RELATEL_SECRET_ID: secretIds.relatel }),
    ...(!env.RELATEL_API_BASE_URL && { RELATEL_API_BASE_URL: `${host}:${relatelPort}/api/v2` }),
  };
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => !env[name]));
}
