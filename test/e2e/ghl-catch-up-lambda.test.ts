/**
 * The GHL catch-up Lambda as deployed: the real functions/ghl-catch-up/handler.ts, configured
 * from the environment the CDK stack gives it (names from the synthesised template, values
 * from the local stack), reading the GHL simulator, its checkpoint and the links in dynalite,
 * queueing on fauxqs's ghl-contacts queue, which the local stack's Relatel writer drains into
 * the Relatel simulator. What was queued is read off the writer (each catch-up event it
 * received), not off the handler's own summary.
 *
 * The GHL contacts: one changed 25 hours ago (before the first run's 24-hour lookback), three
 * whose webhooks were "lost" (no link), one whose webhook arrived (linked), one without a phone
 * (Relatel cannot hold it). The scenarios build on each other, in order.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GhlCatchUpSummary } from '../../lib/reverse/catch-up.js';
import { DynamoCheckpointStore } from '../../lib/ops/dynamo-checkpoint.js';
import { localDynamoClient } from '../../local/aws/local-aws.js';
import { startE2eStack, type E2eStack } from './harness.js';
import { cdkCatchUpEnvironment, editGhlContact, lambdaContext, localCatchUpEnvironment, shiftableClock } from './ghl-catch-up-support.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Far from the handler's stop margin (a minute before the timeout) / inside it. */
const PLENTY_MS = 15 * MINUTE;
const NEAR_TIMEOUT_MS = MINUTE - 1;

const PEOPLE = {
  old: { firstName: 'Oline', lastName: 'Gammelgaard', email: 'oline.gammelgaard@example.dk', phone: '+4571110001' },
  lostB: { firstName: 'Birte', lastName: 'Bundgaard', email: 'birte.bundgaard@example.dk', phone: '+4571110002' },
  linked: { firstName: 'Carl', lastName: 'Kjeldgaard', email: 'carl.kjeldgaard@example.dk', phone: '+4571110003' },
  lostD: { firstName: 'Dorte', lastName: 'Damgaard', email: 'dorte.damgaard@example.dk', phone: '+4571110004' },
  noPhone: { firstName: 'Frida', lastName: 'Fuglsang', email: 'frida.fuglsang@example.dk' },
  lostE: { firstName: 'Erik', lastName: 'Elmegaard', email: 'erik.elmegaard@example.dk', phone: '+4571110005' },
} as const;
type Person = keyof typeof PEOPLE;

const clock = shiftableClock();
const ids = {} as Record<Person, string>;
const captured: string[] = [];
let e2e: E2eStack;
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<GhlCatchUpSummary>;
let checkpoints: DynamoCheckpointStore;
let dynamo: ReturnType<typeof localDynamoClient>;

/** Seeds a GHL contact as changed `agoMs` before now. */
function ghlContactChanged(person: Person, agoMs: number): void {
  clock.offsetMs = -agoMs;
  ids[person] = e2e.simulator.seedContact({ ...PEOPLE[person] }).id;
  clock.offsetMs = 0;
}

/** One invocation, as EventBridge makes it; every byte written meanwhile is kept for the log check. */
async function invoke(remainingMs: () => number = () => PLENTY_MS): Promise<GhlCatchUpSummary> {
  const spies = [
    ...[process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
        return true;
      }) as typeof stream.write),
    ),
    // vitest routes the global console around the streams: a stray console call is caught here.
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      }),
    ),
  ];
  try {
    return await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(remainingMs));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The GHL contacts (by name) the writer received catch-up events for since `from` (an index into relatelWrites). */
function caughtUpSince(from: number): Person[] {
  const byId = new Map(Object.entries(ids).map(([person, id]) => [id, person as Person]));
  return e2e.relatelWrites
    .slice(from)
    .filter((write) => write.deliveryId.startsWith('catchup-'))
    .map((write) => byId.get(write.ghlId) ?? (write.ghlId as Person))
    .sort();
}

