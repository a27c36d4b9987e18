/**
 * The GHL catch-up (lib/reverse/catch-up.ts) against the GHL simulator's POST /contacts/search,
 * with the real Relatel writer on the Relatel simulator applying what it queues: contacts the
 * links do not reflect are queued once, contacts already in step cost nothing, the walk survives
 * ties on `dateUpdated` and resumes after a stop.
 */
import { describe, expect, it } from 'vitest';
import type { GhlClient } from '../../../lib/ghl/index.js';
import type { QueueMessage } from '../../../lib/ingest/ports.js';
import type { BackfillCheckpoint, CheckpointStore } from '../../../lib/ops/backfill.js';
import { createRelatelWriter } from '../../../lib/relatel/writer.js';
import { runGhlCatchUp, type GhlCatchUpDependencies, type GhlCatchUpOptions } from '../../../lib/reverse/catch-up.js';
import { InMemoryGhlContactLinkStore } from '../../../lib/reverse/links.js';
import { parseQueuedGhlContactEvent } from '../../../lib/reverse/record-processor.js';
import { syncGhlContactEvent } from '../../../lib/reverse/sync-ghl-contact.js';
import { InMemorySyncStateStore } from '../../../lib/sync/state.js';
import { ghlClientOf, harnessPerTest, type ConsumerHarness } from '../consumers/harness.js';
import { relatelSimulator } from '../relatel-simulator/support.js';

const harness = harnessPerTest();

class MemoryCheckpoints implements CheckpointStore {
  readonly saved = new Map<string, BackfillCheckpoint>();
  async load(name: string) {
    return structuredClone(this.saved.get(name));
  }
  async save(name: string, checkpoint: BackfillCheckpoint) {
    this.saved.set(name, structuredClone(checkpoint));
  }
}

async function world() {
  const h = await harness();
  const ghl = ghlClientOf(h);
  const relatel = await relatelSimulator();
  const links = new InMemoryGhlContactLinkStore();
  const state = new InMemorySyncStateStore();
  const queued: QueueMessage[] = [];
  const checkpoints = new MemoryCheckpoints();
  const now = () => new Date(h.clock.now());
  const deps: GhlCatchUpDependencies = {
    ghl,
    links,
    queue: { send: async (message) => void queued.push(message) },
    checkpoints,
    mapping: { defaultCountry: 'DK' },
    locationId: h.ghl.locationId,
    clock: { now, sleep: h.clock.sleep },
    newRunId: () => `run-${checkpoints.saved.size}-${queued.length}`,
  };
  const writer = createRelatelWriter({ baseUrl: relatel.apiBaseUrl, token: async () => relatel.tokens[0] as string });
  const catchUp = (options: GhlCatchUpOptions) => runGhlCatchUp(deps, { ratePerSecond: 1000, ...options });
  /** The Relatel writer applies every queued message, as the ghl-contacts consumer would. */
  const applyQueued = async () => {
    for (const message of queued.splice(0)) {
      await syncGhlContactEvent(parseQueuedGhlContactEvent(message.body), { links, state, relatel: writer, mapping: { defaultCountry: 'DK' }, now });
    }
  };
  return { h, ghl, relatel, queued, checkpoints, catchUp, applyQueued };
}

async function createGhlContacts(h: ConsumerHarness, ghl: GhlClient, contacts: { firstName: string; phone?: string }[], stepMs = 1_000) {
  const ids: string[] = [];
  for (const contact of contacts) {
    const result = await ghl.createContact(contact);
    if (result.outcome !== 'created') throw new Error('expected a new contact');
    ids.push(result.contact.id);
    h.clock.advance(stepMs);
  }
  return ids;
}

