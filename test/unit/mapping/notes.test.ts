import { describe, expect, it } from 'vitest';
import { mapNoteToCreateBody, mapNoteToUpdateBody } from '../../../lib/mapping/notes.js';
import { expectPermanentFailure } from './assertions.js';
import { aNote, mappingConfig } from './records.js';

const config = mappingConfig();

describe('mapNoteToCreateBody', () => {
  it('sends the note text as it was written', () => {
    const { body } = mapNoteToCreateBody(aNote({ body: 'Line one\n  Line two ' }), config);
    expect(body).toEqual({ body: 'Line one\n  Line two ' });
  });

  it('makes the mapped GHL user the author', () => {
    const { body } = mapNoteToCreateBody(aNote({ employee_id: '7' }), mappingConfig({ users: { '7': 'ghl-user-7' } }));
    expect(body.userId).toBe('ghl-user-7');
  });

  it('rejects a blank note as a permanent failure, since GHL requires a body', () => {
    expectPermanentFailure(() => mapNoteToCreateBody(aNote({ body: '  ' }), config), 'note-without-body');
  });
});

describe('mapNoteToUpdateBody', () => {
  it('sends the new text', () => {
    expect(mapNoteToUpdateBody(aNote({ body: 'Updated' }), config).body).toEqual({ body: 'Updated' });
  });

  it('leaves out a blank text rather than wiping the note', () => {
    expect(mapNoteToUpdateBody(aNote({ body: null }), config).body).toEqual({});
  });
});
