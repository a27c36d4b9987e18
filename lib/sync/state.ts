/**
 * The sync-state port: what the sync remembers about each Relatel record and each delivery, so
 * that at-least-once, out-of-order delivery still ends as exactly-once, newest-wins state in GHL.
 *
 * Guarantees every implementation keeps (the contract tests in test/integration/sync-state run
 * the same suite against each one):
 *  - Optimistic concurrency. `save` writes iff the stored version equals `expectedVersion`
 *    (0 = must not exist yet), else throws StaleStateError, a transient SyncError: the event is
 *    retried and decides again on the fresh state. A read-decide-write cycle therefore never
 *    overwrites a write it did not see.
 *  - No stale overwrite. `lastOccurredAt` is the `occurred_at` of the last applied event; with
 *    the version check above, a decision that skips events for which `isOlderThanApplied` holds
 *    can never let an older event overwrite newer state.
 *  - One creator. `claimCreate` is a conditional write: of any number of concurrent workers at
 *    most one holds a fresh claim to create a record's GHL twin, so two Lambdas never both create
 *    it. A claim older than the lease can be taken over (its holder died). The lease must be
 *    longer than a consumer can run (the Lambda timeout), or a slow holder and a taker-over could
 *    both create.
 *  - Deliveries remembered past SQS's 5-minute FIFO dedup window: `markDeliveryProcessed` keeps a
 *    delivery id for a TTL (default 7 days) and is itself conditional, so two concurrent workers
 *    cannot both mark one delivery. Expiry is decided here by comparing `expiresAt` with `now`,
 *    never by DynamoDB's TTL deletion (late by up to days in AWS, absent in dynalite).
 *
 * Implementations: InMemorySyncStateStore below (tests, local tools) and DynamoSyncStateStore in
 * lib/aws/dynamo-sync-state.ts (one table, key layout documented there).
 */
import type { Entity } from '../entities.js';
import { SyncError } from '../errors.js';

export interface RecordSyncState {
  entity: Entity;
  relatelId: string;
  /** The GHL record, once created. */
  ghlId?: string;
  /** Tasks, notes and appointments: the GHL contact they belong to. */
  ghlContactId?: string;
  /** ISO `occurred_at` of the last applied event: an older event never overwrites newer data. */
  lastOccurredAt?: string;
  /** Hash of the last written GHL body: an event that changes nothing costs no GHL call. */
  bodyHash?: string;
  /** Contacts: the tag set last synced (tags are diffed, never overwritten wholesale). */
  tags?: string[];
  /**
   * Contacts: tags a failed plan added or removed, which GHL may or may not have applied. The
   * next plan that syncs tags adds or removes each of them as wanted, whatever `tags` says.
   */
  tagsInDoubt?: string[];
  /** Tombstone: a delete was applied, so a late update must not resurrect the record. */
  deleted?: boolean;
  /**
   * GHL no longer has the record (a person deleted it there). When the mapping lets GHL's
   * deletions win, its later events are skipped (`deleted-in-ghl`); otherwise it marks a contact
   * to be written again (its children re-create it). Cleared once the record is written. heal.ts.
   */
  deletedInGhl?: boolean;
  /** ISO time a worker claimed the right to create the GHL record; cleared once it is created. */
  pendingCreateSince?: string;
  /**
   * A create that failed after it may have reached GHL (a 5xx or no answer): where, and by what
   * hashed key, to look for the record it may have left there. The record's next event looks
   * before it plans, whatever that event is (a newer version with another body, a delete).
   */
  createInDoubt?: CreateInDoubt;
  /**
   * Contacts: ISO time the contacts consumer parked an event of this contact. Its waiting
   * children are parked too, unless the contact was linked or claimed again since (lib/sync/contact-wait.ts).
   */
  parkedAt?: string;
  /** Contacts: ISO time a child asked for this contact, unknown to the sync, to be read from Relatel and queued. */
  fetchRequestedAt?: string;
  /** Optimistic concurrency: 0 = not stored yet; each write adds 1. */
  version: number;
}

export type CreateInDoubt = ChildCreateInDoubt | ContactCreateInDoubt;

