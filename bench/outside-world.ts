/**
 * The stack bench's outside world, in a process of its own: everything that in AWS is not one
 * of our Lambdas. Local SQS and DynamoDB (fauxqs, dynalite), the GHL simulator(s), and Relatel:
 * the sender that signs and POSTs the workload's deliveries to the webhook (late redeliveries
 * go straight onto SQS, as a redelivery SQS's deduplication window no longer catches). In one
 * process with our code they took the one Node thread our Lambdas needed, so the bench measured
 * the emulators as much as the sync.
 *
 * The parent (bench/throughput.ts) forks this file with `startOutsideWorld` and drives it over
 * IPC: one request, one reply, each bounded by a timeout. The child never outlives the parent:
 * it exits when the IPC channel closes (the parent exited or died) or on SIGTERM.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { localSqsClient, startLocalAws, type LocalAws, type LocalAwsEndpoints } from '../local/aws/local-aws.js';
import type { QueueSettings } from '../local/aws/resources.js';
import { startGhlSimulator, type FaultSettings, type GhlSimulator, type RateLimitSettings } from '../local/ghl-simulator/index.js';
import { sendSignedEvent } from '../local/send.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';
import { entityOfFixture } from '../test/factories/relatel-events.js';
import { buildThroughputWorkload, relatelContactIdOf, type Delivery } from './workload.js';

/** Where a simulator answers and what a GHL client needs to call it. */
export interface SimulatorInfo {
  url: string;
  token: string;
  locationId: string;
  calendarId: string;
}

export interface SimulatorSettings {
  rateLimit: Partial<RateLimitSettings>;
  requestLogLimit: number;
  /** GHL's "Allow Duplicate Contact" (off by default, as in GHL). */
  allowDuplicates?: boolean;
  /** Scopes the token lacks, e.g. locations.readonly. */
  missingScopes?: string[];
}

/** What a process used so far: cumulative, so the caller takes differences over a span. */
export interface ProcessUsage {
  pid: number;
  /** process.cpuUsage(), microseconds. */
  cpuUserMicros: number;
  cpuSystemMicros: number;
  /** The event loop's cumulative active and idle time (performance.eventLoopUtilization), ms. */
  loopActiveMs: number;
  loopIdleMs: number;
  /** Peak resident set size over the process's life so far (getrusage maxrss). */
  maxRssMiB: number;
  rssMiB: number;
}

