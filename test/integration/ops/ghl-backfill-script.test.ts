/**
 * `npm run backfill -- --from ghl --local` as an operator runs it: the real scripts/backfill.ts
 * in a child process (`npx tsx`), finding dynalite and fauxqs through AWS_ENDPOINT_URL_* and the
 * GHL simulator through GHL_BASE_URL and a local secrets file. No consumer runs, so every
 * message it queued stays on the ghl-contacts queue for the test to read.
 *
 * Ctrl-C is a real one: the interrupted runs go through `script` (util-linux), so the backfill
 * has a terminal on stderr (its progress line is drawn only on a terminal) and a 0x03 typed
 * into that terminal sends SIGINT to npx, tsx and the script alike, as at a shell prompt.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_SECRETS_FILE_ENV } from '../../../lib/aws/secret-store-from-env.js';
import { DEFAULT_RESOURCE_PREFIX } from '../../../lib/entities.js';
import { DynamoCheckpointStore } from '../../../lib/ops/dynamo-checkpoint.js';
import { GHL_BACKFILL_CHECKPOINT } from '../../../lib/reverse/catch-up.js';
import { LOCAL_AWS_CREDENTIALS, localDynamoClient, localSqsClient, startLocalAws, type LocalAws } from '../../../local/aws/local-aws.js';
import { startGhlSimulator, type GhlSimulator } from '../../../local/ghl-simulator/index.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const GHL_SECRET_ID = `${DEFAULT_RESOURCE_PREFIX}/ghl-credentials`;
const CONTACTS = 10;
/** Slow enough to interrupt mid-way (a send every 100 ms), small pages so checkpoints fall between them. */
const SLOW = ['--rate', '10', '--page-size', '3'];
/** A run the test never waits on longer than this (a hung child fails the test instead of the suite). */
const RUN_LIMIT_MS = 60_000;

let aws: LocalAws;
let ghl: GhlSimulator;
let sqs: SQSClient;
let dynamo: ReturnType<typeof localDynamoClient>;
let dir: string;
let env: NodeJS.ProcessEnv;
/** Every message the runs queued, in the order they arrived, taken off the queue after each run. */
const queued: { groupId: string; deduplicationId: string }[] = [];
const ghlIds: string[] = [];
/** Everything every run printed, for the personal-data check. */
const printed: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  /** What the script wrote on stderr (the terminal's output, for a run in a terminal). */
  stderr: string;
}

/** The run's summary numbers, from the lines the script prints on stdout. */
function summaryOf(stdout: string) {
  const number = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(stdout)?.[1]);
  return {
    outcome: /GHL backfill (completed|stopped)/.exec(stdout)?.[1],
    runId: /\(run ([^,)]+)/.exec(stdout)?.[1],
    resumed: stdout.includes(', resumed)'),
    read: number('GHL contacts read'),
    enqueuedNow: number('enqueued now'),
    enqueuedInRun: number('enqueued in run'),
  };
}

function kill(child: ReturnType<typeof spawn>, timer: { ms: number }) {
  return setTimeout(() => child.kill('SIGKILL'), timer.ms);
}

/** `npx tsx scripts/backfill.ts <args>` with pipes: no terminal anywhere. */
function runPlain(args: string[]): Promise<Run> {
  const child = spawn('npx', ['tsx', 'scripts/backfill.ts', ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const limit = kill(child, { ms: RUN_LIMIT_MS });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(limit), printed.push(stdout, stderr), resolve({ code, stdout, stderr })));
  });
}

/**
 * The same in a terminal, stdout redirected to a file: the terminal shows stderr alone. Once the
 * terminal shows `read` contacts read, Ctrl-C is typed into it; with `again`, once more as soon
 * as the script says it is stopping.
 */
