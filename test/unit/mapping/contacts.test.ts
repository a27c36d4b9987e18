import { describe, expect, it } from 'vitest';
import {
  contactTags,
  mapContactToCreateBody,
  mapContactToUpdateBody,
  mapContactToUpsertBody,
} from '../../../lib/mapping/contacts.js';
import { aContact, mappingConfig } from './records.js';

const LOCATION = 'loc-1';
const config = mappingConfig();

describe('mapContactToCreateBody', () => {
  it('maps a Relatel contact to a GHL create body', () => {
    const { body, issues } = mapContactToCreateBody(
      aContact({ name: 'Anna Jensen', number: '4571999999', email: 'Anna@Example.dk', company: 'Jensen ApS', tags: ['VIP'] }),
      config,
      LOCATION,
    );
    expect(body).toEqual({
      locationId: LOCATION,
      firstName: 'Anna',
      lastName: 'Jensen',
      email: 'anna@example.dk',
      phone: '+4571999999',
      companyName: 'Jensen ApS',
      source: 'Relatel',
      tags: ['vip'],
    });
    expect(issues).toEqual([]);
  });

  it('carries the configured source', () => {
    const { body } = mapContactToCreateBody(aContact(), mappingConfig({ contacts: { source: 'Relatel PBX' } }), LOCATION);
    expect(body.source).toBe('Relatel PBX');
  });

  it('adds the configured fixed tag to the contact tags', () => {
    const { body } = mapContactToCreateBody(aContact({ tags: ['lead'] }), mappingConfig({ contacts: { tag: 'Relatel' } }), LOCATION);
    expect(body.tags).toEqual(['lead', 'relatel']);
  });

  it('leaves tags out when there are none', () => {
    const { body } = mapContactToCreateBody(aContact({ tags: [] }), config, LOCATION);
    expect(body).not.toHaveProperty('tags');
  });

  it('drops an invalid number and reports it without its value', () => {
    const { body, issues } = mapContactToCreateBody(aContact({ number: '12345' }), config, LOCATION);
    expect(body).not.toHaveProperty('phone');
    expect(issues).toEqual([{ field: 'number', reason: 'invalid-phone' }]);
  });

  it('reads a national number with the configured default country', () => {
    const { body } = mapContactToCreateBody(aContact({ number: '0701234567' }), mappingConfig({ defaultCountry: 'SE' }), LOCATION);
    expect(body.phone).toBe('+46701234567');
  });

  it('drops an invalid e-mail and reports it without its value', () => {
    const { body, issues } = mapContactToCreateBody(aContact({ email: 'anna(at)example.dk' }), config, LOCATION);
    expect(body).not.toHaveProperty('email');
    expect(issues).toEqual([{ field: 'email', reason: 'invalid-email' }]);
  });

  it('leaves out empty fields instead of sending null', () => {
    const { body, issues } = mapContactToCreateBody(
      aContact({ name: null, number: null, email: '', company: '  ', tags: null }),
      config,
      LOCATION,
    );
    expect(body).toEqual({ locationId: LOCATION, source: 'Relatel' });
    expect(issues).toEqual([]);
  });

  it('uses first_name and last_name instead of splitting name', () => {
    const { body } = mapContactToCreateBody(aContact({ name: 'Anna M. Jensen', first_name: 'Anna M.', last_name: 'Jensen' }), config, LOCATION);
    expect(body).toMatchObject({ firstName: 'Anna M.', lastName: 'Jensen' });
  });
});

describe('custom fields', () => {
  const withFields = mappingConfig({ contacts: { customFields: { vat_number: 'cf-vat', segments: 'cf-seg', size: 'cf-size' } } });

  it('maps configured extra Relatel fields to GHL custom field ids, in id order', () => {
    const { body } = mapContactToCreateBody(aContact({ vat_number: 'DK12345678', size: 25, segments: ['smb', 'retail'] }), withFields, LOCATION);
    expect(body.customFields).toEqual([
      { id: 'cf-seg', field_value: ['smb', 'retail'] },
      { id: 'cf-size', field_value: '25' },
      { id: 'cf-vat', field_value: 'DK12345678' },
    ]);
  });

  it('ignores Relatel fields that are not configured', () => {
    const { body } = mapContactToCreateBody(aContact({ shoe_size: 44 }), withFields, LOCATION);
    expect(body).not.toHaveProperty('customFields');
  });

  it('leaves out empty values', () => {
    const { body } = mapContactToCreateBody(aContact({ vat_number: ' ', segments: [], size: null }), withFields, LOCATION);
    expect(body).not.toHaveProperty('customFields');
  });

  it('reports a value it cannot send as a custom field, by field name', () => {
    const { body, issues } = mapContactToCreateBody(aContact({ vat_number: { country: 'DK' } }), withFields, LOCATION);
    expect(body).not.toHaveProperty('customFields');
    expect(issues).toEqual([{ field: 'custom:vat_number', reason: 'unsupported-custom-field-value' }]);
  });

  it('are sent on updates too', () => {
    const { body } = mapContactToUpdateBody(aContact({ vat_number: 'DK12345678' }), withFields);
    expect(body.customFields).toEqual([{ id: 'cf-vat', field_value: 'DK12345678' }]);
  });
});

describe('mapContactToUpsertBody', () => {
  it('carries companyName and source like a create', () => {
    const { body } = mapContactToUpsertBody(aContact({ company: 'Jensen ApS' }), config, LOCATION);
    expect(body).toMatchObject({ locationId: LOCATION, companyName: 'Jensen ApS', source: 'Relatel' });
  });

  it('carries no tags, which would replace the tags of a GHL contact it matches', () => {
    const { body } = mapContactToUpsertBody(aContact({ tags: ['vip'] }), mappingConfig({ contacts: { tag: 'relatel' } }), LOCATION);
    expect(body).not.toHaveProperty('tags');
  });

  it('updates the duplicate GHL finds instead of creating a second contact', () => {
    const { body } = mapContactToUpsertBody(aContact(), config, LOCATION);
    expect(body.createNewIfDuplicateAllowed).toBe(false);
  });
});

describe('mapContactToUpdateBody', () => {
  it('carries no locationId, tags, source or companyName', () => {
    const { body } = mapContactToUpdateBody(aContact({ company: 'Jensen ApS', tags: ['vip'] }), mappingConfig({ contacts: { tag: 'relatel' } }));
    expect(body).toEqual({ firstName: 'Anna', lastName: 'Jensen', email: 'anna@example.dk', phone: '+4571999999' });
  });

  it('reports the company it cannot carry, for the sync to upsert when it changed', () => {
    const result = mapContactToUpdateBody(aContact({ company: ' Jensen ApS ' }), config);
    expect(result.companyName).toBe('Jensen ApS');
  });

  it('reports no company when the contact has none', () => {
    expect(mapContactToUpdateBody(aContact({ company: null }), config)).not.toHaveProperty('companyName');
  });
});

describe('contactTags', () => {
  it('is the Relatel tags plus the fixed tag, normalised like GHL', () => {
    expect(contactTags(aContact({ tags: ['VIP', ' lead'] }), mappingConfig({ contacts: { tag: 'Relatel' } }))).toEqual([
      'lead',
      'relatel',
      'vip',
    ]);
  });

  it('is empty for a contact without tags and no fixed tag', () => {
    expect(contactTags(aContact({ tags: undefined }), config)).toEqual([]);
  });
});
