/**
 * Relatel note (contact comment) -> GHL note bodies. NotesDTO takes no locationId (GHL answers
 * 422); the author is the GHL user mapped from Relatel's employee, when there is one.
 */
import { permanentError } from '../errors.js';
import type { GhlCreateNoteBody, GhlUpdateNoteBody } from '../ghl/types.js';
import type { MappingConfig } from './config.js';
import type { RelatelNoteRecord } from './relatel-records.js';
import { withoutUndefined, type Mapped, type MappingIssue } from './result.js';
import { presentText } from './text.js';
import { ghlUserOf } from './users.js';

/** Throws a permanent SyncError (`note-without-body`) for a blank note: GHL requires a body. */
export function mapNoteToCreateBody(note: RelatelNoteRecord, config: MappingConfig): Mapped<GhlCreateNoteBody> {
  const issues: MappingIssue[] = [];
  const text = presentText(note.body);
  if (text === undefined) {
    throw permanentError('Relatel note has no body; GHL requires one', { reason: 'note-without-body' });
  }
  const body = withoutUndefined<GhlCreateNoteBody>({
    body: text,
    userId: ghlUserOf(note.employee_id, config.users, 'employee_id', issues),
  });
  return { body, issues };
}

/** A blank body is left out (GHL keeps the text it has) rather than wiping the note. */
export function mapNoteToUpdateBody(note: RelatelNoteRecord, config: MappingConfig): Mapped<GhlUpdateNoteBody> {
  const issues: MappingIssue[] = [];
  const body = withoutUndefined<GhlUpdateNoteBody>({
    body: presentText(note.body),
    userId: ghlUserOf(note.employee_id, config.users, 'employee_id', issues),
  });
  return { body, issues };
}
