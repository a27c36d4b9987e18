/**
 * One GHL contact event -> Relatel's phonebook: drop a redelivery, read the contact's link
 * (links.ts), decide (pure: planRelatelWrite), act through the Relatel writer, save the link,
 * then remember the delivery. The rules, in order:
 *
 *  1. stale: older than the newest change applied to the pair, from either side (newest wins);
 *  2. a deleted GHL contact stays deleted;
 *  3. a delete removes the Relatel contact only if this flow created it (`origin: created`);
 *     one it linked was Relatel's before and is left alone. The removed contact's contacts sync
 *     state becomes a tombstone, so Relatel's webhook for the delete does not delete the GHL twin;
 *  4. a contact that no longer qualifies (no valid phone, or not the configured tag) likewise;
 *  5. a linked contact whose mapped values have the link's fingerprint is already what Relatel
 *     holds (the sync's own write to GHL coming back, or a change of a field Relatel does not
 *     keep): no call;
 *  6. otherwise update the linked contact, or look the number up and link what Relatel has
 *     (never a duplicate), and only when there is nothing, create it.
 *
 * A create is announced in the link before it is sent (`pendingCreateSince`), so a retry after
 * a lost answer that then finds the contact by number knows this flow made it. The Relatel
 * contact the flow creates or links also gets a contacts sync state naming its GHL twin
 * (lib/sync/state.ts), so Relatel's own webhook for that write finds the twin and the link,
 * and costs no GHL call (lib/sync/entities/contacts.ts, relatelSideVerdict).
 */
import { transientError } from '../errors.js';
import type { GhlContactEvent } from '../events/ghl-schemas.js';
import { mapGhlContactToRelatel, relatelContactHash, type RelatelContactMapping, type RelatelContactMappingOptions, type RelatelContactValues } from '../mapping/relatel-contact.js';
import type { RelatelContactWriter } from '../relatel/writer.js';
import { StaleStateError, type SyncStateStore } from '../sync/state.js';
import { isOlderThanLink, latestOf, type GhlContactLink, type GhlContactLinkStore } from './links.js';

export type RelatelSkipReason = 'duplicate' | 'stale' | 'deleted' | 'no-op' | 'not-qualified' | 'nothing-to-delete' | 'gone-in-relatel';
export type RelatelAction = 'created' | 'linked' | 'updated' | 'deleted';

export type RelatelPlan =
  | { kind: 'skip'; reason: Exclude<RelatelSkipReason, 'duplicate' | 'gone-in-relatel'>; next?: Partial<GhlContactLink> }
  | { kind: 'create-or-link'; values: RelatelContactValues; hash: string }
  | { kind: 'update'; relatelId: string; values: RelatelContactValues; hash: string }
  /** `tombstone`: the GHL contact was deleted (not only disqualified). */
  | { kind: 'delete'; relatelId: string; tombstone: boolean };

export interface GhlContactSyncResult {
  outcome: { status: 'synced'; action: RelatelAction } | { status: 'skipped'; reason: RelatelSkipReason };
  relatelId?: string;
  /** Relatel requests made, lookups included. */
  relatelCalls: number;
}

export interface GhlContactSyncDeps {
  links: GhlContactLinkStore;
  /** Delivery dedup and the contacts sync states of the other direction. */
  state: Pick<SyncStateStore, 'wasDeliveryProcessed' | 'markDeliveryProcessed' | 'get' | 'save'>;
  relatel: RelatelContactWriter;
  mapping: RelatelContactMappingOptions;
  now: () => Date;
}

/** Delivery ids of the two directions share the table: GHL's are kept apart by this prefix. */
export const GHL_DELIVERY_PREFIX = 'ghl:';

