/**
 * The Relatel records the mapping reads: only the fields it uses, each optional one nullable
 * because Relatel sends `null` for empty fields. The webhook schemas (lib/events/) and the
 * REST client (lib/relatel/) parse loosely and produce wider objects; these interfaces stay
 * structurally compatible with them, so parsed payloads are passed in as they are.
 *
 * Relatel's payload format is not documented (see docs/MAPPING.md): the shapes below are the
 * contract this project assumes, and the mapping tolerates missing optional fields.
 */

/** Relatel ids arrive as numbers from the REST API and as strings in some payloads. */
export type RelatelId = string | number;

/** An ISO 8601 timestamp; with or without an offset (without one it is wall time in a zone). */
export type RelatelTimestamp = string;

export interface RelatelContactRecord {
  id: RelatelId;
  /** One string: Relatel has no first/last split of its own. */
  name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  /** Digits with country code and no `+` (`4571999999`), sometimes a national number. */
  number?: string | null;
  email?: string | null;
  company?: string | null;
  tags?: readonly string[] | null;
  // Extra fields (mapped to GHL custom fields through configuration) are read by name.
}

export interface RelatelNoteRecord {
  id: RelatelId;
  contact_id: RelatelId;
  body?: string | null;
  employee_id?: RelatelId | null;
  created_at?: RelatelTimestamp | null;
}

export const RELATEL_TASK_STATUSES = ['open', 'completed'] as const;
export type RelatelTaskStatus = (typeof RELATEL_TASK_STATUSES)[number];

export interface RelatelTaskRecord {
  id: RelatelId;
  contact_id: RelatelId;
  title?: string | null;
  description?: string | null;
  due_at?: RelatelTimestamp | null;
  status?: RelatelTaskStatus | null;
  assignee_id?: RelatelId | null;
}

export interface RelatelAppointmentRecord {
  id: RelatelId;
  contact_id: RelatelId;
  title?: string | null;
  starts_at?: RelatelTimestamp | null;
  ends_at?: RelatelTimestamp | null;
  /** IANA zone of starts_at/ends_at when they carry no offset. */
  timezone?: string | null;
  /** Free text on Relatel's side; translated by the configured status map. */
  status?: string | null;
  location?: string | null;
}

/** Relatel writes `in`/`out` in the REST API; webhook payloads have been seen with the long form. */
export type RelatelCallDirection = 'in' | 'out' | 'inbound' | 'outbound';

/** `from_contact`/`to_contact`: a contact id, or the embedded contact. */
export type RelatelCallContactRef = RelatelId | { id: RelatelId } | null;

export interface RelatelCallEmployee {
  id: RelatelId;
  name?: string | null;
  number?: string | null;
}

export interface RelatelCallRecord {
  call_uuid: string;
  direction: RelatelCallDirection | string;
  status: string;
  from_number?: string | null;
  to_number?: string | null;
  from_contact?: RelatelCallContactRef;
  to_contact?: RelatelCallContactRef;
  started_at: RelatelTimestamp;
  answered_at?: RelatelTimestamp | null;
  ended_at: RelatelTimestamp;
  endpoint_name?: string | null;
  answered_by?: RelatelCallEmployee | null;
}
