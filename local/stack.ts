/**
 * The whole sync on one machine: local SQS and DynamoDB with the CDK stack's queues and table,
 * the GHL simulator (or a real GHL sub-account), the Relatel simulator (or a real Relatel API)
 * for the consumers' reads from Relatel, the real webhook handler behind a local HTTP
 * API, and one Lambda-like SQS poller per real consumer. `npm start` and the end-to-end tests
 * both run it, so what the tests prove is what a newcomer runs.
 *
 * Handlers are built through their composition roots (`buildWebhookHandler`, `buildConsumer`)
 * with the same middlewares as the Lambda modules, and given their settings as the Lambda gets
 * them from infra/ (loaded through the same schemas). Clients are built per stack rather than
 * from process.env at import, so several stacks in one process (tests) stay independent.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { buildConsumer } from '../functions/consumer-runtime.js';
import { buildWebhookHandler } from '../functions/webhook/runtime.js';
import { FileSecretStore, LOCAL_SECRETS_FILE_ENV } from '../lib/aws/secret-store-from-env.js';
import { consumerConfigSchema, loadConfig, webhookConfigSchema } from '../lib/config.js';
import { CONSUMER_ENV, DEFAULT_MAX_RECEIVE_COUNT, DEFAULT_RESOURCE_PREFIX, ENTITIES, GHL_FLOW_NAMES, type Entity } from '../lib/entities.js';
import { RELATEL_DELIVERY_ID_HEADER } from '../lib/events/signature.js';
import { createLogger, createMetrics } from '../lib/observability.js';
import type { RetryPolicy } from '../lib/retry.js';
import { outcomeLabel, type OutcomeLabel } from '../lib/sync/outcome.js';
import type { SyncedEventReport } from '../lib/sync/record-processor.js';
import { localAwsEnv, localDynamoClient, localSqsClient, PortInUseError, startLocalAws, type LocalAwsEndpoints } from './aws/local-aws.js';
import { DEFAULT_VISIBILITY_TIMEOUT_SECONDS } from './aws/resources.js';
import type { LocalSettings } from './config.js';
import { localStateDir, WEBHOOK_PATH } from './config.js';
import { GHL_SIMULATOR_DEFAULTS, startGhlSimulator, type GhlSimulator, type GhlSimulatorOptions } from './ghl-simulator/index.js';
import { RELATEL_SIMULATOR_DEFAULTS, startRelatelSimulator, type RelatelSimulator, type RelatelSimulatorOptions } from './relatel-simulator/index.js';
import { startHttpApi, startSqsEventSource, type HttpApi, type SqsEventSource, type SqsEventSourceStats } from './lambda/index.js';
import type { RelatelWriteReport } from '../lib/reverse/record-processor.js';
import {
  createGhlFlowKeys,
  formatRelatelWrite,
  ghlDoorEnv,
  ghlDoorRoute,
  GHL_WEBHOOK_PATH,
  LOCAL_GHL_WORKFLOW_SECRET_ID,
  startRelatelWriterPoller,
  type GhlFlowKeys,
} from './ghl-flow.js';

type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The secret ids the handlers read, named as infra/ names them in Secrets Manager. */
export const LOCAL_SECRET_IDS = {
  webhook: `${DEFAULT_RESOURCE_PREFIX}/webhook-signing-secret`,
  ghl: `${DEFAULT_RESOURCE_PREFIX}/ghl-credentials`,
  relatel: `${DEFAULT_RESOURCE_PREFIX}/relatel-api-token`,
} as const;

