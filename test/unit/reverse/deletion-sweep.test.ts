/**
 * The deletion sweep (lib/reverse/deletion-sweep.ts, deletion-sweep-schedule.ts) with fakes: which
 * links are candidates, that only a GET answering "not found" queues a delete, that a failed GET
 * concludes nothing, that an incomplete walk sweeps nothing, and that the interval is respected.
 */
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../../lib/errors.js';
import type { GhlContact, GhlContactSearch } from '../../../lib/ghl/client.js';
import type { QueueMessage } from '../../../lib/ingest/ports.js';
import type { BackfillCheckpoint, CheckpointStore } from '../../../lib/ops/backfill.js';
import { candidateLimit, isDeletionCandidate, sweepDeletions, walkGhlContactIds } from '../../../lib/reverse/deletion-sweep.js';
import { DELETION_SWEEP_CHECKPOINT, runScheduledDeletionSweep } from '../../../lib/reverse/deletion-sweep-schedule.js';
import { InMemoryGhlContactLinkStore, type GhlContactLink } from '../../../lib/reverse/links.js';
import { parseQueuedGhlContactEvent } from '../../../lib/reverse/record-processor.js';

const WALK_STARTED = new Date('2026-03-02T10:00:00.000Z');
const BEFORE = '2026-03-02T09:00:00.000Z';
const DURING = '2026-03-02T10:00:05.000Z';

const link = (ghlId: string, fields: Partial<GhlContactLink> = {}): GhlContactLink => ({
  ghlId,
  relatelId: `r-${ghlId}`,
  origin: 'created',
  lastOccurredAt: BEFORE,
  version: 1,
  ...fields,
});

describe('isDeletionCandidate', () => {
  const seen = new Set(['seen1']);
  it('takes a live link with a twin, unseen by the walk and last touched before it began', () => {
    expect(isDeletionCandidate(link('gone1'), seen, WALK_STARTED)).toBe(true);
    expect(isDeletionCandidate(link('linked1', { origin: 'linked' }), seen, WALK_STARTED)).toBe(true);
    expect(isDeletionCandidate(link('untimed', { lastOccurredAt: undefined }), seen, WALK_STARTED)).toBe(true);
  });
  it('leaves a link the walk saw, one touched during the walk, a deleted one and one without a Relatel twin', () => {
    expect(isDeletionCandidate(link('seen1'), seen, WALK_STARTED)).toBe(false);
    expect(isDeletionCandidate(link('new1', { lastOccurredAt: DURING }), seen, WALK_STARTED)).toBe(false);
    expect(isDeletionCandidate(link('new2', { lastOccurredAt: WALK_STARTED.toISOString() }), seen, WALK_STARTED)).toBe(false);
    expect(isDeletionCandidate(link('dead1', { deleted: true }), seen, WALK_STARTED)).toBe(false);
    expect(isDeletionCandidate(link('twinless', { relatelId: undefined, origin: undefined }), seen, WALK_STARTED)).toBe(false);
  });
});

/** GHL's contacts with search (dateUpdated ascending, gte filter, pages) and GET; `getAnswers` overrides a GET. */
function fakeGhl(contacts: GhlContact[], getAnswers: Record<string, 'gone' | 'fail' | 'auth'> = {}) {
  const calls = { searches: 0, gets: [] as string[] };
  return {
    calls,
    contacts,
    async searchContacts(search: GhlContactSearch): Promise<GhlContact[]> {
      calls.searches += 1;
      const filter = search.filters?.[0] as { value: { gte: string } } | undefined;
      const from = filter === undefined ? -Infinity : Date.parse(filter.value.gte);
      const sorted = contacts.filter((c) => Date.parse(c.dateUpdated!) >= from).sort((a, b) => Date.parse(a.dateUpdated!) - Date.parse(b.dateUpdated!));
      const limit = search.pageLimit ?? 100;
      const page = search.page ?? 1;
      return sorted.slice((page - 1) * limit, page * limit);
    },
    async getContact(id: string): Promise<GhlContact | undefined> {
      calls.gets.push(id);
      const answer = getAnswers[id];
      if (answer === 'fail') throw new SyncError('transient', 'GHL answered 503', { reason: 'ghl-503', status: 503 });
      if (answer === 'auth') throw new SyncError('auth', 'GHL answered 401', { reason: 'ghl-401', status: 401 });
      if (answer === 'gone') return undefined;
      return contacts.find((c) => c.id === id) ?? { id };
    },
  };
}

