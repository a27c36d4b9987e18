/** What syncing an event needs from the outside world, and what it reports per record. */
import type { Entity } from '../entities.js';
import type { GhlClient } from '../ghl/client.js';
import type { MappingConfig } from '../mapping/config.js';
import type { MappingIssue } from '../mapping/result.js';
import type { RelatelClient } from '../relatel/client.js';
import type { DuplicateContactsLookup } from './duplicate-contacts.js';
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
}

export type SkipOutcome = 'duplicate' | 'stale' | 'deleted' | 'no-op' | 'nothing-to-delete' | 'no-party';

export interface SyncOutcome {
  entity: Entity;
  relatelId: string;
  /** 'synced' wrote to GHL; otherwise why nothing was written. */
  result: 'synced' | SkipOutcome;
  ghlId?: string;
  /** GHL calls made, reads included. */
  ghlCalls: number;
}