export interface LocalStackOptions {
  settings: LocalSettings;
  /**
   * AWS services already running (e.g. in another process, with the queues and table created):
   * the stack uses them and neither starts nor stops them. `queues` must then describe them.
   */
  aws?: LocalAwsEndpoints;
  /** Where the secrets file is written; a test passes its own temporary directory. */
  stateDir?: string;
  /** Queue attributes; MAX_RECEIVE_COUNT given to the consumers follows maxReceiveCount. */
  queues?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
  /** Lambda event source settings per consumer. */
  pollers?: { batchSize?: number; waitTimeSeconds?: number; concurrency?: number };
  /** Simulator settings (rate limit, faults, seed); ignored with a real GHL. */
  simulator?: Omit<GhlSimulatorOptions, 'host' | 'port' | 'tokens' | 'locationId'>;
  /** Relatel simulator settings (faults, rate limit, seed, first id); ignored with a real Relatel API. */
  relatelSimulator?: Omit<RelatelSimulatorOptions, 'host' | 'port' | 'tokens'>;
  /** Further handler settings, as infra/ would set them (e.g. GHL_REQUEST_TIMEOUT_MS, MAPPING_CONFIG). */
  handlerEnv?: Record<string, string>;
  /** Backoff between SQS redeliveries of a failed record (tests shorten it). */
  retryPolicy?: RetryPolicy;
  /** Level of the handlers' own (Powertools) logs; LOG_LEVEL or INFO when unset. */
  logLevel?: LogLevel;
  /** Every event a consumer finished (synced or skipped), with its latency. */
  onEvent?: (event: ProcessedEvent) => void;
  /** Every GHL contact event the Relatel writer finished (synced or skipped). */
  onRelatelWrite?: (report: RelatelWriteReport) => void;
  /** Human-readable lines (where things listen, one per processed event); silent when unset. */
  print?: (line: string) => void;
}

export interface ProcessedEvent {
  entity: Entity;
  eventType: string;
  deliveryId: string;
  relatelId: string;
  ghlId?: string;
  /** 'synced', or why nothing was written ('duplicate', 'stale', 'no-op', ...): outcomeLabel of lib/sync/outcome.ts. */
  result: OutcomeLabel;
  /** From the webhook's 202 (or, for a message it did not answer, from SQS's SentTimestamp). */
  latencyMs: number;
}

export interface LocalConsumer {
  stats(): SqsEventSourceStats;
  /** Abandons the poller like a crashed Lambda: in-flight messages reappear after their visibility timeout. */
  kill(): void;
  /** A fresh consumer (a cold start) on a fresh poller; stops the current one first if it runs. */
  restart(): Promise<void>;
}

export interface LocalStack {
  /** POST Relatel webhooks here. */
  readonly webhookUrl: string;
  readonly aws: LocalAwsEndpoints;
  /** The simulator, unless a real GHL is configured. */
  readonly simulator?: GhlSimulator;
  readonly ghlBaseUrl: string;
  /** The Relatel simulator, unless a real Relatel API is configured (or Relatel is off). */
  readonly relatelSimulator?: RelatelSimulator;
  /** The Relatel API the consumers read from (RELATEL_API_BASE_URL); absent when Relatel is off. */
  readonly relatelApiBaseUrl?: string;
  readonly secretsFile: string;
  /** The environment the handlers were configured from (no secret values: those are in the file). */
  readonly handlerEnv: Readonly<Record<string, string>>;
  readonly consumers: Readonly<Record<Entity, LocalConsumer>>;
  /** POST GHL contact webhooks here (signed with `ghlKeys`, or a workflow's with its secret). */
  readonly ghlWebhookUrl: string;
  /** This run's GHL signing key pair (the door trusts its public key) and workflow secret. */
  readonly ghlKeys: GhlFlowKeys;
  /** The GHL location the door accepts. */
  readonly ghlLocationId: string;
  /** The Relatel writer (GHL -> Relatel), unless Relatel is off. */
  readonly relatelWriter?: LocalConsumer;
  /** Stops pollers (letting in-flight batches finish), the HTTP API, the simulator and AWS (if it started them). */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { settings } = options;
  const print = options.print ?? (() => {});
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    const ownerFile = claimStateDir(options.stateDir ?? localStateDir(settings.webhookPort));
    cleanups.push(() => rmSync(ownerFile, { force: true }));
    const maxReceiveCount = options.queues?.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    const visibilityTimeoutSeconds = options.queues?.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    const startOwnAws = async () => {
      const started = await startLocalAws({ sqsPort: settings.sqsPort, dynamoPort: settings.dynamoPort, maxReceiveCount, visibilityTimeoutSeconds }).catch(
        (error: unknown) => {
          if (!(error instanceof PortInUseError)) throw error;
          const variable = error.port === settings.sqsPort ? 'LOCAL_SQS_PORT' : 'LOCAL_DYNAMODB_PORT';
          throw new PortInUseError(error.service, error.port, `set ${variable} (docs/LOCAL-STACK.md#settings-environment)`);
        },
      );
      cleanups.push(() => started.stop());
      return started;
    };
    const aws = options.aws ?? (await startOwnAws());

