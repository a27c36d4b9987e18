/** A Relatel contacts API in memory, paging like the real one (`id_gt_or_eq`, `limit`), for backfill and verify. */
import type { RelatelClient, RelatelContact } from '../../../lib/relatel/client.js';

export function relatelContact(id: number, overrides: Partial<RelatelContact> = {}): RelatelContact {
  return { id, name: `Kunde ${id}`, number: `457199${String(id).padStart(4, '0')}`, email: `kunde${id}@example.dk`, ...overrides };
}

export interface FakeRelatel extends Pick<RelatelClient, 'listContacts'> {
  /** Pages served so far. */
  readonly pagesServed: number;
  /** Makes the request for page `n` (1-based) fail, once. */
  failPage(n: number): void;
}

export function fakeRelatel(contacts: RelatelContact[]): FakeRelatel {
  const sorted = [...contacts].sort((a, b) => Number(a.id) - Number(b.id));
  let pagesServed = 0;
  const failing = new Set<number>();
  return {
    get pagesServed() {
      return pagesServed;
    },
    failPage(n) {
      failing.add(n);
    },
    async listContacts({ fromId, limit = 100 }) {
      const page = pagesServed + 1;
      if (failing.delete(page)) throw new Error(`Relatel API did not answer page ${page}`);
      pagesServed = page;
      return sorted.filter((c) => fromId === undefined || Number(c.id) >= Number(fromId)).slice(0, limit);
    },
  };
}
