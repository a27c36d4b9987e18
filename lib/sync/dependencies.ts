/** What syncing an event needs from the outside world, and what it reports per record. */
import type { Entity } from '../entities.js';
import type { GhlClient } from '../ghl/client.js';
import type { MappingConfig } from '../mapping/config.js';
import type { MappingIssue } from '../mapping/result.js';
import type { RelatelClient } from '../relatel/client.js';
import type { ChildWait } from './contact-wait.js';
import type { GhlContactLinkStore } from '../reverse/links.js';
import type { DuplicateContactsLookup } from './duplicate-contacts.js';
import type { RecordOutcome } from './outcome.js';
import type { SyncStateStore } from './state.js';

export interface SyncDependencies {
  state: SyncStateStore;
  ghl: GhlClient;
  /** For hydrating thin contact payloads; absent when no Relatel token is configured. */
  relatel?: RelatelClient;
  mapping: MappingConfig;
  now: () => Date;
  /** How long a create claim blocks other workers: longer than a consumer can run. */
  createLeaseMs: number;
  /** The location's duplicate-contact rule (duplicate-contacts.ts); absent: new contacts take the upsert path. */
  duplicateContacts?: DuplicateContactsLookup;
  /** Mapping issues (field + reason, never values), for logs and metrics. */
  onMappingIssues?: (issues: MappingIssue[]) => void;
  /**
   * Children: how the record being synced waits for a contact not in GHL yet (contact-wait.ts),
   * set per record by the record processor. Absent: such a record fails as contact-not-synced.
   */
  childWait?: ChildWait;
  /** The links of the GHL -> Relatel flow (lib/reverse/links.ts): contacts ask them so nothing echoes. */
  ghlContactLinks?: GhlContactLinkStore;
}

/** What syncing did to one record an event names. */
export interface SyncOutcome {
  entity: Entity;
  relatelId: string;
  outcome: RecordOutcome;
  ghlId?: string;
  /** GHL calls made, reads included. */
  ghlCalls: number;
}

/** What syncing an event did: one outcome per record it names, at least one. */
export type SyncOutcomes = [SyncOutcome, ...SyncOutcome[]];
