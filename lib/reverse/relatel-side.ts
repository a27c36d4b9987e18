/**
 * The Relatel -> GHL direction's side of the no-echo guarantee (lib/reverse/links.ts): what the
 * contacts consumer (lib/sync/entities/contacts.ts) asks the link before and tells it after it
 * writes GHL. Without a link store (none configured) both do nothing.
 */
import type { RelatelContact } from '../events/schemas.js';
import { relatelContactHash } from '../mapping/relatel-contact.js';
import { parseTwoPartHash } from '../sync/body-hash.js';
import type { EventFacts, SyncPlan } from '../sync/plan.js';
import type { RecordSyncState } from '../sync/state.js';
import { isOlderThanLink, latestOf, type GhlContactLinkStore } from './links.js';

/** The fingerprint of a Relatel contact as the GHL -> Relatel flow writes it (Relatel may send the name split). */
export function relatelSideHash(contact: Pick<RelatelContact, 'name' | 'first_name' | 'last_name' | 'number' | 'email'>): string {
  const name = contact.name ?? [contact.first_name ?? '', contact.last_name ?? ''].join(' ');
  return relatelContactHash({ name, number: contact.number, email: contact.email });
}

/** The event's name, number and e-mail are what GHL holds: no PUT for them. */
export const FIELDS_IN_GHL = 'fields-in-ghl';

/**
 * What the link says of a Relatel contact event: a plan that settles it (older than a change
 * applied from GHL: stale, newest wins across both systems; a delete of a contact the GHL ->
 * Relatel flow created: GHL is its source, the GHL contact stays), `FIELDS_IN_GHL` when its
 * name, number and e-mail have the link's fingerprint (GHL holds them already: the sync's own
 * write to Relatel coming back, or a contact synced before; its company and tags, which the
 * fingerprint does not cover, are still planned), or undefined.
 */
export async function relatelSideVerdict(
  facts: EventFacts,
  state: RecordSyncState | undefined,
  contact: RelatelContact | undefined,
  links: GhlContactLinkStore | undefined,
): Promise<SyncPlan | typeof FIELDS_IN_GHL | undefined> {
  if (links === undefined || state?.ghlId === undefined || state.deleted) return undefined;
  const link = await links.get(state.ghlId);
  if (link?.relatelId !== state.relatelId) return undefined;
  if (isOlderThanLink(link, facts.occurredAt)) return { kind: 'skip', reason: 'stale' };
  if (facts.isDelete) {
    return link.origin === 'created' ? { kind: 'skip', reason: 'nothing-to-delete', next: { deleted: true, lastOccurredAt: facts.occurredAt } } : undefined;
  }
  // Only values the writer took from GHL are known to be in GHL; after the contacts consumer's own
  // write, or a write of its that failed in doubt (its fields part unknown), its state decides.
  const fieldsInDoubt = state.bodyHash !== undefined && parseTwoPartHash(state.bodyHash).fields === undefined;
  if (contact !== undefined && link.lastWrittenTo === 'relatel' && !fieldsInDoubt && link.relatelHash === relatelSideHash(contact)) return FIELDS_IN_GHL;
  return undefined;
}

/**
 * After the contacts consumer synced a Relatel contact to GHL: the link's fingerprint becomes
 * that contact's, so GHL's webhook for the write is recognised by the GHL -> Relatel flow as
 * its echo and costs no Relatel call.
 */
export async function noteRelatelContactInGhl(
  ghlId: string,
  relatelId: string,
  contact: RelatelContact,
  occurredAt: string,
  links: GhlContactLinkStore,
): Promise<void> {
  const link = await links.get(ghlId);
  const relatelHash = relatelSideHash(contact);
  if (link?.deleted || (link?.relatelId === relatelId && link.relatelHash === relatelHash)) return;
  const origin = link?.relatelId === relatelId ? (link.origin ?? 'linked') : 'linked';
  await links.save(
    { ...(link ?? { ghlId, version: 0 }), relatelId, origin, relatelHash, lastWrittenTo: 'ghl', lastOccurredAt: latestOf(link?.lastOccurredAt, occurredAt) },
    link?.version ?? 0,
  );
}