interface CreateInDoubtBase {
  /** Hash of what identifies the created record: no personal data. */
  key: string;
  /** What the state would have recorded had the create succeeded: true of the record if it is found. */
  bodyHash?: string;
  occurredAt?: string;
}

/** A task, note or appointment: listed under its contact and matched by `key` (executor.ts, createMatchKey). */
export interface ChildCreateInDoubt extends CreateInDoubtBase {
  kind: 'task.create' | 'note.create' | 'appointment.create';
  /** The GHL contact the record hangs on (appointments are listed by contact too). */
  contactId: string;
}

/**
 * A contact without e-mail and phone, which nothing but a search can find: searched among the
 * contacts GHL added while the create was out (created-contact.ts).
 */
export interface ContactCreateInDoubt extends CreateInDoubtBase {
  kind: 'contact.create';
  /** ISO times between which the create was sent and failed: GHL's dateAdded of the record lies between. */
  sentFrom: string;
  sentUntil: string;
}

export type ClaimCreateResult =
  | { claimed: true; state: RecordSyncState }
  /**
   * `exists`: the GHL record was already created (state.ghlId is set): update it instead.
   * `in-progress`: another worker holds a fresh claim: retry later (a transient failure).
   */
  | { claimed: false; reason: 'exists' | 'in-progress'; state: RecordSyncState };