/** What to do with one GHL contact event, given the link and the contact's mapping (pure). */
export function planRelatelWrite(event: Pick<GhlContactEvent, 'type' | 'occurredAt'>, link: GhlContactLink | undefined, mapped: RelatelContactMapping): RelatelPlan {
  if (isOlderThanLink(link, event.occurredAt)) return { kind: 'skip', reason: 'stale' };
  if (link?.deleted) return { kind: 'skip', reason: 'deleted' };
  const owned = link?.relatelId !== undefined && link.origin === 'created' ? link.relatelId : undefined;
  if (event.type === 'deleted') {
    if (owned !== undefined) return { kind: 'delete', relatelId: owned, tombstone: true };
    return { kind: 'skip', reason: 'nothing-to-delete', next: { deleted: true, lastOccurredAt: event.occurredAt } };
  }
  if (!mapped.qualifies) {
    if (owned !== undefined) return { kind: 'delete', relatelId: owned, tombstone: false };
    return { kind: 'skip', reason: 'not-qualified' };
  }
  if (link?.relatelId !== undefined) {
    if (mapped.hash === link.relatelHash) return { kind: 'skip', reason: 'no-op', next: { lastOccurredAt: event.occurredAt } };
    return { kind: 'update', relatelId: link.relatelId, values: mapped.values, hash: mapped.hash };
  }
  return { kind: 'create-or-link', values: mapped.values, hash: mapped.hash };
}

/** Syncs one GHL contact event to Relatel, once per delivery. */
export async function syncGhlContactEvent(event: GhlContactEvent, deps: GhlContactSyncDeps): Promise<GhlContactSyncResult> {
  const deliveryId = `${GHL_DELIVERY_PREFIX}${event.dedupId}`;
  if (await deps.state.wasDeliveryProcessed(deliveryId, deps.now())) return { outcome: { status: 'skipped', reason: 'duplicate' }, relatelCalls: 0 };
  const link = await deps.links.get(event.contact.ghlId);
  const mapped = mapGhlContactToRelatel(event.contact, deps.mapping);
  const result = await applyRelatelPlan(event, link, planRelatelWrite(event, link, mapped), deps);
  await deps.state.markDeliveryProcessed(deliveryId, deps.now());
  return result;
}

async function applyRelatelPlan(event: GhlContactEvent, link: GhlContactLink | undefined, plan: RelatelPlan, deps: GhlContactSyncDeps): Promise<GhlContactSyncResult> {
  const base: GhlContactLink = link ?? { ghlId: event.contact.ghlId, version: 0 };
  const at = latestOf(base.lastOccurredAt, event.occurredAt);
  switch (plan.kind) {
    case 'skip':
      if (plan.next !== undefined) await deps.links.save({ ...base, ...plan.next }, base.version);
      return { outcome: { status: 'skipped', reason: plan.reason }, ...(base.relatelId && { relatelId: base.relatelId }), relatelCalls: 0 };

    case 'delete': {
      await deps.relatel.deleteContact(plan.relatelId);
      // Before the link forgets the twin: until then the link itself tells the contacts consumer this delete is ours.
      await markTwinDeletedInContactsState(plan.relatelId, deps);
      const { relatelId: _id, origin: _origin, relatelHash: _hash, ...rest } = base;
      await deps.links.save({ ...rest, lastOccurredAt: at, ...(plan.tombstone && { deleted: true }) }, base.version);
      return { outcome: { status: 'synced', action: 'deleted' }, relatelId: plan.relatelId, relatelCalls: 1 };
    }

    case 'update': {
      const answer = await deps.relatel.updateContact(plan.relatelId, plan.values);
      if (answer.outcome === 'updated') {
        await deps.links.save({ ...base, relatelHash: plan.hash, lastWrittenTo: 'relatel', lastOccurredAt: at }, base.version);
        return { outcome: { status: 'synced', action: 'updated' }, relatelId: plan.relatelId, relatelCalls: 1 };
      }
      // Deleted in Relatel. One this flow created comes back (GHL is its source); a linked one
      // was Relatel's, and Relatel's user removed it: the link is forgotten.
      const { relatelId: _id, origin, relatelHash: _hash, ...rest } = base;
      if (origin === 'created') {
        const result = await createOrLink(event, { ...rest }, plan.values, plan.hash, deps);
        return { ...result, relatelCalls: result.relatelCalls + 1 };
      }
      await deps.links.save({ ...rest, lastOccurredAt: at }, base.version);
      return { outcome: { status: 'skipped', reason: 'gone-in-relatel' }, relatelCalls: 1 };
    }

    case 'create-or-link':
      return createOrLink(event, base, plan.values, plan.hash, deps);
  }
}

