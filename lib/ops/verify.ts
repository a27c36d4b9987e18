/**
 * After-the-fact verification of the contact sync: Relatel's contacts against what the sync
 * state says GHL holds. Behind `npm run verify`.
 *
 *  - missing:  in Relatel, but the sync never created its GHL twin (no state, or no GHL id);
 *  - stale:    synced, but the body the sync would write today differs from the last one written
 *              (a lost or unprocessed event), or the state says deleted while Relatel has it;
 *  - orphaned: the state has a live GHL twin for a contact Relatel no longer has (a lost delete).
 *
 * Contacts carry no updated_at in Relatel, so "stale" is decided by the body hash the consumers
 * store, computed the same way (`expectedContactBodyHash` in lib/sync/entities/contacts.ts). Report ids only, never values.
 */
import type { MappingConfig } from '../mapping/config.js';
import type { RelatelClient, RelatelContact } from '../relatel/client.js';
import { expectedContactBodyHash } from '../sync/entities/contacts.js';
import { allStates, type SyncStateStore } from '../sync/state.js';
import { contactPages } from './relatel-pages.js';

export interface Drift {
  relatelId: string;
  ghlId?: string;
  reason: string;
}

export interface DriftReport {
  relatelContacts: number;
  syncStates: number;
  inSync: number;
  missing: Drift[];
  stale: Drift[];
  orphaned: Drift[];
}

export interface VerifyDependencies {
  relatel: Pick<RelatelClient, 'listContacts'>;
  state: Pick<SyncStateStore, 'listStates'>;
  mapping: MappingConfig;
}

export async function verifyContacts(deps: VerifyDependencies, options: { pageSize?: number } = {}): Promise<DriftReport> {
  // Hashes only: a whole account's contacts fit in memory this way, and no personal data is kept.
  const expected = new Map<string, string>();
  for await (const page of contactPages(deps.relatel, options)) {
    for (const contact of page.contacts) expected.set(String(contact.id), expectedContactBodyHash(contact, deps.mapping));
  }

  const report: DriftReport = { relatelContacts: expected.size, syncStates: 0, inSync: 0, missing: [], stale: [], orphaned: [] };
  const seen = new Set<string>();
  for await (const state of allStates(deps.state as SyncStateStore, 'contacts')) {
    report.syncStates += 1;
    seen.add(state.relatelId);
    const hash = expected.get(state.relatelId);
    const ids = { relatelId: state.relatelId, ...(state.ghlId === undefined ? {} : { ghlId: state.ghlId }) };
    if (hash === undefined) {
      if (state.ghlId !== undefined && !state.deleted) report.orphaned.push({ ...ids, reason: 'not-in-relatel' });
    } else if (state.deleted) {
      report.stale.push({ ...ids, reason: 'deleted-in-state' });
    } else if (state.ghlId === undefined) {
      report.missing.push({ ...ids, reason: state.pendingCreateSince === undefined ? 'never-created' : 'create-pending' });
    } else if (state.bodyHash !== hash) {
      report.stale.push({ ...ids, reason: 'body-differs' });
    } else {
      report.inSync += 1;
    }
  }
  for (const relatelId of expected.keys()) {
    if (!seen.has(relatelId)) report.missing.push({ relatelId, reason: 'no-sync-state' });
  }
  return report;
}

export function hasDrift(report: DriftReport): boolean {
  return report.missing.length + report.stale.length + report.orphaned.length > 0;
}
