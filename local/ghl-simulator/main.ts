/**
 * Runs the GHL simulator on its own:
 *   npx tsx local/ghl-simulator/main.ts --port 4010 [--token T] [--location-id L] [--calendar-id C]
 *     [--seed N] [--server-error-rate 0.2] [--rate-limit-rate 0.1] [--timeout-rate 0.05]
 *     [--slow-rate 0.1 --slow-ms 2000] [--after-write-error-rate 0.05] [--after-write-timeout-rate 0]
 *     [--rate-limit-max 100] [--rate-limit-interval-ms 10000] [--daily-limit 200000] [--allow-duplicates]
 * Steer it at run time through http://127.0.0.1:<port>/__sim/ (see admin.ts).
 */
import { parseArgs } from 'node:util';
import { GHL_SIMULATOR_DEFAULTS, startGhlSimulator, type FaultSettings, type RateLimitSettings } from './index.js';

function readArgs() {
  return parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: GHL_SIMULATOR_DEFAULTS.host },
      token: { type: 'string', multiple: true },
      'location-id': { type: 'string' },
      'calendar-id': { type: 'string', multiple: true },
      seed: { type: 'string' },
      'allow-duplicates': { type: 'boolean', default: false },
      'server-error-rate': { type: 'string' },
      'rate-limit-rate': { type: 'string' },
      'timeout-rate': { type: 'string' },
      'timeout-mode': { type: 'string' },
      'slow-rate': { type: 'string' },
      'slow-ms': { type: 'string' },
      'after-write-error-rate': { type: 'string' },
      'after-write-timeout-rate': { type: 'string' },
      'rate-limit-max': { type: 'string' },
      'rate-limit-interval-ms': { type: 'string' },
      'daily-limit': { type: 'string' },
    },
    strict: true,
  }).values;
}

type Args = ReturnType<typeof readArgs>;
let values = {} as Args;

function numberOf(flag: keyof Args): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (typeof raw !== 'string' || Number.isNaN(parsed)) throw new RangeError(`--${flag} must be a number`);
  return parsed;
}

function defined<T extends object>(entries: T): Partial<T> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<T>;
}

async function main(): Promise<void> {
  values = readArgs();
  const faults = defined<Partial<FaultSettings>>({
    serverErrorRate: numberOf('server-error-rate'),
    rateLimitRate: numberOf('rate-limit-rate'),
    timeoutRate: numberOf('timeout-rate'),
    timeoutMode: values['timeout-mode'] as FaultSettings['timeoutMode'] | undefined,
    slowRate: numberOf('slow-rate'),
    slowMs: numberOf('slow-ms'),
    afterWriteServerErrorRate: numberOf('after-write-error-rate'),
    afterWriteTimeoutRate: numberOf('after-write-timeout-rate'),
  });
  const rateLimit = defined<Partial<RateLimitSettings>>({
    maxPerInterval: numberOf('rate-limit-max'),
    intervalMs: numberOf('rate-limit-interval-ms'),
    dailyLimit: numberOf('daily-limit'),
  });
  const sim = await startGhlSimulator({
    port: numberOf('port') ?? 0,
    host: values.host,
    ...(values.token ? { tokens: values.token } : {}),
    ...(values['location-id'] ? { locationId: values['location-id'] } : {}),
    ...(values['calendar-id'] ? { calendarIds: values['calendar-id'] } : {}),
    ...(values.seed !== undefined ? { seed: numberOf('seed') } : {}),
    allowDuplicates: values['allow-duplicates'],
    faults,
    rateLimit,
  });
  console.log(`GHL simulator listening on ${sim.url}`);
  console.log(`  location ${sim.locationId}, calendar ${sim.calendarIds.join(', ')}, ${sim.tokens.length} token(s) accepted`);
  console.log(`  state and controls: ${sim.url}/__sim/state`);

  const shutdown = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') console.error(`GHL simulator: port ${values.port ?? ''} is already in use (choose another with --port)`);
  else console.error(`GHL simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