export function processUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  return {
    pid: process.pid,
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    loopActiveMs: loop.active,
    loopIdleMs: loop.idle,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

/** The requests the parent sends, each with its parameters and what the reply carries. */
export interface OutsideWorldCommands {
  /** Starts local AWS (free ports) and the GHL simulator named 'ours'. */
  start: { params: { queues: QueueSettings; simulator: SimulatorSettings }; result: { aws: LocalAwsEndpoints; ghl: SimulatorInfo } };
  /** A further, fresh simulator under a new name (the naive baseline's). */
  'start-simulator': { params: { name: string; simulator: SimulatorSettings }; result: SimulatorInfo };
  'set-rate-limit': { params: { name: string; rateLimit: Partial<RateLimitSettings> }; result: RateLimitSettings };
  /** Sends the throughput workload of `runId` (bench/workload.ts), `parallel` at a time; answers once all were sent. */
  'send-workload': { params: { runId: string; url: string; secret: string; parallel: number }; result: { sent: number; sendMs: number } };
  /** Sends these deliveries, `parallel` at a time (late redeliveries straight onto SQS); answers once all were sent. */
  'send-deliveries': { params: { deliveries: Delivery[]; url: string; secret: string; parallel: number }; result: { sent: number; sendMs: number } };
  /** Changes a simulator's faults (e.g. every request answered 503: an outage). */
  'set-faults': { params: { name: string; faults: Partial<FaultSettings> }; result: FaultSettings };
  /** Sends these events one after another, `paceMs` apart. */
  'send-paced': { params: { events: RelatelEventFixture[]; url: string; secret: string; paceMs: number }; result: { sent: number; sendMs: number } };
  usage: { params: Record<string, never>; result: ProcessUsage };
  /** Stops every server; the process exits right after replying. */
  stop: { params: Record<string, never>; result: { stopped: true } };
}

type CommandName = keyof OutsideWorldCommands;
type Request = { [K in CommandName]: { id: number; type: K; params: OutsideWorldCommands[K]['params'] } }[CommandName];
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

// ---------------------------------------------------------------- parent side

export interface OutsideWorld {
  readonly pid: number;
  call<K extends CommandName>(type: K, params: OutsideWorldCommands[K]['params'], timeoutMs?: number): Promise<OutsideWorldCommands[K]['result']>;
  /** Asks the child to stop its servers and waits for it to exit (bounded); kills it if it does not. */
  stop(): Promise<void>;
  /** SIGKILLs the child at once (for a signal handler, where nothing can be awaited). */
  kill(): void;
}

const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export function startOutsideWorld(): OutsideWorld {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    // The parent runs under tsx (`npm run bench`); the child loads the same TypeScript the same way.
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  const failAll = (error: Error) => {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      call.reject(error);
      pending.delete(id);
    }
  };
  child.on('message', (message: Reply) => {
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.ok) call.resolve(message.result);
    else call.reject(new Error(`outside world: ${message.error}`));
  });
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      failAll(new Error(`outside world exited (code ${code}, signal ${signal})`));
      resolveExit();
    });
  });
  child.once('error', (error) => failAll(error));

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const call: OutsideWorld['call'] = (type, params, timeoutMs = DEFAULT_CALL_TIMEOUT_MS) => {
    const id = nextId++;
    return new Promise((resolveCall, rejectCall) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        rejectCall(new Error(`outside world: no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolveCall as (value: unknown) => void, reject: rejectCall, timer });
      child.send({ id, type, params } as Request, (error) => {
        if (error) {
          pending.delete(id);
          clearTimeout(timer);
          rejectCall(error);
        }
      });
    });
  };
  return {
    pid: child.pid ?? -1,
    call,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        await call('stop', {}, 10_000);
      } catch {
        // Stopping is best effort; the kill below still ends the process.
      }
      const timeout = new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, 5_000).unref());
      await Promise.race([exited, timeout]);
      kill();
      await Promise.race([exited, new Promise<void>((resolveTimeout) => setTimeout(resolveTimeout, 2_000).unref())]);
    },
    kill,
  };
}

// ---------------------------------------------------------------- child side

async function serve(): Promise<void> {
  let aws: LocalAws | undefined;
  let sqs: SQSClient | undefined;
  const simulators = new Map<string, GhlSimulator>();

  const startSimulator = async (name: string, settings: SimulatorSettings): Promise<SimulatorInfo> => {
    if (simulators.has(name)) throw new Error(`a simulator named ${name} already runs`);
    const simulator = await startGhlSimulator({
      rateLimit: settings.rateLimit,
      requestLogLimit: settings.requestLogLimit,
      ...(settings.allowDuplicates !== undefined && { allowDuplicates: settings.allowDuplicates }),
      ...(settings.missingScopes !== undefined && { missingScopes: settings.missingScopes }),
    });
    simulators.set(name, simulator);
    return { url: simulator.url, token: simulator.tokens[0] ?? '', locationId: simulator.locationId, calendarId: simulator.calendarIds[0] ?? '' };
  };
  const simulatorNamed = (name: string): GhlSimulator => {
    const simulator = simulators.get(name);
    if (simulator === undefined) throw new Error(`no simulator named ${name}`);
    return simulator;
  };
  const stopAll = async () => {
    sqs?.destroy();
    await Promise.allSettled([...[...simulators.values()].map((simulator) => simulator.stop()), aws?.stop()]);
  };

  /** As the e2e harness's redeliverLate: the same event under a new deduplication id. */
  const redeliverLate = async (event: RelatelEventFixture) => {
    if (aws === undefined || sqs === undefined) throw new Error('start first');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues[entityOfFixture(event)].queueUrl,
        MessageBody: JSON.stringify(event),
        MessageGroupId: String(relatelContactIdOf(event)),
        MessageDeduplicationId: `${event.delivery_id}-late`,
      }),
    );
  };
  const post = async (url: string, secret: string, event: RelatelEventFixture) => {
    const { status } = await sendSignedEvent(url, event, secret);
    if (status !== 202) throw new Error(`webhook answered ${status} for ${event.event_type}`);
  };

  const sendDeliveries = async (deliveries: readonly Delivery[], url: string, secret: string, parallel: number) => {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < deliveries.length; index = next++) {
        const { event, kind } = deliveries[index] as Delivery;
        if (kind === 'late-redelivery') await redeliverLate(event);
        else await post(url, secret, event);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return { sent: deliveries.length, sendMs: performance.now() - started };
  };

  const handlers: { [K in CommandName]: (params: OutsideWorldCommands[K]['params']) => Promise<OutsideWorldCommands[K]['result']> } = {
    async start({ queues, simulator }) {
      if (aws !== undefined) throw new Error('already started');
      aws = await startLocalAws({ ...queues, sqsPort: 0, dynamoPort: 0 });
      sqs = localSqsClient(aws.sqs.endpoint);
      const ghl = await startSimulator('ours', simulator);
      const endpoints: LocalAwsEndpoints = {
        sqs: { endpoint: aws.sqs.endpoint },
        dynamodb: { endpoint: aws.dynamodb.endpoint },
        region: aws.region,
        queues: aws.queues,
        tableName: aws.tableName,
      };
      return { aws: endpoints, ghl };
    },
    'start-simulator': ({ name, simulator }) => startSimulator(name, simulator),
    async 'set-rate-limit'({ name, rateLimit }) {
      return simulatorNamed(name).setRateLimit(rateLimit);
    },
    'send-workload': ({ runId, url, secret, parallel }) => sendDeliveries(buildThroughputWorkload({ runId }).deliveries, url, secret, parallel),
    'send-deliveries': ({ deliveries, url, secret, parallel }) => sendDeliveries(deliveries, url, secret, parallel),
    async 'set-faults'({ name, faults }) {
      return simulatorNamed(name).setFaults(faults);
    },
    async 'send-paced'({ events, url, secret, paceMs }) {
      const started = performance.now();
      for (const event of events) {
        await post(url, secret, event);
        await new Promise((resolvePace) => setTimeout(resolvePace, paceMs));
      }
      return { sent: events.length, sendMs: performance.now() - started };
    },
    async usage() {
      return processUsage();
    },
    async stop() {
      await stopAll();
      return { stopped: true };
    },
  };

  const reply = (message: Reply) => new Promise<void>((resolveSent) => process.send?.(message, () => resolveSent()));
  process.on('message', (request: Request) => {
    const handler = handlers[request.type] as (params: unknown) => Promise<unknown>;
    void (async () => {
      try {
        const result = await handler(request.params);
        await reply({ id: request.id, ok: true, result });
      } catch (error) {
        await reply({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
      if (request.type === 'stop') process.exit(0);
    })();
  });
  // The parent owns this process: a terminal's Ctrl-C reaches both, and the parent then ends it.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => process.exit(143));
  // The parent exited or died: nothing will ever ask for the servers again.
  process.on('disconnect', () => {
    void Promise.race([stopAll(), new Promise((resolveStop) => setTimeout(resolveStop, 2_000))]).finally(() => process.exit(0));
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.send === undefined) {
    console.error('bench/outside-world.ts runs as a child of the stack bench (startOutsideWorld), not on its own.');
    process.exit(1);
  }
  await serve();
}
