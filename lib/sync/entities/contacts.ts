/**
 * Contacts: the GHL body a Relatel contact should have, and the plan that gets it there (plan.ts
 * rules 4 and 5). A contact GHL may already have (same e-mail or phone) is linked, not
 * duplicated: where the location forbids duplicates by one POST /contacts/ carrying the tags
 * (GHL answers with the contact it has), elsewhere by upsert and then the tag call.
 */
import { permanentError, transientError } from '../../errors.js';
import type { RelatelContact } from '../../events/schemas.js';
import type { GhlContactCreateInput, GhlContactUpsertInput } from '../../ghl/client.js';
import type { GhlUpdateContactBody } from '../../ghl/types.js';
import { contactTags, mapContactToCreateBody, mapContactToUpdateBody, mapContactToUpsertBody, type MappedContactUpdate } from '../../mapping/contacts.js';
import type { MappingConfig } from '../../mapping/config.js';
import { hashBody } from '../../mapping/hash.js';
import { dedupeIssues, type MappingIssue } from '../../mapping/result.js';
import { diffTags, normaliseTags } from '../../mapping/tags.js';
import { applyPlan } from '../apply-plan.js';
import { formatTwoPartHash, parseTwoPartHash } from '../body-hash.js';
import type { SyncDependencies, SyncOutcomes } from '../dependencies.js';
import type { EntityHandlers } from '../handlers.js';
import { noOp, planGuards, type EventFacts, type GhlOperation, type StateChange, type SyncPlan } from '../plan.js';
import { isMatchable } from '../created-contact.js';
import { readRecordState, settleAbandonedContactCreate } from '../settle-create.js';
import type { RecordSyncState } from '../state.js';
import { LOCATION_SET_BY_CLIENT, withoutLocation } from '../target-body.js';
import { FIELDS_IN_GHL, noteRelatelContactInGhl, relatelSideVerdict } from '../../reverse/relatel-side.js';

export interface DesiredContact {
  /** Upsert body without tags: upsert's `tags` would replace the tags of a linked GHL contact. */
  upsertBody: GhlContactUpsertInput;
  /** The same fields as a PUT body (no locationId, no companyName, no tags). */
  updateBody: GhlUpdateContactBody;
  /** Hash of the fields PUT carries. */
  fieldsHash: string;
  /** Hash of the company, which only create and upsert can carry (UpdateContactDto has none). */
  companyHash: string;
  hasCompany: boolean;
  /** The contact has an e-mail or phone, by which GHL matches an upsert (and refuses a duplicate). */
  matchable: boolean;
  /** Present only when the event says what the tags are; absent leaves tags untouched. */
  tags?: string[];
  /**
   * Present when a new contact may be made by one POST /contacts/ with its tags: the location
   * forbids duplicates and the contact has an e-mail or phone for GHL to match it by. Absent:
   * upsert, then the tag call.
   */
  createBody?: GhlContactCreateInput;
}

/** A contact's bodyHash: the fields PUT carries, and the company, which only upsert can set (body-hash.ts; undefined: unknown). */
export function contactBodyHash(fieldsHash: string, companyHash: string | undefined): string {
  return formatTwoPartHash({ fields: fieldsHash, separate: companyHash });
}

/** The two parts of a contact's bodyHash, from its mapped update body. */
function contactHashes(update: MappedContactUpdate): { fieldsHash: string; companyHash: string } {
  return { fieldsHash: hashBody(update.body), companyHash: hashBody({ companyName: update.companyName ?? null }) };
}

/** The bodyHash the contacts consumer stores after writing this contact: `npm run verify` compares Relatel with the state by it. */
export function expectedContactBodyHash(contact: RelatelContact, mapping: MappingConfig): string {
  const { fieldsHash, companyHash } = contactHashes(mapContactToUpdateBody(contact, mapping));
  return contactBodyHash(fieldsHash, companyHash);
}

/**
 * The plan of a contact event: pure. `fieldsInGhl`: GHL holds the PUT's fields already (the GHL ->
 * Relatel flow's write coming back, lib/reverse/relatel-side.ts), so only company and tags may need writing.
 */