async function createOrLink(event: GhlContactEvent, base: GhlContactLink, values: RelatelContactValues, hash: string, deps: GhlContactSyncDeps): Promise<GhlContactSyncResult> {
  const at = latestOf(base.lastOccurredAt, event.occurredAt);
  const [existing] = await deps.relatel.findContactsByNumber(values.number);
  if (existing !== undefined) {
    const relatelId = String(existing.id);
    let calls = 1;
    if (relatelContactHash(existing) !== hash) {
      const answer = await deps.relatel.updateContact(relatelId, values);
      calls += 1;
      if (answer.outcome === 'not-found') throw transientError('The Relatel contact found by number was deleted meanwhile', { reason: 'state-conflict' });
    }
    // Found after an announced create: the lost answer's contact, which this flow made.
    const origin = base.pendingCreateSince !== undefined ? 'created' : 'linked';
    const { pendingCreateSince: _pending, ...rest } = base;
    await deps.links.save({ ...rest, relatelId, origin, relatelHash: hash, lastWrittenTo: 'relatel', lastOccurredAt: at }, base.version);
    await noteTwinInContactsState(relatelId, event.contact.ghlId, deps);
    return { outcome: { status: 'synced', action: origin === 'created' ? 'created' : 'linked' }, relatelId, relatelCalls: calls };
  }

  const announced = await deps.links.save({ ...base, pendingCreateSince: deps.now().toISOString() }, base.version);
  const created = await deps.relatel.createContact(values);
  const relatelId = String(created.id);
  const { pendingCreateSince: _pending, ...rest } = announced;
  await deps.links.save({ ...rest, relatelId, origin: 'created', relatelHash: hash, lastWrittenTo: 'relatel', lastOccurredAt: at }, announced.version);
  await noteTwinInContactsState(relatelId, event.contact.ghlId, deps);
  return { outcome: { status: 'synced', action: 'created' }, relatelId, relatelCalls: 2 };
}

/**
 * After the writer deleted a Relatel contact it created: the contacts state of the other
 * direction says so (a tombstone), so Relatel's `contact.deleted` webhook for this very delete
 * is skipped there. Without it the contacts consumer would delete the GHL twin: a contact that
 * only lost its phone or the configured tag would be deleted from GHL, and a GHL delete would
 * echo back as a GHL call. A Relatel contact whose state names no GHL twin needs nothing: its
 * delete webhook finds nothing to delete.
 */
async function markTwinDeletedInContactsState(relatelId: string, deps: GhlContactSyncDeps): Promise<void> {
  const state = await deps.state.get('contacts', relatelId);
  if (state?.ghlId === undefined || state.deleted) return;
  try {
    await deps.state.save({ ...state, deleted: true }, state.version);
  } catch (error) {
    if (!(error instanceof StaleStateError)) throw error;
    // The contacts consumer wrote the state meanwhile, most likely for this delete's webhook,
    // which the link (still naming the twin) made it skip as a tombstone. Anything else: again.
    if ((await deps.state.get('contacts', relatelId))?.deleted !== true) {
      throw transientError(`Contacts state of Relatel contact ${relatelId} was written concurrently`, { reason: 'state-conflict' });
    }
  }
}

/**
 * Tells the Relatel -> GHL direction that this Relatel contact's GHL twin exists, unless it
 * knows one already: Relatel's webhook for the write then updates nothing in GHL (the link's
 * fingerprint matches) instead of creating or matching a GHL contact.
 */
async function noteTwinInContactsState(relatelId: string, ghlId: string, deps: GhlContactSyncDeps): Promise<void> {
  const state = await deps.state.get('contacts', relatelId);
  if (state?.ghlId !== undefined || state?.pendingCreateSince !== undefined || state?.deleted) return;
  try {
    await deps.state.save({ ...(state ?? { entity: 'contacts', relatelId }), ghlId, version: state?.version ?? 0 }, state?.version ?? 0);
  } catch (error) {
    // The contacts consumer wrote the state meanwhile (it is handling this contact's webhook):
    // it links the twin itself, by upsert. Retrying here would repeat nothing the link lacks.
    if (!(error instanceof StaleStateError)) throw error;
  }
}
