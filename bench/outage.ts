/**
 * Production-timing run (b), issue 11: a GHL outage in the middle of a stream. Relatel sends one
 * event a second throughout: new contacts followed by their task and note, and renames. After a
 * minute GHL answers every request 503 for 6.5 minutes (longer than the old retry budget of about
 * two minutes), then recovers; the stream goes on for another minute with new contacts only.
 * Nothing is scaled (bench/production.ts).
 *
 * Reported: the requests GHL was sent during the outage (in all, and in each minute), the time
 * from recovery until GHL holds exactly what the events sent before the recovery say, the time
 * until everything is exact and the queues are empty, and the records parked (target 0).
 */
import { seededRandom } from '../local/ghl-simulator/random.js';
import type { SimRequestRecord } from '../local/ghl-simulator/index.js';
import type { RelatelEventFixture } from '../test/factories/relatel-events.js';
import { BENCH_WEBHOOK_SECRET, ghlRequestsOf, readParked, readSimulator, readSimulatorState, requestsPerBucket, waitUntilDrained } from './bench-stack.js';
import { eventMaker, expectedContact, relatelContactOf, stateDifferences, type ExpectedContactRecord } from './exact-state.js';
import { startProductionStack } from './production.js';

/** One event a second, as Relatel sends them when people work. */
const PACE_MS = 1_000;
export const OUTAGE_SECONDS = 390;
const BEFORE_SECONDS = 60;
const AFTER_SECONDS = 60;
const FIRST_CONTACT_ID = 2_000_000;
/** GHL answers 503 to every request, before doing anything. */
const OUTAGE_FAULTS = { serverErrorRate: 1, serverErrorStatuses: [503] };
const RECOVERED_FAULTS = { serverErrorRate: 0 };
/** How often GHL's state is compared with the expected one after the recovery. */
const CHECK_EVERY_MS = 1_000;
const DRAIN_TIMEOUT_MS = 40 * 60_000;

export interface StreamPhase {
  readonly events: readonly RelatelEventFixture[];
  /** What GHL must hold for the contacts this phase and those before it made or changed. */
  readonly expected: readonly ExpectedContactRecord[];
}

interface ContactInStream {
  id: number;
  version: number;
  task: boolean;
  note: boolean;
}

/**
 * The stream in three phases of `counts` events each: before, during and after the outage. In
 * each, a new contact is followed later in the phase by its task and note; renames pick any
 * contact of the phase or, before and during the outage, of earlier phases. The phase after
 * touches only its own contacts, so the earlier phases' expected state is final at the recovery.
 */
export function buildOutageStream(options: { run: string; counts: readonly [number, number, number]; seed?: number }): readonly StreamPhase[] {
  const random = seededRandom(options.seed ?? 23);
  const events = eventMaker(options.run);
  const contacts: ContactInStream[] = [];
  let nextId = FIRST_CONTACT_ID;
  return options.counts.map((count, phase) => {
    const firstOfPhase = contacts.length;
    const renamable = () => (phase === 2 ? contacts.slice(firstOfPhase) : contacts);
    const pending: (() => RelatelEventFixture)[] = [];
    const phaseEvents: RelatelEventFixture[] = [];
    for (let left = count; left > 0; left--) {
      const draw = random();
      const candidates = renamable();
      if (pending.length > 0 && (pending.length >= left || draw < 0.45)) {
        phaseEvents.push((pending.shift() as () => RelatelEventFixture)());
      } else if (pending.length + 3 <= left && (draw < 0.75 || candidates.length === 0)) {
        const contact: ContactInStream = { id: nextId++, version: 1, task: false, note: false };
        contacts.push(contact);
        phaseEvents.push(events.contact('contact.created', contact.id, 1));
        pending.push(
          () => ((contact.task = true), events.task(contact.id)),
          () => ((contact.note = true), events.note(contact.id)),
        );
      } else {
        const contact = candidates[Math.floor(random() * candidates.length)] as ContactInStream;
        contact.version += 1;
        phaseEvents.push(events.contact('contact.updated', contact.id, contact.version));
      }
    }
    const expected = contacts.map((contact) => expectedContact(options.run, contact.id, contact.version, contact));
    return { events: phaseEvents, expected };
  });
}