export function planContactSync(
  event: EventFacts,
  state: RecordSyncState | undefined,
  desired: DesiredContact | undefined,
  options: { fieldsInGhl?: boolean } = {},
): SyncPlan {
  const guarded = planGuards(event, state, (contactId) => ({ op: 'contact.delete', contactId }));
  if (guarded) return guarded;
  if (desired === undefined) return noOp(event);

  const next: StateChange = { lastOccurredAt: event.occurredAt, bodyHash: contactBodyHash(desired.fieldsHash, desired.companyHash) };
  if (state?.ghlId === undefined) {
    const tags = desired.tags ?? [];
    if (desired.createBody !== undefined) {
      const create: GhlOperation = { op: 'contact.create', body: desired.createBody, link: { body: desired.upsertBody, tags } };
      return { kind: 'write', operations: [create], creates: true, next: { ...next, tags } };
    }
    const operations: GhlOperation[] = [{ op: 'contact.upsert', body: desired.upsertBody }];
    if (tags.length > 0) operations.push({ op: 'contact.addTags', contactId: { ref: 'created' }, tags });
    // A failed create may have left tags on the contact (a create that carried them, answered
    // by a timeout): the ones no longer wanted go.
    const wanted = new Set(tags);
    const stale = desired.tags === undefined ? [] : normaliseTags(state?.tagsInDoubt).filter((tag) => !wanted.has(tag));
    if (stale.length > 0) operations.push({ op: 'contact.removeTags', contactId: { ref: 'created' }, tags: stale });
    return { kind: 'write', operations, creates: true, next: { ...next, tags } };
  }

  const contactId = state.ghlId;
  const last = parseTwoPartHash(state.bodyHash);
  const operations: GhlOperation[] = [];
  if (desired.fieldsHash !== last.fields && !options.fieldsInGhl) operations.push({ op: 'contact.update', contactId, body: desired.updateBody });
  // After the PUT, so upsert finds the contact by its current e-mail or phone and sets the company.
  if (companyChanges(desired, state)) {
    if (desired.matchable) operations.push({ op: 'contact.upsert', body: desired.upsertBody, contactId });
    // An upsert GHL cannot match would create a contact: the company GHL has stays, and so does its hash part.
    else next.bodyHash = contactBodyHash(desired.fieldsHash, last.separate);
  }
  if (desired.tags !== undefined) {
    const { add, remove } = diffTagsWithDoubt(state, desired.tags);
    if (add.length > 0) operations.push({ op: 'contact.addTags', contactId, tags: add });
    if (remove.length > 0) operations.push({ op: 'contact.removeTags', contactId, tags: remove });
    next.tags = desired.tags;
  }
  if (operations.length === 0) return noOp(event);
  return { kind: 'write', operations, creates: false, next };
}

/** Whether a linked contact's company differs from the one last synced (only an upsert can set it). */
function companyChanges(desired: DesiredContact, state: RecordSyncState | undefined): boolean {
  return state?.ghlId !== undefined && desired.hasCompany && desired.companyHash !== parseTwoPartHash(state.bodyHash).separate;
}

/**
 * The company of a linked contact without e-mail and phone cannot be set: the upsert that sets
 * it would match no contact and create one (docs/MAPPING.md, company changes on an update).
 */
function unsettableCompany(desired: DesiredContact, state: RecordSyncState | undefined): MappingIssue[] {
  return !desired.matchable && companyChanges(desired, state) ? [{ field: 'company', reason: 'company-needs-email-or-phone' }] : [];
}

/**
 * The tag changes from the last synced set to the wanted one, plus every tag in doubt (a failed
 * plan may or may not have added or removed it in GHL): added if wanted, removed if not. Both
 * are idempotent in GHL, so a tag that was in fact already right costs nothing but the call.
 */
function diffTagsWithDoubt(state: RecordSyncState, wanted: readonly string[]): { add: string[]; remove: string[] } {
  const { add, remove } = diffTags(state.tags ?? [], wanted);
  const wantedSet = new Set(normaliseTags(wanted));
  for (const tag of normaliseTags(state.tagsInDoubt)) {
    if (wantedSet.has(tag) && !add.includes(tag)) add.push(tag);
    if (!wantedSet.has(tag) && !remove.includes(tag)) remove.push(tag);
  }
  return { add, remove };
}