const contact = (id: string, minute: number): GhlContact => ({ id, dateUpdated: new Date(Date.parse(BEFORE) + minute * 60_000).toISOString() });

class MemoryCheckpoints implements CheckpointStore {
  readonly saved = new Map<string, BackfillCheckpoint>();
  async load(name: string) {
    return structuredClone(this.saved.get(name));
  }
  async save(name: string, checkpoint: BackfillCheckpoint) {
    this.saved.set(name, structuredClone(checkpoint));
  }
}

async function world(links: GhlContactLink[], ghl = fakeGhl([])) {
  const store = new InMemoryGhlContactLinkStore();
  for (const l of links) await store.save(l, 0);
  const queued: QueueMessage[] = [];
  let now = WALK_STARTED.getTime();
  const clock = { now: () => new Date(now), sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
  const checkpoints = new MemoryCheckpoints();
  const deps = { ghl, links: store, queue: { send: async (message: QueueMessage) => void queued.push(message) }, locationId: 'loc1', clock, checkpoints, newRunId: () => 'run1' };
  return { deps, queued, clock, checkpoints, ghl };
}

describe('sweepDeletions', () => {
  it('queues one delete, timed at the confirming GET, for a candidate GHL no longer has', async () => {
    const { deps, queued, ghl } = await world([link('gone1'), link('seen1')], fakeGhl([], { gone1: 'gone' }));
    const summary = await sweepDeletions(deps, { seen: new Set(['seen1']), startedAt: WALK_STARTED });

    expect(summary).toEqual({ outcome: 'completed', candidates: 1, confirmedGone: 1, stillThere: 0, getFailures: 0, enqueued: 1, deletedIds: ['gone1'] });
    expect(ghl.calls.gets).toEqual(['gone1']);
    expect(queued.map((m) => [m.entity, m.groupId, m.deduplicationId, m.attributes.event_type])).toEqual([
      ['ghl-contacts', 'gone1', 'sweep-deleted-gone1', 'ghl.contact.deleted'],
    ]);
    // The writer's own parser takes it, and it is newer than the link.
    expect(parseQueuedGhlContactEvent(queued[0]!.body)).toEqual({
      source: 'catch-up',
      dedupId: 'sweep-deleted-gone1',
      type: 'deleted',
      occurredAt: WALK_STARTED.toISOString(),
      locationId: 'loc1',
      contact: { ghlId: 'gone1', tags: [] },
    });
  });

  it('queues nothing for a candidate GHL still has', async () => {
    const { deps, queued } = await world([link('missed1')], fakeGhl([]));
    const summary = await sweepDeletions(deps, { seen: new Set(), startedAt: WALK_STARTED });
    expect(summary).toMatchObject({ candidates: 1, confirmedGone: 0, stillThere: 1, enqueued: 0 });
    expect(queued).toEqual([]);
  });

  it('skips and counts a candidate whose GET failed, and goes on with the next', async () => {
    const { deps, queued } = await world([link('flaky1'), link('gone1')], fakeGhl([], { flaky1: 'fail', gone1: 'gone' }));
    const summary = await sweepDeletions(deps, { seen: new Set(), startedAt: WALK_STARTED });
    expect(summary).toMatchObject({ outcome: 'completed', candidates: 2, getFailures: 1, confirmedGone: 1, enqueued: 1, deletedIds: ['gone1'] });
    expect(queued.map((m) => m.groupId)).toEqual(['gone1']);
  });

  it('stops on bad credentials instead of counting every GET as failed', async () => {
    const { deps, queued } = await world([link('a1')], fakeGhl([], { a1: 'auth' }));
    await expect(sweepDeletions(deps, { seen: new Set(), startedAt: WALK_STARTED })).rejects.toThrow('401');
    expect(queued).toEqual([]);
  });

  it('asks GHL nothing about links that are not candidates', async () => {
    const { deps, ghl } = await world([link('seen1'), link('dead1', { deleted: true }), link('twinless', { relatelId: undefined }), link('new1', { lastOccurredAt: DURING })], fakeGhl([], { dead1: 'gone', twinless: 'gone', new1: 'gone' }));
    const summary = await sweepDeletions(deps, { seen: new Set(['seen1']), startedAt: WALK_STARTED });
    expect(summary).toMatchObject({ candidates: 0, enqueued: 0 });
    expect(ghl.calls.gets).toEqual([]);
  });
});

describe('the candidate limit', () => {
  const many = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => link(`${prefix}${i}`));
  const allGone = (ids: GhlContactLink[]) => Object.fromEntries(ids.map((l) => [l.ghlId, 'gone' as const]));

  it('is a tenth of the links with a Relatel twin, and never under 25', () => {
    expect(candidateLimit(0)).toBe(25);
    expect(candidateLimit(249)).toBe(25);
    expect(candidateLimit(1_000)).toBe(100);
  });

  it('refuses, before any GET, a sweep whose candidates are more than lost webhooks can explain', async () => {
    const missing = many(26, 'missing');
    const { deps, queued, ghl } = await world([...missing, ...many(100, 'seen')], fakeGhl([], allGone(missing)));
    const seen = new Set(Array.from({ length: 100 }, (_, i) => `seen${i}`));
    const summary = await sweepDeletions(deps, { seen, startedAt: WALK_STARTED });
    expect(summary).toMatchObject({ outcome: 'refused', candidates: 26, candidateLimit: 25, confirmedGone: 0, enqueued: 0 });
    expect(summary.candidateSample).toEqual(missing.slice(0, 20).map((l) => l.ghlId));
    expect(ghl.calls.gets).toEqual([]);
    expect(queued).toEqual([]);
  });

  it('takes an operator\'s higher limit', async () => {
    const missing = many(26, 'missing');
    const { deps, queued } = await world(missing, fakeGhl([], allGone(missing)));
    const summary = await sweepDeletions(deps, { seen: new Set(), startedAt: WALK_STARTED }, { maxCandidates: 26, ratePerSecond: 1000 });
    expect(summary).toMatchObject({ outcome: 'completed', candidates: 26, confirmedGone: 26, enqueued: 26 });
    expect(queued).toHaveLength(26);
  });

  it('stops between GETs when asked, and says how many it did not ask about', async () => {
    const { deps, queued } = await world([link('gone1'), link('gone2'), link('gone3')], fakeGhl([], { gone1: 'gone', gone2: 'gone', gone3: 'gone' }));
    let asked = 0;
    const summary = await sweepDeletions(deps, { seen: new Set(), startedAt: WALK_STARTED }, { shouldStop: () => ++asked > 1 });
    expect(summary).toMatchObject({ outcome: 'stopped', candidates: 3, confirmedGone: 1, enqueued: 1, notAsked: 2 });
    expect(queued).toHaveLength(1);
  });
});