beforeAll(async () => {
  e2e = await startE2eStack({
    simulator: { clock },
    handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '1000', RELATEL_RATE_LIMIT_INTERVAL_MS: '1000' },
  });
  // The environment is read when the handler module loads, as in a Lambda's cold start.
  Object.assign(process.env, localCatchUpEnvironment(e2e.stack, cdkCatchUpEnvironment(), { LOG_LEVEL: 'DEBUG' }));
  // Metrics on for the handler only (read when its Metrics is created, at module load): the
  // harness turns EMF off for the local stack, whose lines would flood the output.
  const metricsDisabled = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  try {
    ({ handler } = (await import('../../functions/ghl-catch-up/handler.js')) as unknown as { handler: typeof handler });
  } finally {
    process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabled;
  }
  dynamo = localDynamoClient(e2e.stack.aws.dynamodb.endpoint);
  checkpoints = new DynamoCheckpointStore(dynamo, e2e.stack.aws.tableName);

  ghlContactChanged('old', 25 * HOUR);
  ghlContactChanged('lostB', 20 * MINUTE);
  ghlContactChanged('linked', 9 * MINUTE);
  ghlContactChanged('lostD', 8 * MINUTE);
  ghlContactChanged('noPhone', 7.5 * MINUTE);
  ghlContactChanged('lostE', 7 * MINUTE);
  // Only this contact's webhook arrived: the writer linked it to a new Relatel contact.
  const linked = e2e.simulator.state.contact(ids.linked)!;
  const status = await e2e.sendGhl({
    type: 'ContactCreate',
    locationId: e2e.stack.ghlLocationId,
    timestamp: new Date().toISOString(),
    webhookId: `catch-up-lambda-${linked.id}`,
    ...PEOPLE.linked,
    id: linked.id,
    tags: [],
  });
  expect(status).toBe(202);
  await e2e.drained();
  expect(e2e.relatelWrites.map((write) => [write.ghlId, write.result.outcome])).toEqual([[ids.linked, { status: 'synced', action: 'created' }]]);
}, 120_000);

afterAll(async () => {
  dynamo?.destroy();
  await e2e?.stop();
});

