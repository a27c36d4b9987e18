import { describe, expect, it } from 'vitest';
import { messageGroupIdOf, phoneNumberGroupId, ROUTED_EVENT_TYPES, routeOf } from '../../../lib/entities.js';
import { relatelCall, relatelContact, relatelNote, relatelPayloadFor } from '../../factories/relatel-events.js';

describe('messageGroupIdOf: everything about one Relatel contact shares a FIFO group', () => {
  it.each(ROUTED_EVENT_TYPES.filter((type) => routeOf(type).entity === 'contacts'))("groups %s by the contact's own id", (type) => {
    expect(messageGroupIdOf(type, relatelContact({ id: 481516 }))).toBe('481516');
  });

  it.each(ROUTED_EVENT_TYPES.filter((type) => type.startsWith('note.') || type.startsWith('task.') || type.startsWith('appointment.')))(
    'groups %s by payload.contact_id',
    (type) => {
      expect(messageGroupIdOf(type, { ...relatelPayloadFor(type), contact_id: 'c_77' })).toBe('c_77');
    },
  );

  it('groups an inbound call by the caller, the remote party', () => {
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'inbound', from_number: '4571999999', to_number: '4570203040' }))).toBe(
      phoneNumberGroupId('4571999999'),
    );
  });

  it('groups an outbound call by the callee, the remote party', () => {
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'outbound', from_number: '4570203040', to_number: '4522334455' }))).toBe(
      phoneNumberGroupId('4522334455'),
    );
  });

  it("reads the REST API's short directions alike", () => {
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'out', from_number: '4570203040', to_number: '4522334455' }))).toBe(phoneNumberGroupId('4522334455'));
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'in', from_number: '4571999999', to_number: '4570203040' }))).toBe(phoneNumberGroupId('4571999999'));
  });

  it('keeps phone numbers out of SQS: a number group id is a hash, the same for every spelling of the number', () => {
    const groupId = phoneNumberGroupId('4571999999');
    expect(groupId).toMatch(/^tel-[0-9a-f]{32}$/);
    expect(groupId).not.toContain('71999999');
    expect(phoneNumberGroupId('+45 71 99 99 99')).toBe(groupId);
    expect(phoneNumberGroupId('4571999998')).not.toBe(groupId);
  });

  it('groups a call from "anonymous" (no digits) by the call itself', () => {
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'inbound', from_number: 'anonymous', call_uuid: 'c-anon' }))).toBe('c-anon');
  });

  it('groups a call from a hidden number by the call itself, so it is queued, not refused', () => {
    expect(messageGroupIdOf('call.ended', relatelCall({ direction: 'inbound', from_number: '', call_uuid: 'c-hidden' }))).toBe('c-hidden');
  });

  it('turns a numeric id into its decimal string', () => {
    expect(messageGroupIdOf('note.created', relatelNote({ contact_id: 42 }))).toBe('42');
  });

  it('has no group when the field is missing or not an id', () => {
    expect(messageGroupIdOf('note.created', { id: 1 })).toBeUndefined();
    expect(messageGroupIdOf('contact.updated', { id: { nested: 1 } })).toBeUndefined();
  });
});