describe('GHL catch-up', () => {
  it('queues every GHL contact with a phone as an update event, then nothing once the writer applied them', async () => {
    const { h, ghl, relatel, queued, catchUp, applyQueued } = await world();
    const [mette, ole] = await createGhlContacts(h, ghl, [
      { firstName: 'Mette', phone: '+4571999999' },
      { firstName: 'Ole', phone: '+4522334455' },
      { firstName: 'Nina' },
    ]);

    const first = await catchUp({ mode: 'all' });
    expect(first).toMatchObject({ outcome: 'completed', read: 3, enqueued: 2, skipped: [] });
    expect(queued.map((message) => [message.entity, message.groupId, message.deduplicationId, message.attributes.event_type])).toEqual([
      ['ghl-contacts', mette, `catchup-${mette}-2026-03-02T09:00:00.000Z`, 'ghl.contact.updated'],
      ['ghl-contacts', ole, `catchup-${ole}-2026-03-02T09:00:01.000Z`, 'ghl.contact.updated'],
    ]);
    expect(parseQueuedGhlContactEvent(queued[0]!.body)).toMatchObject({ source: 'catch-up', type: 'updated', occurredAt: '2026-03-02T09:00:00.000Z', contact: { ghlId: mette, firstName: 'Mette', phone: '+4571999999' } });

    await applyQueued();
    expect(relatel.state.contacts().map((contact) => [contact.name, contact.number]).sort()).toEqual([
      ['Mette', '4571999999'],
      ['Ole', '4522334455'],
    ]);

    const second = await catchUp({ mode: 'all' });
    expect(second).toMatchObject({ outcome: 'completed', resumed: false, read: 3, enqueued: 0 });
    expect(queued).toEqual([]);
  });

  it('reads from the last run on and queues only the change the links lack', async () => {
    const { h, ghl, queued, catchUp, applyQueued } = await world();
    const [mette] = await createGhlContacts(h, ghl, [
      { firstName: 'Mette', phone: '+4571999999' },
      { firstName: 'Ole', phone: '+4522334455' },
    ]);
    await catchUp({ mode: 'changed', overlapMs: 0 });
    await applyQueued();

    h.clock.advance(3_600_000);
    const updated = await ghl.updateContact(mette!, { lastName: 'Hansen' });
    const run = await catchUp({ mode: 'changed', overlapMs: 0 });
    // From the cursor (Ole's time) on: Ole again, and Mette's change.
    expect(run).toMatchObject({ outcome: 'completed', read: 2, enqueued: 1, cursor: updated.dateUpdated });
    expect(queued.map((message) => message.deduplicationId)).toEqual([`catchup-${mette}-${updated.dateUpdated}`]);
    expect(parseQueuedGhlContactEvent(queued[0]!.body).contact).toMatchObject({ firstName: 'Mette', lastName: 'Hansen' });
  });

  it('reads each contact once when more contacts than a page share one dateUpdated', async () => {
    const { h, ghl, queued, catchUp } = await world();
    const phones = ['+4571000001', '+4571000002', '+4571000003', '+4571000004', '+4571000005'];
    const ids = await createGhlContacts(h, ghl, phones.map((phone, index) => ({ firstName: `C${index}`, phone })), 0);
    h.clock.advance(1_000);
    const [late] = await createGhlContacts(h, ghl, [{ firstName: 'Late', phone: '+4571000006' }]);

    const run = await catchUp({ mode: 'all', pageSize: 2 });
    expect(run).toMatchObject({ outcome: 'completed', read: 6, enqueued: 6 });
    expect(queued.map((message) => message.groupId).sort()).toEqual([...ids, late].sort());
  });

  it('stops when asked and resumes the same run where it stopped', async () => {
    const { h, ghl, queued, catchUp } = await world();
    const ids = await createGhlContacts(h, ghl, [
      { firstName: 'A', phone: '+4571000001' },
      { firstName: 'B', phone: '+4571000002' },
      { firstName: 'C', phone: '+4571000003' },
    ]);
    let asked = 0;
    const stopped = await catchUp({ mode: 'all', pageSize: 1, shouldStop: () => ++asked > 2 });
    expect(stopped).toMatchObject({ outcome: 'stopped', read: 2, enqueued: 2 });

    const resumed = await catchUp({ mode: 'all', pageSize: 1 });
    expect(resumed).toMatchObject({ outcome: 'completed', resumed: true, runId: stopped.runId });
    // The contact at the cursor is read again: its delivery id is the same, so SQS drops the copy.
    expect(new Set(queued.map((message) => message.deduplicationId)).size).toBe(3);
    expect(new Set(queued.map((message) => message.groupId))).toEqual(new Set(ids));
  });
});
