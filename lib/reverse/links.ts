/**
 * The link between a GHL contact and its Relatel twin, as the GHL -> Relatel flow keeps it: one
 * item per GHL contact (the writer's queue is grouped by the GHL contact id), written by both
 * directions. Together with the contacts state of the Relatel -> GHL direction (lib/sync/state.ts,
 * keyed by the Relatel id, whose `bodyHash` fingerprints what the sync last wrote to GHL) it is
 * what makes the two flows unable to loop (docs/SYNC.md#both-directions):
 *
 *  - `relatelHash` is the fingerprint (relatelContactHash) of the synced Relatel values
 *    (name, number, e-mail) as both systems hold them after the sync's last write, on either
 *    side: the Relatel writer sets it when it writes Relatel, the contacts consumer when it
 *    writes GHL from a Relatel contact. An event of either side whose contact maps to the same
 *    fingerprint is the other side's write coming back (or a change the other side does not
 *    hold): nothing to write, no call.
 *  - `lastOccurredAt` is the time of the newest change applied to the pair, from either side:
 *    an older event of either side does not overwrite it (newest wins across the two systems).
 *  - `origin` says who made the Relatel contact: `created` by this flow (deleted with the GHL
 *    contact, or when it stops qualifying), or `linked` (Relatel's before; never deleted).
 */
import { SyncError } from '../errors.js';

export interface GhlContactLink {
  ghlId: string;
  /** The Relatel contact, once created or linked. */
  relatelId?: string;
  origin?: 'created' | 'linked';
  relatelHash?: string;
  /**
   * Which side the sync last wrote `relatelHash`'s values to: `relatel` (the writer, from GHL's
   * contact: GHL holds them) or `ghl` (the contacts consumer, whose own state says what GHL holds).
   */
  lastWrittenTo?: 'relatel' | 'ghl';
  /** ISO time of the newest change applied to the pair, from either side. */
  lastOccurredAt?: string;
  /** ISO time the writer was about to create the Relatel contact: a retry that finds one by number made it. */
  pendingCreateSince?: string;
  /** The GHL contact was deleted: later events of it are stale. */
  deleted?: boolean;
  /** Optimistic concurrency: 0 = not stored yet; each write adds 1. */
  version: number;
}

export interface GhlContactLinkStore {
  get(ghlId: string): Promise<GhlContactLink | undefined>;
  /** Writes iff the stored version equals `expectedVersion` (0 = must not exist); else throws LinkConflictError. */
  save(link: GhlContactLink, expectedVersion: number): Promise<GhlContactLink>;
}

/**
 * Every link, in no order: what the deletion sweep (lib/reverse/deletion-sweep.ts) compares with
 * a walk of GHL's contacts. Apart from GhlContactLinkStore because only the sweep needs it, and
 * on DynamoDB it reads the whole sync-state table.
 */
export interface GhlContactLinkListing {
  list(): AsyncIterable<GhlContactLink>;
}

/** Someone else wrote the link first: transient, the event decides again on the fresh link. */
export class LinkConflictError extends SyncError {
  constructor(ghlId: string, cause?: unknown) {
    super('transient', `Link of GHL contact ${ghlId} was written concurrently`, { reason: 'state-conflict', cause });
    this.name = 'LinkConflictError';
  }
}

/** True when `occurredAt` is strictly before the newest change applied to the pair. */
export function isOlderThanLink(link: GhlContactLink | undefined, occurredAt: string): boolean {
  if (link?.lastOccurredAt === undefined) return false;
  return Date.parse(occurredAt) < Date.parse(link.lastOccurredAt);
}

/** The later of two ISO instants (either may be absent). */
export function latestOf(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) > Date.parse(b) ? a : b;
}

/** Links in memory, with the DynamoDB store's guarantees (no await between check and write). */
export class InMemoryGhlContactLinkStore implements GhlContactLinkStore, GhlContactLinkListing {
  private readonly links = new Map<string, GhlContactLink>();

  async get(ghlId: string): Promise<GhlContactLink | undefined> {
    const link = this.links.get(ghlId);
    return link === undefined ? undefined : structuredClone(link);
  }

  async save(link: GhlContactLink, expectedVersion: number): Promise<GhlContactLink> {
    if ((this.links.get(link.ghlId)?.version ?? 0) !== expectedVersion) throw new LinkConflictError(link.ghlId);
    const saved = Object.fromEntries(Object.entries({ ...structuredClone(link), version: expectedVersion + 1 }).filter(([, v]) => v !== undefined)) as unknown as GhlContactLink;
    this.links.set(link.ghlId, saved);
    return structuredClone(saved);
  }

  async *list(): AsyncIterable<GhlContactLink> {
    for (const link of this.all()) yield link;
  }

  /** Every link, for tests and the local status. */
  all(): GhlContactLink[] {
    return [...this.links.values()].map((link) => structuredClone(link));
  }
}