describe('the GHL catch-up Lambda on the local stack', () => {
  it('runs on the variables the CDK stack sets (the set-up read them from the synthesised template)', () => {
    // Guards the set-up: a variable the construct stops setting would otherwise pass unseen here.
    expect(Object.keys(cdkCatchUpEnvironment()).sort()).toEqual(
      expect.arrayContaining(['GHL_BASE_URL', 'GHL_LOCATION_ID', 'GHL_SECRET_ID', 'QUEUE_URL_GHL_CONTACTS', 'SYNC_TABLE_NAME', 'CATCH_UP_RATE_PER_SECOND']),
    );
  });

  it('a first run near its timeout stops before the next contact, its checkpoint saved, having queued the unlinked contacts it read', async () => {
    // middy asks once before the handler runs (for its own early-timeout timer), then the
    // catch-up before each contact: time runs short after two contacts.
    let asks = 0;
    const before = e2e.relatelWrites.length;
    const run = await invoke(() => (++asks <= 1 + 2 ? PLENTY_MS : NEAR_TIMEOUT_MS));
    await e2e.drained();

    // Read in dateUpdated order from 24 hours ago: lostB (queued), linked (in step), then the stop.
    expect(run).toMatchObject({ outcome: 'stopped', resumed: false, read: 2, enqueued: 1, cursor: e2e.simulator.state.contact(ids.linked)!.dateUpdated });
    expect(caughtUpSince(before)).toEqual(['lostB']);
    expect(await checkpoints.load('ghl-catch-up')).toMatchObject({ runId: run.runId, lastId: e2e.simulator.state.contact(ids.linked)!.dateUpdated, enqueued: 1 });
    expect((await checkpoints.load('ghl-catch-up'))?.completedAt).toBeUndefined();
  });

  it('the next run continues that run and queues the rest of the lookback\'s unlinked contacts: not the older one, the linked one or the one without a phone', async () => {
    const before = e2e.relatelWrites.length;
    const stoppedRunId = (await checkpoints.load('ghl-catch-up'))?.runId;
    const run = await invoke();
    await e2e.drained();

    expect(run).toMatchObject({ outcome: 'completed', resumed: true, runId: stoppedRunId, enqueued: 2, runTotal: 3, skipped: [] });
    expect(caughtUpSince(before)).toEqual(['lostD', 'lostE']);
    expect(await checkpoints.load('ghl-catch-up')).toMatchObject({ runId: stoppedRunId, lastId: e2e.simulator.state.contact(ids.lostE)!.dateUpdated, completedAt: expect.any(String) });
    // The writer applied them: Relatel now holds the three lost contacts and the linked one, and not the older one.
    expect(e2e.relatel.state.contacts().map((contact) => contact.number).sort()).toEqual(['4571110002', '4571110003', '4571110004', '4571110005']);
  });

  it('a run after that queues nothing: it starts at the last run\'s cursor and the links reflect what it reads again', async () => {
    const before = e2e.relatelWrites.length;
    const previous = await checkpoints.load('ghl-catch-up');
    const run = await invoke();
    await e2e.drained();

    // From 5 minutes (GHL's search index lag) before the last cursor, lostE's time: the four
    // contacts changed since (all in step), not lostB 13 minutes earlier, as a run from the
    // 24-hour lookback would.
    expect(run).toMatchObject({ outcome: 'completed', resumed: false, read: 4, enqueued: 0 });
    expect(run.runId).not.toBe(previous?.runId);
    expect(caughtUpSince(before)).toEqual([]);
  });

  it('a contact changed in GHL after the last run, its webhook lost, is queued by the next, however old it was', async () => {
    const before = e2e.relatelWrites.length;
    const editedB = await editGhlContact(e2e.simulator.url, e2e.simulator.tokens[0]!, ids.lostB, { lastName: 'Bundgaard-Holm' });
    const editedOld = await editGhlContact(e2e.simulator.url, e2e.simulator.tokens[0]!, ids.old, { lastName: 'Gammelgaard-Holm' });
    const run = await invoke();
    await e2e.drained();

    expect(run).toMatchObject({ outcome: 'completed', enqueued: 2, cursor: editedOld.dateUpdated });
    expect(caughtUpSince(before)).toEqual(['lostB', 'old']);
    expect(e2e.relatelWrites.slice(before).map((write) => write.deliveryId).sort()).toEqual(
      [`catchup-${ids.lostB}-${editedB.dateUpdated}`, `catchup-${ids.old}-${editedOld.dateUpdated}`].sort(),
    );
    expect(e2e.relatel.state.contacts().find((contact) => contact.number === '4571110002')?.name).toBe('Birte Bundgaard-Holm');
  });

  it("published the deletion sweep's gauges once, for the one run that attempted it, in EMF on stdout as the alarms read them", () => {
    // The first run had no time left for the sweep, the second swept (nothing to delete), the
    // later ones found it not due: one EMF document, both gauges 0.
    const emf = captured
      .join('')
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((document) => document.service === 'ghl-catch-up');
    expect(emf).toEqual([
      expect.objectContaining({
        service: 'ghl-catch-up',
        GhlDeletionSweepRefused: 0,
        GhlDeletionSweepIncomplete: 0,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [expect.objectContaining({ Namespace: 'RelatelGhlSync', Dimensions: [['service']] })],
        }),
      }),
    ]);
  });

  it('logged its runs with ids and counts only: no name, e-mail or phone number of any contact', () => {
    const text = captured.join('');
    // The capture saw the handler's own log lines (at DEBUG), so the check below is not vacuous.
    expect(text).toContain('"service":"ghl-catch-up"');
    expect(text).toContain('GHL catch-up run');
    const personal = Object.values(PEOPLE).flatMap((person) => [
      person.firstName,
      person.lastName,
      person.email,
      ...('phone' in person ? [person.phone, person.phone.slice(1)] : []),
    ]);
    expect(personal.filter((value) => text.includes(value))).toEqual([]);
  });
});