function runInTerminalAndInterrupt(args: string[], read: number, again = false): Promise<Run> {
  const outFile = join(dir, `stdout-${Date.now()}.txt`);
  const command = `exec npx tsx scripts/backfill.ts ${args.join(' ')} > '${outFile}'`;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: REPO, env: { ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let terminal = '';
  let presses = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    terminal += chunk.toString('utf8');
    if (presses === 0 && new RegExp(`\\r${read} read`).test(terminal)) {
      presses += 1;
      child.stdin.write('\x03');
    }
    if (again && presses === 1 && terminal.includes('Stopping after the current contact')) {
      presses += 1;
      child.stdin.write('\x03');
    }
  });
  const limit = kill(child, { ms: RUN_LIMIT_MS });
  return new Promise((resolve, reject) => {
    // `script` is util-linux's (Debian's bsdutils, always installed): without it this fails here.
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      child.stdin.end();
      const stdout = readFileSync(outFile, 'utf8');
      printed.push(stdout, terminal);
      resolve({ code, stdout, stderr: terminal });
    });
  });
}

/** Takes every message off the ghl-contacts queue into `queued`; answers how many it took. */
async function takeQueued(): Promise<number> {
  let taken = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.queues['ghl-contacts'].queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] }),
    );
    if (Messages.length === 0) return taken;
    for (const message of Messages) {
      queued.push({ groupId: message.Attributes!.MessageGroupId!, deduplicationId: message.Attributes!.MessageDeduplicationId! });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: aws.queues['ghl-contacts'].queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      taken += 1;
    }
  }
}

const person = (i: number) => ({ firstName: `Kundenavn${i}`, email: `kunde${i}@example.dk`, phone: `+457120${String(i).padStart(4, '0')}` });

const checkpoint = () => new DynamoCheckpointStore(dynamo, aws.tableName).load(GHL_BACKFILL_CHECKPOINT);

beforeAll(async () => {
  aws = await startLocalAws({ sqsPort: 0, dynamoPort: 0 });
  // Each contact a second apart in dateUpdated: the walk's cursor names exactly one.
  let offsetMs = 0;
  ghl = await startGhlSimulator({
    clock: { now: () => Date.now() + offsetMs, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()) },
  });
  for (let i = 0; i < CONTACTS; i += 1) {
    offsetMs = -(CONTACTS - i) * 1_000;
    ghlIds.push(ghl.seedContact(person(i)).id);
  }
  offsetMs = 0;
  sqs = localSqsClient(aws.sqs.endpoint);
  dynamo = localDynamoClient(aws.dynamodb.endpoint);
  dir = mkdtempSync(join(tmpdir(), 'ghl-backfill-script-'));
  const secretsFile = join(dir, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ [GHL_SECRET_ID]: { type: 'pit', token: ghl.tokens[0], locationId: ghl.locationId } }), { mode: 0o600 });
  // What the operator sets (RUNBOOK): where AWS answers, the GHL secret and location. Nothing else.
  env = {
    ...process.env,
    AWS_ENDPOINT_URL_SQS: aws.sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodb.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: aws.region,
    [LOCAL_SECRETS_FILE_ENV]: secretsFile,
    GHL_SECRET_ID,
    GHL_BASE_URL: ghl.url,
    GHL_LOCATION_ID: ghl.locationId,
  };
  delete env.SYNC_TABLE_NAME;
});