    const ghl = await startGhl(settings, options.simulator);
    if (ghl.simulator) cleanups.push(() => ghl.simulator?.stop());

    const relatel = await startRelatel(settings, options.relatelSimulator);
    if (relatel?.simulator) cleanups.push(() => relatel.simulator?.stop());

    const stateDir = options.stateDir ?? localStateDir(settings.webhookPort);
    mkdirSync(stateDir, { recursive: true });
    const ghlKeys = createGhlFlowKeys(stateDir);
    cleanups.push(() => rmSync(ghlKeys.privateKeyFile, { force: true }));
    const secretsFile = writeSecretsFile(stateDir, settings, ghl, relatel, { [LOCAL_GHL_WORKFLOW_SECRET_ID]: ghlKeys.workflowSecret });
    cleanups.push(() => rmSync(secretsFile, { force: true }));

    const handlerEnv: Record<string, string> = {
      ...localAwsEnv(aws),
      [LOCAL_SECRETS_FILE_ENV]: secretsFile,
      WEBHOOK_SECRET_ID: LOCAL_SECRET_IDS.webhook,
      [CONSUMER_ENV.ghlSecretId]: LOCAL_SECRET_IDS.ghl,
      [CONSUMER_ENV.ghlBaseUrl]: ghl.baseUrl,
      [CONSUMER_ENV.maxReceiveCount]: String(maxReceiveCount),
      // The local stack runs the GHL -> Relatel flow too.
      [CONSUMER_ENV.ghlContactLinks]: 'on',
      ...(ghl.calendarId !== undefined && { [CONSUMER_ENV.ghlCalendarId]: ghl.calendarId }),
      ...(relatel && { [CONSUMER_ENV.relatelSecretId]: LOCAL_SECRET_IDS.relatel, [CONSUMER_ENV.relatelApiBaseUrl]: relatel.baseUrl }),
      ...ghlDoorEnv(ghlKeys, ghl.locationId),
      ...options.handlerEnv,
    };
    const secrets = new FileSecretStore(secretsFile);
    const sqs = localSqsClient(aws.sqs.endpoint);
    const dynamo = localDynamoClient(aws.dynamodb.endpoint);
    cleanups.push(() => {
      sqs.destroy();
      dynamo.destroy();
    });
    const logLevel = options.logLevel ?? (handlerEnv.LOG_LEVEL as LogLevel | undefined) ?? 'INFO';
    const loggerFor = (service: string): Logger => createLogger(service, logLevel);
    const runtimeLogger = loggerFor('local-lambda');

    // When each delivery was answered 202, for the latency printed when it is synced.
    const acceptedAt = new Map<string, number>();
    const webhookLogger = loggerFor('webhook');
    const webhook = buildWebhookHandler(loadConfig(webhookConfigSchema, handlerEnv), {
      sqs,
      secrets,
      logger: webhookLogger,
      metrics: createMetrics('webhook'),
    });
    const api: HttpApi = await startHttpApi({
      port: settings.webhookPort,
      logger: runtimeLogger,
      routes: [
        {
          method: 'POST',
          path: WEBHOOK_PATH,
          functionName: `${DEFAULT_RESOURCE_PREFIX}-webhook`,
          handler: async (event, context) => {
            const result = await webhook(event, context);
            if (result.statusCode === 202) rememberAccepted(acceptedAt, event, Date.now());
            return result;
          },
        },
        ghlDoorRoute(handlerEnv, { sqs, dynamo, secrets, loggerFor }, () => {}),
      ],
    });
    cleanups.push(() => api.stop());