async function syncContact({ payload }: { payload: RelatelContact }, facts: EventFacts, deps: SyncDependencies): Promise<SyncOutcomes> {
  const relatelId = String(payload.id);
  let state = await readRecordState('contacts', relatelId, deps);
  if (facts.isDelete && state?.ghlId === undefined && state?.pendingCreateSince !== undefined) {
    // An upsert was claimed and has not been recorded: it is running, or failed with GHL's answer
    // lost. Deciding "nothing to delete" now could leave it in GHL for good; the create's own
    // retry (ahead of this delete in its FIFO group) settles it, then the delete runs.
    throw transientError(`Contact ${relatelId} may be in GHL already: its create is unsettled`, { reason: 'create-in-doubt' });
  }
  const contact = facts.isDelete ? undefined : await hydrateContact(payload, deps);
  if (contact !== undefined) state = await settleAbandonedContactCreate(state, createBodyOf(contact, [], deps), deps);
  // Older than the GHL -> Relatel flow's last change: skipped; its own write coming back: no PUT
  // of what GHL holds (lib/reverse/relatel-side.ts).
  const verdict = await relatelSideVerdict(facts, state, contact, deps.ghlContactLinks);
  if (verdict !== undefined && verdict !== FIELDS_IN_GHL) return [await applyPlan('contacts', relatelId, state, verdict, deps)];
  const desired = contact === undefined ? undefined : desiredContact(contact, state, deps);
  let plan = planContactSync(facts, state, desired, { fieldsInGhl: verdict === FIELDS_IN_GHL });
  // The plan decides whether this event creates the contact; only then is the location's rule read.
  if (contact !== undefined && desired !== undefined && plan.kind === 'write' && plan.creates && (await mayCreateInOneCall(desired, state, deps))) {
    plan = planContactSync(facts, state, { ...desired, createBody: createBodyOf(contact, desired.tags ?? [], deps) });
  }
  const outcome = await applyPlan('contacts', relatelId, state, plan, deps);
  if (contact !== undefined && outcome.ghlId !== undefined && deps.ghlContactLinks !== undefined) {
    await noteRelatelContactInGhl(outcome.ghlId, relatelId, contact, facts.occurredAt, deps.ghlContactLinks);
  }
  return [outcome];
}

/**
 * Whether a contact the plan creates is created by one POST /contacts/ with its tags. A contact
 * without e-mail and phone always is: GHL cannot match it, so an upsert would be a blind create
 * too, and only a POST is recorded as a create in doubt that the next attempt searches for
 * (created-contact.ts). Any other contact only where GHL refuses to make a duplicate (the
 * location's rule), and not after an earlier create failed without an answer: then the upsert
 * path matches the contact that attempt may have made.
 */
async function mayCreateInOneCall(desired: DesiredContact, state: RecordSyncState | undefined, deps: SyncDependencies): Promise<boolean> {
  if (!desired.matchable) return true;
  if (state?.pendingCreateSince !== undefined || deps.duplicateContacts === undefined) return false;
  return (await deps.duplicateContacts()) === 'forbidden';
}

/** The create body with the tags the plan records as synced. */
function createBodyOf(contact: RelatelContact, tags: readonly string[], deps: SyncDependencies): GhlContactCreateInput {
  const { tags: _mapped, ...body } = withoutLocation(mapContactToCreateBody(contact, deps.mapping, LOCATION_SET_BY_CLIENT).body);
  return tags.length > 0 ? { ...body, tags: [...tags] } : body;
}

/**
 * Relatel payloads are undocumented and may be a bare id: then the contact's current state is
 * read from Relatel's API. A contact Relatel no longer has is treated as gone (nothing to write).
 */
async function hydrateContact(payload: RelatelContact, deps: SyncDependencies): Promise<RelatelContact | undefined> {
  const isThin = Object.keys(payload).every((key) => key === 'id');
  if (!isThin) return payload;
  if (deps.relatel === undefined) {
    throw permanentError('Contact event carries only an id and no Relatel API token is configured to read the rest', {
      reason: 'hydration-unavailable',
    });
  }
  return (await deps.relatel.getContact(String(payload.id))) as RelatelContact | undefined;
}

function desiredContact(contact: RelatelContact, state: RecordSyncState | undefined, deps: SyncDependencies): DesiredContact {
  const upsert = mapContactToUpsertBody(contact, deps.mapping, LOCATION_SET_BY_CLIENT);
  const update = mapContactToUpdateBody(contact, deps.mapping);
  // Relatel's REST API has no tags: a hydrated contact (or a payload without tags) leaves the
  // synced tags alone, except that a contact whose tags were never synced gets the configured
  // fixed tag (a new one, or one whose create succeeded but whose tag call failed).
  const tagsKnown = contact.tags != null || state?.tags === undefined;
  const desired: DesiredContact = {
    upsertBody: withoutLocation(upsert.body),
    updateBody: update.body,
    ...contactHashes(update),
    hasCompany: update.companyName !== undefined,
    matchable: isMatchable(upsert.body),
    ...(tagsKnown && { tags: contactTags(contact, deps.mapping) }),
  };
  deps.onMappingIssues?.(dedupeIssues([...upsert.issues, ...update.issues, ...unsettableCompany(desired, state)]));
  return desired;
}

/** What each contact event type of lib/entities.ts does. */
export const contactHandlers: EntityHandlers<'contacts'> = {
  upsert: syncContact,
  delete: syncContact,
};
