import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../../lib/entities.js';
import { formatStatus, tallyLinks, tallyStates, type LocalStatus } from '../../../local/status.js';

const idle = { queued: 0, inFlight: 0, deadLettered: 0, synced: 0, deleted: 0 };

function status(overrides: Partial<LocalStatus> = {}): LocalStatus {
  return {
    entities: Object.fromEntries(ENTITIES.map((entity) => [entity, { ...idle, synced: entity === 'contacts' ? 12 : 0 }])) as LocalStatus['entities'],
    flows: { 'ghl-contacts': { queued: 3, inFlight: 1, deadLettered: 2, synced: 7, deleted: 1 } },
    ...overrides,
  };
}

async function* each<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

describe('npm run status (formatStatus)', () => {
  it('shows both directions: every entity of Relatel -> GHL, then the GHL -> Relatel flow with its queue, in flight, DLQ, synced and deleted', () => {
    const lines = formatStatus(status());
    const cells = (name: string) => lines.find((line) => line.trimStart().startsWith(`${name} `))?.trim().split(/\s{2,}/);
    expect(lines[0]).toMatch(/^Relatel -> GHL\s+queued\s+in flight\s+DLQ\s+synced\s+deleted$/);
    expect(cells('contacts')).toEqual(['contacts', '0', '0', '0', '12', '0']);
    const flowHeader = lines.findIndex((line) => line.startsWith('GHL -> Relatel'));
    expect(flowHeader).toBeGreaterThan(lines.findIndex((line) => line.startsWith('contacts')));
    expect(cells('ghl-contacts')).toEqual(['ghl-contacts', '3', '1', '2', '7', '1']);
  });

  it('counts both simulators when they run, and says when they do not', () => {
    const running = formatStatus(
      status({ simulator: { contacts: 4, tasks: 1, notes: 2, appointments: 0, requests: 40 }, relatelSimulator: { contacts: 5, requests: 9 } }),
    );
    expect(running).toContain('GHL simulator: 4 contacts, 1 tasks, 2 notes, 0 appointments (40 requests served)');
    expect(running).toContain('Relatel simulator: 5 contacts (9 requests served)');
    const stopped = formatStatus(status());
    expect(stopped.some((line) => line.startsWith('Relatel simulator: not running'))).toBe(true);
  });
});

describe('npm run status counts', () => {
  it('counts a tombstone as deleted although the delete dropped its GHL id', async () => {
    const states = [{ ghlId: 'g1' }, { ghlId: 'g2' }, { deleted: true }, {}];
    expect(await tallyStates(each(states))).toEqual({ synced: 2, deleted: 1 });
  });

  it('counts, GHL -> Relatel, the live links the writer wrote to Relatel last, and the deleted links', async () => {
    const links = [
      { relatelId: '1000', lastWrittenTo: 'relatel' as const },
      { relatelId: '481516', lastWrittenTo: 'ghl' as const },
      { deleted: true, lastWrittenTo: 'relatel' as const },
      {},
    ];
    expect(await tallyLinks(each(links))).toEqual({ synced: 1, deleted: 1 });
  });
});