export interface StatePage {
  states: RecordSyncState[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface ListStatesOptions {
  cursor?: string;
  /** Upper bound on records examined per page (a page may hold fewer states, even none). */
  limit?: number;
}

export interface SyncStateStore {
  /** The stored state of a record, or undefined if the sync has never written one. */
  get(entity: Entity, relatelId: string): Promise<RecordSyncState | undefined>;
  /**
   * Writes the whole state iff the stored version equals `expectedVersion` (0 = must not exist).
   * Throws StaleStateError when someone else wrote first. Returns the state as stored (version + 1).
   */
  save(state: RecordSyncState, expectedVersion: number): Promise<RecordSyncState>;
  /**
   * Claims the right to create the record's GHL twin (sets pendingCreateSince = now). Refused
   * when the GHL record exists or another worker's claim is younger than `leaseMs`. On success
   * the creator saves the ghlId (and clears pendingCreateSince) with expectedVersion = state.version.
   */
  claimCreate(entity: Entity, relatelId: string, now: Date, leaseMs: number): Promise<ClaimCreateResult>;
  /**
   * Remembers a processed delivery id until now + ttlSeconds. False if it was already
   * remembered and has not expired (another worker or an earlier delivery processed it).
   */
  markDeliveryProcessed(deliveryId: string, now: Date, ttlSeconds?: number): Promise<boolean>;
  wasDeliveryProcessed(deliveryId: string, now: Date): Promise<boolean>;
  /** Every state of an entity, a page at a time: for `npm run status` and verification, not hot paths. */
  listStates(entity: Entity, options?: ListStatesOptions): Promise<StatePage>;
}

/** Seven days: far past SQS's 5-minute dedup window and its 4-day default retention. */
export const DEFAULT_DELIVERY_TTL_SECONDS = 7 * 24 * 60 * 60;

export class StaleStateError extends SyncError {
  constructor(entity: Entity, relatelId: string, cause?: unknown) {
    // Ids only: never the state itself, which may hold personal data.
    super('transient', `Sync state of ${entity} ${relatelId} was written concurrently`, {
      reason: 'state-conflict',
      cause,
    });
    this.name = 'StaleStateError';
  }
}

/**
 * True when an event happened strictly before the last applied one, so applying it would put
 * older data over newer. Compares instants, not strings: Relatel timestamps may carry offsets.
 * An event at the same instant is not older (a redelivery is caught by its delivery id and an
 * unchanged body by bodyHash).
 */
export function isOlderThanApplied(state: RecordSyncState | undefined, occurredAt: string): boolean {
  if (state?.lastOccurredAt === undefined) return false;
  return Date.parse(occurredAt) < Date.parse(state.lastOccurredAt);
}

/** A claim younger than the lease blocks other creators; an older one was abandoned. */
export function isClaimFresh(state: RecordSyncState, now: Date, leaseMs: number): boolean {
  if (state.pendingCreateSince === undefined) return false;
  return now.getTime() - Date.parse(state.pendingCreateSince) < leaseMs;
}

/** Delivery expiry is kept in epoch seconds, the unit of DynamoDB's TTL attribute. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Iterates every state of an entity across pages. */
export async function* allStates(store: SyncStateStore, entity: Entity): AsyncGenerator<RecordSyncState> {
  let cursor: string | undefined;
  do {
    const page = await store.listStates(entity, cursor === undefined ? {} : { cursor });
    yield* page.states;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

const DEFAULT_PAGE_LIMIT = 100;

/**
 * Keeps states in memory with the same guarantees as the DynamoDB store: each method runs to
 * completion without awaiting in between, which makes its check-and-write atomic in one process.
 * Returns copies, so a caller mutating a state cannot change what is stored.
 */
export class InMemorySyncStateStore implements SyncStateStore {
  private readonly states = new Map<string, RecordSyncState>();
  private readonly deliveries = new Map<string, number>(); // delivery id -> expiry, epoch seconds

  async get(entity: Entity, relatelId: string): Promise<RecordSyncState | undefined> {
    const state = this.states.get(stateKey(entity, relatelId));
    return state === undefined ? undefined : structuredClone(state);
  }

  async save(state: RecordSyncState, expectedVersion: number): Promise<RecordSyncState> {
    const key = stateKey(state.entity, state.relatelId);
    const storedVersion = this.states.get(key)?.version ?? 0;
    if (storedVersion !== expectedVersion) throw new StaleStateError(state.entity, state.relatelId);
    const saved = withoutUndefined({ ...structuredClone(state), version: expectedVersion + 1 });
    this.states.set(key, saved);
    return structuredClone(saved);
  }

  async claimCreate(entity: Entity, relatelId: string, now: Date, leaseMs: number): Promise<ClaimCreateResult> {
    const key = stateKey(entity, relatelId);
    const current = this.states.get(key);
    if (current?.ghlId !== undefined) return { claimed: false, reason: 'exists', state: structuredClone(current) };
    if (current !== undefined && isClaimFresh(current, now, leaseMs)) {
      return { claimed: false, reason: 'in-progress', state: structuredClone(current) };
    }
    const claimed: RecordSyncState = {
      ...(current ?? { entity, relatelId }),
      pendingCreateSince: now.toISOString(),
      version: (current?.version ?? 0) + 1,
    };
    this.states.set(key, claimed);
    return { claimed: true, state: structuredClone(claimed) };
  }

  async markDeliveryProcessed(
    deliveryId: string,
    now: Date,
    ttlSeconds = DEFAULT_DELIVERY_TTL_SECONDS,
  ): Promise<boolean> {
    // No await between check and write: that is what makes the two atomic.
    if (this.isRemembered(deliveryId, now)) return false;
    this.deliveries.set(deliveryId, epochSeconds(now) + ttlSeconds);
    return true;
  }

  async wasDeliveryProcessed(deliveryId: string, now: Date): Promise<boolean> {
    return this.isRemembered(deliveryId, now);
  }

  private isRemembered(deliveryId: string, now: Date): boolean {
    const expiresAt = this.deliveries.get(deliveryId);
    return expiresAt !== undefined && expiresAt > epochSeconds(now);
  }

  async listStates(entity: Entity, options: ListStatesOptions = {}): Promise<StatePage> {
    const all = [...this.states.values()].filter((state) => state.entity === entity);
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const end = start + (options.limit ?? DEFAULT_PAGE_LIMIT);
    const states = all.slice(start, end).map((state) => structuredClone(state));
    return end < all.length ? { states, cursor: String(end) } : { states };
  }
}

function stateKey(entity: Entity, relatelId: string): string {
  return `${entity}#${relatelId}`;
}

/** Stored states never carry explicit undefined fields, as DynamoDB items cannot. */
function withoutUndefined(state: RecordSyncState): RecordSyncState {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as RecordSyncState;
}