    const report = (synced: SyncedEventReport, record: SQSRecord) => {
      const accepted = acceptedAt.get(synced.deliveryId) ?? Number(record.attributes.SentTimestamp);
      const latencyMs = Math.max(0, Date.now() - accepted);
      for (const outcome of synced.outcomes) {
        const event: ProcessedEvent = {
          entity: outcome.entity,
          eventType: synced.eventType,
          deliveryId: synced.deliveryId,
          relatelId: outcome.relatelId,
          ...(outcome.ghlId !== undefined && { ghlId: outcome.ghlId }),
          result: outcomeLabel(outcome.outcome),
          latencyMs,
        };
        options.onEvent?.(event);
        print(formatProcessedEvent(event));
      }
      acceptedAt.delete(synced.deliveryId);
    };

    const buildHandler = (entity: Entity) => {
      const logger = loggerFor(`consumer-${entity}`);
      const metrics = createMetrics(`consumer-${entity}`);
      const consume = buildConsumer(loadConfig(consumerConfigSchema, { ...handlerEnv, [CONSUMER_ENV.entity]: entity }), {
        sqs,
        dynamo,
        secrets,
        logger,
        metrics,
        onSynced: report,
        ...(options.retryPolicy && { retryPolicy: options.retryPolicy }),
      });
      // The same middlewares as functions/consumer-runtime.ts's consumerHandler.
      return middy<SQSEvent, SQSBatchResponse>()
        .use(injectLambdaContext(logger))
        .use(logMetrics(metrics))
        .handler((event, context) => consume(event, context));
    };

    const startPoller = (entity: Entity): SqsEventSource =>
      startSqsEventSource({
        sqs,
        queueUrl: aws.queues[entity].queueUrl,
        queueArn: aws.queues[entity].queueArn,
        handler: buildHandler(entity),
        functionName: `${DEFAULT_RESOURCE_PREFIX}-${entity}`,
        visibilityTimeoutSeconds,
        batchSize: options.pollers?.batchSize ?? 10,
        waitTimeSeconds: options.pollers?.waitTimeSeconds ?? 1,
        concurrency: options.pollers?.concurrency ?? 1,
        logger: runtimeLogger,
      });

    const pollers = new Map<Entity, SqsEventSource>(ENTITIES.map((entity) => [entity, startPoller(entity)]));
    // Registered before the servers' cleanups run (they run in reverse), so pollers stop first.
    cleanups.push(async () => {
      await Promise.all([...pollers.values()].map((poller) => poller.stop()));
    });
    const consumers = Object.fromEntries(
      ENTITIES.map((entity) => {
        const current = () => pollers.get(entity) as SqsEventSource;
        const consumer: LocalConsumer = {
          stats: () => current().stats(),
          kill: () => current().kill(),
          async restart() {
            if (current().stats().running) await current().stop();
            pollers.set(entity, startPoller(entity));
          },
        };
        return [entity, consumer];
      }),
    ) as Record<Entity, LocalConsumer>;