describe('walkGhlContactIds', () => {
  it('reads every id in pages of 500 by default, and says when it was cut short', async () => {
    const contacts = Array.from({ length: 1_001 }, (_, i) => contact(`c${i}`, i));
    const complete = await walkGhlContactIds(fakeGhl(contacts));
    expect(complete).toMatchObject({ complete: true, pages: 3 });
    expect(complete.ids.size).toBe(1_001);

    const cut = await walkGhlContactIds(fakeGhl(contacts), { shouldStop: () => true });
    expect(cut).toMatchObject({ complete: false, pages: 1 });
  });
});

describe('runScheduledDeletionSweep', () => {
  const day = { intervalHours: 24, pageLimit: 2 };

  it('walks, sweeps and queues the delete of a contact GHL lost, then waits out the interval', async () => {
    const ghl = fakeGhl([contact('alive1', 0), contact('alive2', 1), contact('alive3', 2)], { gone1: 'gone' });
    const { deps, queued, clock, checkpoints } = await world([link('alive1'), link('gone1')], ghl);

    const first = await runScheduledDeletionSweep(deps, day);
    expect(first).toMatchObject({ outcome: 'completed', runId: 'run1', walked: 3, candidates: 1, confirmedGone: 1, enqueued: 1, deletedIds: ['gone1'] });
    expect(queued.map((m) => m.deduplicationId)).toEqual(['sweep-deleted-gone1']);
    expect(checkpoints.saved.get(DELETION_SWEEP_CHECKPOINT)).toMatchObject({ startedAt: WALK_STARTED.toISOString(), completedAt: WALK_STARTED.toISOString(), enqueued: 1 });

    const searches = ghl.calls.searches;
    clock.advance(23 * 3_600_000);
    expect(await runScheduledDeletionSweep(deps, day)).toEqual({ outcome: 'not-due', lastStartedAt: WALK_STARTED.toISOString() });
    expect(ghl.calls.searches).toBe(searches);

    clock.advance(3_600_000);
    expect(await runScheduledDeletionSweep(deps, day)).toMatchObject({ outcome: 'completed' });
    expect(ghl.calls.searches).toBeGreaterThan(searches);
  });

  it('concludes nothing from a walk cut short, and does not try again before the interval', async () => {
    const ghl = fakeGhl([contact('alive1', 0), contact('alive2', 1), contact('alive3', 2)], { gone1: 'gone' });
    const { deps, queued, checkpoints } = await world([link('alive3'), link('gone1')], ghl);
    // Time runs out once the first search page is read.
    const summary = await runScheduledDeletionSweep(deps, { ...day, shouldStop: () => ghl.calls.searches >= 1 });
    expect(summary).toEqual({ outcome: 'walk-incomplete', runId: 'run1', walked: 2, pages: 1 });
    expect(ghl.calls.gets).toEqual([]);
    expect(queued).toEqual([]);
    expect(checkpoints.saved.get(DELETION_SWEEP_CHECKPOINT)?.completedAt).toBeUndefined();
    expect(await runScheduledDeletionSweep(deps, day)).toMatchObject({ outcome: 'not-due' });
  });

  it('does not start, nor count as an attempt, when the invocation has no time left', async () => {
    const ghl = fakeGhl([contact('alive1', 0)], { gone1: 'gone' });
    const { deps, queued, checkpoints } = await world([link('gone1')], ghl);
    expect(await runScheduledDeletionSweep(deps, { ...day, shouldStop: () => true })).toEqual({ outcome: 'no-time', overdue: false });
    expect(ghl.calls).toEqual({ searches: 0, gets: [] });
    expect(checkpoints.saved.size).toBe(0);
    expect(await runScheduledDeletionSweep(deps, day)).toMatchObject({ outcome: 'completed', enqueued: 1 });
    expect(queued.map((m) => m.groupId)).toEqual(['gone1']);
  });

  it('calls a run with no time left overdue once a whole interval has passed since the sweep was due, and only then', async () => {
    const ghl = fakeGhl([contact('alive1', 0)], {});
    const { deps, clock } = await world([link('alive1')], ghl);
    const noTime = { ...day, shouldStop: () => true };
    // Never attempted: nothing to measure an overdue sweep from.
    expect(await runScheduledDeletionSweep(deps, noTime)).toEqual({ outcome: 'no-time', overdue: false });
    expect(await runScheduledDeletionSweep(deps, day)).toMatchObject({ outcome: 'completed' });
    clock.advance(24 * 3_600_000); // due
    expect(await runScheduledDeletionSweep(deps, noTime)).toEqual({ outcome: 'no-time', overdue: false });
    clock.advance(24 * 3_600_000 - 1);
    expect(await runScheduledDeletionSweep(deps, noTime)).toEqual({ outcome: 'no-time', overdue: false });
    clock.advance(1); // due a whole interval ago, and no run found time for it
    expect(await runScheduledDeletionSweep(deps, noTime)).toEqual({ outcome: 'no-time', overdue: true });
    expect(ghl.calls.searches).toBe(1);
  });

  it('does nothing at all when the interval is 0', async () => {
    const ghl = fakeGhl([], { gone1: 'gone' });
    const { deps, queued, checkpoints } = await world([link('gone1')], ghl);
    expect(await runScheduledDeletionSweep(deps, { intervalHours: 0 })).toEqual({ outcome: 'off' });
    expect(ghl.calls).toEqual({ searches: 0, gets: [] });
    expect(queued).toEqual([]);
    expect(checkpoints.saved.size).toBe(0);
  });
});