export interface OutageResult {
  readonly events: readonly [number, number, number];
  readonly outageMs: number;
  /** Requests GHL was sent while it was down, in all and in each minute of the outage. */
  readonly outageRequests: number;
  readonly outageRequestsPerMinute: readonly number[];
  /** Recovery to GHL's first accepted request. */
  readonly firstRequestAfterMs: number | undefined;
  /** Recovery to GHL holding exactly what every event sent before the recovery says. */
  readonly backlogExactAfterMs: number | undefined;
  /** Recovery to every queue empty and GHL holding exactly the whole stream's state. */
  readonly allExactAfterMs: number;
  /** Accepted GHL requests in each 10 s from the first after the recovery. */
  readonly per10sAfterRecovery: readonly number[];
  readonly parked: readonly { entity: string; reason: string; count: number }[];
  readonly differences: readonly string[];
  readonly byStatus: Readonly<Record<string, number>>;
}

export async function runOutageBench(options: { outageSeconds?: number; progress?: (line: string) => void } = {}): Promise<OutageResult> {
  const progress = options.progress ?? (() => {});
  const outageSeconds = options.outageSeconds ?? OUTAGE_SECONDS;
  const run = `o${Date.now().toString(36)}`;
  const counts = [BEFORE_SECONDS, outageSeconds, AFTER_SECONDS].map((seconds) => Math.round((seconds * 1000) / PACE_MS)) as [number, number, number];
  const phases = buildOutageStream({ run, counts });
  const [before, during, after] = phases as [StreamPhase, StreamPhase, StreamPhase];
  const bench = await startProductionStack();
  const send = (phase: StreamPhase) =>
    bench.world.call('send-paced', { events: [...phase.events], url: bench.stack.webhookUrl, secret: BENCH_WEBHOOK_SECRET, paceMs: PACE_MS }, phase.events.length * PACE_MS * 2 + 60_000);
  try {
    for (const want of after.expected) bench.stack.relatelSimulator?.seedContact(relatelContactOf(want));
    await send(before);
    progress(`outage: ${before.events.length} events sent before the outage`);
    await bench.world.call('set-faults', { name: 'ours', faults: OUTAGE_FAULTS });
    const outageStart = Date.now();
    await send(during);
    await sleepUntil(outageStart + outageSeconds * 1000);
    await bench.world.call('set-faults', { name: 'ours', faults: RECOVERED_FAULTS });
    const recovered = Date.now();
    progress(`outage: GHL down for ${recovered - outageStart} ms with ${during.events.length} events sent; recovered`);

    const sending = send(after);
    let backlogExactAt: number | undefined;
    while (backlogExactAt === undefined && Date.now() - recovered < DRAIN_TIMEOUT_MS) {
      const state = await readSimulatorState(bench.ghl);
      if (stateDifferences(state, during.expected, false).length === 0) backlogExactAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
    }
    progress(`outage: backlog exact ${backlogExactAt === undefined ? 'never' : `${backlogExactAt - recovered} ms`} after the recovery`);
    await sending;
    await waitUntilDrained(bench.sqs, bench.aws.queues, DRAIN_TIMEOUT_MS);
    const drained = Date.now();
    const { snapshot, requests } = await readSimulator(bench.ghl);
    const inOutage = ghlRequestsOf(requests).filter((request) => within(request, outageStart, recovered));
    const afterRecovery = ghlRequestsOf(requests).filter((request) => Date.parse(request.at) >= recovered);
    const firstAccepted = afterRecovery.find((request) => request.status >= 200 && request.status < 300);
    const result: OutageResult = {
      events: [before.events.length, during.events.length, after.events.length],
      outageMs: recovered - outageStart,
      outageRequests: inOutage.length,
      outageRequestsPerMinute: perMinute(inOutage, outageStart, recovered),
      firstRequestAfterMs: firstAccepted && Date.parse(firstAccepted.at) - recovered,
      backlogExactAfterMs: backlogExactAt && backlogExactAt - recovered,
      allExactAfterMs: drained - recovered,
      per10sAfterRecovery: requestsPerBucket(afterRecovery, 10_000),
      parked: await readParked(bench.sqs, bench.aws.queues),
      differences: stateDifferences(snapshot, after.expected, true),
      byStatus: snapshot.counters.byStatus,
    };
    progress(`outage: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await bench.stop();
  }
}

const within = (request: SimRequestRecord, from: number, to: number) => {
  const at = Date.parse(request.at);
  return at >= from && at < to;
};

/** Requests in each whole or partial minute from `from` to `to`. */
function perMinute(requests: readonly SimRequestRecord[], from: number, to: number): number[] {
  const counts = Array.from({ length: Math.ceil((to - from) / 60_000) }, () => 0);
  for (const request of requests) {
    const minute = Math.floor((Date.parse(request.at) - from) / 60_000);
    if (minute >= 0 && minute < counts.length) counts[minute] = (counts[minute] ?? 0) + 1;
  }
  return counts;
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