afterAll(async () => {
  sqs?.destroy();
  dynamo?.destroy();
  await ghl?.stop();
  await aws?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run backfill -- --from ghl, on the local stack', () => {
  let interruptedRunId: string | undefined;
  let interruptedEnqueued = 0;

  it('draws its progress on the terminal\'s stderr and, on Ctrl-C (even twice), stops after the current contact with its checkpoint saved', async () => {
    // The second SIGINT is also what tsx sends the script when it acknowledges the first later
    // than 30 ms (a loaded machine): it must not end the run unsaved.
    const run = await runInTerminalAndInterrupt(['--from', 'ghl', '--local', ...SLOW], 3, true);
    const summary = summaryOf(run.stdout);

    expect(run.stderr).toMatch(/\r3 read · \d+ enqueued · page \d+ · [\d.]+\/s · up to \d{4}-\d\d-\d\dT/);
    expect(run.stderr).toContain('Stopping after the current contact; run again to resume.');
    expect(summary).toMatchObject({ outcome: 'stopped', resumed: false });
    expect(summary.read).toBeGreaterThanOrEqual(3);
    expect(summary.read).toBeLessThan(CONTACTS);
    // No link exists (no writer ran): every contact read was queued.
    expect(summary.enqueuedNow).toBe(summary.read);
    expect(await takeQueued()).toBe(summary.read);
    expect(queued.map((message) => message.groupId)).toEqual(ghlIds.slice(0, summary.read));

    const saved = await checkpoint();
    expect(saved).toMatchObject({ runId: summary.runId, enqueued: summary.read, lastId: ghl.state.contact(ghlIds[summary.read - 1]!)!.dateUpdated });
    expect(saved?.completedAt).toBeUndefined();
    interruptedRunId = summary.runId;
    interruptedEnqueued = summary.read;
  });

  it('run again, resumes that run at its checkpoint and queues the rest, no contact twice; without a terminal it draws no progress', async () => {
    const run = await runPlain(['--from', 'ghl', '--local', '--rate', '1000']);
    const summary = summaryOf(run.stdout);

    expect(run.code).toBe(0);
    // From the checkpoint's contact on: that one is read and sent again, and SQS drops the copy
    // (same deduplication id); the run's own count ("enqueued in run") counts the copy too.
    expect(summary).toMatchObject({ outcome: 'completed', resumed: true, runId: interruptedRunId, enqueuedInRun: CONTACTS + 1 });
    expect(summary.read).toBe(CONTACTS - interruptedEnqueued + 1);
    expect(await takeQueued()).toBe(CONTACTS - interruptedEnqueued);
    expect(queued.map((message) => message.groupId)).toEqual(ghlIds);
    expect(new Set(queued.map((message) => message.deduplicationId)).size).toBe(CONTACTS);
    expect((await checkpoint())?.completedAt).toEqual(expect.any(String));
    // The progress line is for a terminal: piped, stderr stays empty.
    expect(run.stderr).toBe('');
  });

  it('--restart leaves an interrupted run and starts a new one from the oldest contact', async () => {
    // A finished run is followed by a new one anyway; interrupt it so that there is one to leave.
    const interrupted = summaryOf((await runInTerminalAndInterrupt(['--from', 'ghl', '--local', ...SLOW], 2)).stdout);
    expect(interrupted).toMatchObject({ outcome: 'stopped', resumed: false });
    expect(interrupted.runId).not.toBe(interruptedRunId);

    const run = await runPlain(['--from', 'ghl', '--local', '--rate', '1000', '--restart']);
    const summary = summaryOf(run.stdout);
    expect(run.code).toBe(0);
    expect(summary).toMatchObject({ outcome: 'completed', resumed: false, read: CONTACTS, enqueuedNow: CONTACTS });
    expect(summary.runId).not.toBe(interrupted.runId);
    expect(await checkpoint()).toMatchObject({ runId: summary.runId, completedAt: expect.any(String) });
    // Within SQS's five-minute deduplication window the same contacts at the same dateUpdated are the same deliveries: none is queued again.
    expect(await takeQueued()).toBe(0);
  });

  it('printed ids and counts only: no name, e-mail or phone number of any contact', () => {
    const text = printed.join('');
    expect(text).toContain('GHL contacts read:');
    const personal = Array.from({ length: CONTACTS }, (_, i) => person(i)).flatMap(({ firstName, email, phone }) => [firstName, email, phone, phone.slice(1)]);
    expect(personal.filter((value) => text.includes(value))).toEqual([]);
  });
});