    const reportRelatelWrite = (written: RelatelWriteReport) => {
      options.onRelatelWrite?.(written);
      print(formatRelatelWrite(written));
    };
    const startWriter = () =>
      startRelatelWriterPoller({
        handlerEnv,
        aws,
        clients: { sqs, dynamo, secrets, loggerFor },
        runtimeLogger,
        visibilityTimeoutSeconds,
        ...(options.pollers && { pollers: options.pollers }),
        ...(options.retryPolicy && { retryPolicy: options.retryPolicy }),
        onWrite: reportRelatelWrite,
      });
    let writerPoller = relatel === undefined ? undefined : startWriter();
    cleanups.push(async () => {
      await writerPoller?.stop();
    });
    const relatelWriter: LocalConsumer | undefined =
      writerPoller === undefined
        ? undefined
        : {
            stats: () => (writerPoller as SqsEventSource).stats(),
            kill: () => writerPoller?.kill(),
            async restart() {
              if (writerPoller?.stats().running) await writerPoller.stop();
              writerPoller = startWriter();
            },
          };

    const stack: LocalStack = {
      webhookUrl: `${api.url}${WEBHOOK_PATH}`,
      ghlWebhookUrl: `${api.url}${GHL_WEBHOOK_PATH}`,
      ghlKeys,
      ghlLocationId: ghl.locationId,
      ...(relatelWriter && { relatelWriter }),
      aws,
      ...(ghl.simulator && { simulator: ghl.simulator }),
      ghlBaseUrl: ghl.baseUrl,
      ...(relatel?.simulator && { relatelSimulator: relatel.simulator }),
      ...(relatel && { relatelApiBaseUrl: relatel.baseUrl }),
      secretsFile,
      handlerEnv,
      consumers,
      stop: stopAll,
    };
    for (const line of describeStack(stack, settings)) print(line);
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

interface GhlEndpoint {
  baseUrl: string;
  token: string;
  locationId: string;
  calendarId?: string;
  simulator?: GhlSimulator;
}

async function startGhl(settings: LocalSettings, simulatorOptions: LocalStackOptions['simulator']): Promise<GhlEndpoint> {
  const target = settings.ghl;
  if (target.kind === 'real') return target;
  const simulator = await startGhlSimulator({
    ...simulatorOptions,
    port: target.port,
    ...(target.calendarId !== undefined && { calendarIds: [target.calendarId] }),
  }).catch(explainPortInUse(target.port, 'the GHL simulator', 'GHL_SIMULATOR_PORT'));
  return {
    baseUrl: simulator.url,
    token: simulator.tokens[0] ?? GHL_SIMULATOR_DEFAULTS.token,
    locationId: simulator.locationId,
    calendarId: simulator.calendarIds[0] ?? GHL_SIMULATOR_DEFAULTS.calendarId,
    simulator,
  };
}

interface RelatelEndpoint {
  baseUrl: string;
  token: string;
  simulator?: RelatelSimulator;
}

async function startRelatel(settings: LocalSettings, simulatorOptions: LocalStackOptions['relatelSimulator']): Promise<RelatelEndpoint | undefined> {
  const target = settings.relatel;
  if (target.kind === 'off') return undefined;
  if (target.kind === 'real') return target;
  const simulator = await startRelatelSimulator({ ...simulatorOptions, port: target.port }).catch(
    explainPortInUse(target.port, 'the Relatel simulator', 'RELATEL_SIMULATOR_PORT'),
  );
  return { baseUrl: simulator.apiBaseUrl, token: simulator.tokens[0] ?? RELATEL_SIMULATOR_DEFAULTS.token, simulator };
}

function explainPortInUse(port: number, server: string, variable: string): (error: unknown) => never {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is already in use, so ${server} cannot start. Stop what listens there (lsof -i :${port}) or set ${variable}.`);
    }
    throw error;
  };
}

/**
 * Marks the state directory as this process's (`stack.pid`), refusing one a running stack owns:
 * a second stack there would overwrite its secrets file and test key, and remove them when it
 * stopped (or failed to start), leaving the first one unable to read its secrets. A pid file
 * whose process is gone (a stack killed with -9) is taken over.
 */
function claimStateDir(stateDir: string): string {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'stack.pid');
  const owner = Number(existsSync(file) ? readFileSync(file, 'utf8').trim() : NaN);
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `Another local stack (pid ${owner}) runs from ${stateDir}. Stop it first, or start this one with another PORT (and the other ports, docs/LOCAL-STACK.md#settings-environment).`,
    );
  }
  writeFileSync(file, String(process.pid));
  return file;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The secrets the handlers read through FileSecretStore: owner-only, removed on stop. */
function writeSecretsFile(
  stateDir: string,
  settings: LocalSettings,
  ghl: GhlEndpoint,
  relatel: RelatelEndpoint | undefined,
  more: Record<string, string>,
): string {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'secrets.json');
  const values: Record<string, unknown> = {
    [LOCAL_SECRET_IDS.webhook]: settings.webhookSecret,
    [LOCAL_SECRET_IDS.ghl]: { type: 'pit', token: ghl.token, locationId: ghl.locationId },
    ...(relatel && { [LOCAL_SECRET_IDS.relatel]: relatel.token }),
    ...more,
  };
  writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
  return file;
}

function rememberAccepted(acceptedAt: Map<string, number>, event: APIGatewayProxyEventV2, now: number): void {
  const deliveryId = event.headers[RELATEL_DELIVERY_ID_HEADER] ?? deliveryIdInBody(event);
  if (deliveryId === undefined) return;
  // Bounded: deliveries whose events never sync (ignored types, parked) must not pile up.
  if (acceptedAt.size >= 10_000) acceptedAt.delete(acceptedAt.keys().next().value as string);
  acceptedAt.set(deliveryId, now);
}

function deliveryIdInBody(event: APIGatewayProxyEventV2): string | undefined {
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    const id = (JSON.parse(text) as { delivery_id?: unknown }).delivery_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** e.g. `synced   contacts      481516 -> 7kQ2...  contact.created  412 ms` (ids only: no personal data). */
export function formatProcessedEvent(event: ProcessedEvent): string {
  const status = event.result === 'synced' ? 'synced ' : 'skipped';
  const target = event.result === 'synced' ? `-> ${event.ghlId ?? '?'}` : `(${event.result})`;
  return `${status}  ${event.entity.padEnd(12)} ${event.relatelId} ${target}  ${event.eventType}  ${event.latencyMs} ms`;
}

function describeStack(stack: LocalStack, settings: LocalSettings): string[] {
  const ghl = stack.simulator
    ? `GHL simulator     ${stack.ghlBaseUrl}  (state: ${stack.ghlBaseUrl}/__sim/state)`
    : `GHL (real)        ${stack.ghlBaseUrl}  location ${settings.ghl.kind === 'real' ? settings.ghl.locationId : ''}`;
  return [
    `Webhook           POST ${stack.webhookUrl}`,
    `GHL door          POST ${stack.ghlWebhookUrl}  (location ${stack.ghlLocationId}; \`npm run send -- ghl.contact.created\` signs with ${stack.ghlKeys.privateKeyFile})`,
    ghl,
    `SQS (fauxqs)      ${stack.aws.sqs.endpoint}  queues: ${[...ENTITIES, ...GHL_FLOW_NAMES].join(', ')} (+ DLQs)`,
    `DynamoDB          ${stack.aws.dynamodb.endpoint}  table ${stack.aws.tableName}`,
    `Consumers         ${ENTITIES.length} pollers (one per entity)${stack.relatelWriter ? ' + the Relatel writer (ghl-contacts)' : '; Relatel writer off (no Relatel API)'}`,
    `Secrets file      ${stack.secretsFile}`,
    relatelLine(stack),
  ];
}

function relatelLine(stack: LocalStack): string {
  if (stack.relatelSimulator) return `Relatel simulator ${stack.relatelSimulator.apiBaseUrl}  (state: ${stack.relatelSimulator.url}/__sim/state)`;
  if (stack.relatelApiBaseUrl !== undefined) return `Relatel (real)    ${stack.relatelApiBaseUrl}`;
  return 'Relatel API       off: events that carry only a contact id are parked';
}
