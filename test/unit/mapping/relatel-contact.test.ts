import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mapGhlContactToRelatel,
  relatelContactConfigSchema,
  relatelContactHash,
  relatelNameOf,
  relatelNumberFromE164,
  type GhlContactFields,
} from '../../../lib/mapping/relatel-contact.js';

const DK = { defaultCountry: 'DK' as const };
const METTE: GhlContactFields = {
  firstName: 'Mette Kirstine',
  lastName: 'Hansen',
  name: 'Mette Kirstine Hansen',
  email: 'Mette.Hansen@Example.dk',
  phone: '+4571999999',
  tags: ['kunde'],
};

describe('mapGhlContactToRelatel', () => {
  it('maps name, number without + and e-mail, with the fingerprint of those values', () => {
    const mapped = mapGhlContactToRelatel(METTE, DK);
    expect(mapped).toEqual({
      qualifies: true,
      values: { name: 'Mette Kirstine Hansen', number: '4571999999', email: 'mette.hansen@example.dk' },
      hash: relatelContactHash({ name: 'Mette Kirstine Hansen', number: '4571999999', email: 'mette.hansen@example.dk' }),
      issues: [],
    });
  });

  it('fingerprints with SHA-256 over the canonical values (known answer)', () => {
    // printf '%s' '{"email":"a@b.dk","name":"A B","number":"4571999999"}' | sha256sum
    expect(relatelContactHash({ number: '4571999999', name: 'A B', email: 'a@b.dk' })).toBe(
      '37d9c65df3fd7e36fd7a804aadf828bfc9e781f573a5ea039fcdc296020c5aa6',
    );
  });

  it('reads national and formatted numbers of the default country', () => {
    const mapped = mapGhlContactToRelatel({ phone: '71 99 99 99' }, DK);
    expect(mapped).toMatchObject({ qualifies: true, values: { number: '4571999999' } });
    expect(mapGhlContactToRelatel({ phone: '+49 176 12345678' }, DK)).toMatchObject({ values: { number: '4917612345678' } });
  });

  it('leaves out a missing name and e-mail', () => {
    expect(mapGhlContactToRelatel({ phone: '+4571999999' }, DK)).toMatchObject({ qualifies: true, values: { number: '4571999999' } });
    const mapped = mapGhlContactToRelatel({ phone: '+4571999999' }, DK);
    expect(mapped.qualifies && Object.keys(mapped.values)).toEqual(['number']);
  });

  it('leaves out an invalid e-mail and reports it by field, not value', () => {
    const mapped = mapGhlContactToRelatel({ ...METTE, email: 'not an address' }, DK);
    expect(mapped).toMatchObject({ qualifies: true, issues: [{ field: 'email', reason: 'invalid-email' }] });
    expect(mapped.qualifies && mapped.values.email).toBeUndefined();
  });

  it('does not qualify a contact without a phone, or with one that is not a number', () => {
    expect(mapGhlContactToRelatel({ ...METTE, phone: undefined }, DK)).toEqual({ qualifies: false, reason: 'no-phone' });
    expect(mapGhlContactToRelatel({ ...METTE, phone: '  ' }, DK)).toEqual({ qualifies: false, reason: 'no-phone' });
    expect(mapGhlContactToRelatel({ ...METTE, phone: '12' }, DK)).toEqual({ qualifies: false, reason: 'invalid-phone' });
  });

  it('with a configured tag, qualifies only contacts carrying it, in any case', () => {
    expect(mapGhlContactToRelatel(METTE, { ...DK, onlyWithTag: 'Kunde' })).toMatchObject({ qualifies: true });
    expect(mapGhlContactToRelatel(METTE, { ...DK, onlyWithTag: 'relatel' })).toEqual({ qualifies: false, reason: 'missing-tag' });
    expect(mapGhlContactToRelatel({ ...METTE, tags: undefined }, { ...DK, onlyWithTag: 'kunde' })).toEqual({ qualifies: false, reason: 'missing-tag' });
  });
});

describe('relatelNameOf', () => {
  it.each([
    [{ firstName: 'Anna', lastName: 'Jensen', name: 'ignored' }, 'Anna Jensen'],
    [{ firstName: 'Anna', name: 'Anna Marie Jensen' }, 'Anna'],
    [{ lastName: ' Jensen ' }, 'Jensen'],
    [{ firstName: ' ', lastName: null, name: ' Anna   Jensen ' }, 'Anna Jensen'],
    [{ firstName: '', name: '' }, undefined],
  ])('%j -> %s', (contact, expected) => {
    expect(relatelNameOf(contact)).toBe(expected);
  });
});

describe('relatelNumberFromE164', () => {
  it('drops the plus', () => {
    expect(relatelNumberFromE164('+4571999999')).toBe('4571999999');
  });
});

describe('relatelContactHash', () => {
  const base = { name: 'Mette Hansen', number: '4571999999', email: 'mette@example.dk' };

  it('is the same for the contact as Relatel hands it back', () => {
    const readBack = { id: 481516, name: ' Mette  Hansen ', number: '+45 71 99 99 99', number_formatted: '+45 71 99 99 99', email: 'METTE@example.dk ' };
    expect(relatelContactHash(readBack)).toBe(relatelContactHash(base));
  });

  it('treats null, empty and absent alike', () => {
    expect(relatelContactHash({ ...base, email: null })).toBe(relatelContactHash({ name: base.name, number: base.number }));
    expect(relatelContactHash({ ...base, email: '' })).toBe(relatelContactHash({ name: base.name, number: base.number }));
  });

  it.each([
    ['name', { name: 'Mette Jensen' }],
    ['number', { number: '4571999998' }],
    ['email', { email: 'other@example.dk' }],
    ['a field cleared', { email: undefined }],
  ])('changes when the %s changes', (_label, change) => {
    expect(relatelContactHash({ ...base, ...change })).not.toBe(relatelContactHash(base));
  });

  it('does not confuse a value moved to another field', () => {
    expect(relatelContactHash({ name: '4571999999', number: '' })).not.toBe(relatelContactHash({ number: '4571999999' }));
  });
});

describe('mapping properties', () => {
  const phone = fc.integer({ min: 20_000_000, max: 99_999_999 }).map((n) => `+45${n}`);
  const text = fc.string({ maxLength: 20 });
  const contact = fc.record(
    { firstName: text, lastName: text, name: text, email: fc.oneof(fc.emailAddress(), text), phone, tags: fc.array(fc.constantFrom('kunde', 'KUNDE', 'lead', ' vip ')) },
    { requiredKeys: ['phone'] },
  );

  it('writes digits only, with the country code, and a hash of exactly the written values', () => {
    fc.assert(
      fc.property(contact, (c) => {
        const mapped = mapGhlContactToRelatel(c, DK);
        expect(mapped.qualifies).toBe(true);
        if (!mapped.qualifies) return;
        expect(mapped.values.number).toMatch(/^45\d{8}$/);
        expect(mapped.hash).toBe(relatelContactHash(mapped.values));
      }),
    );
  });

  it('is stable: the same contact, however spaced and cased, gives the same values and hash', () => {
    fc.assert(
      fc.property(contact, (c) => {
        const noisy = {
          ...c,
          firstName: c.firstName === undefined ? undefined : `  ${c.firstName} `,
          email: c.email?.toUpperCase(),
          phone: c.phone.replace(/^\+45(\d{2})(\d{2})/, '+45 $1 $2 '),
        };
        const a = mapGhlContactToRelatel(c, DK);
        const b = mapGhlContactToRelatel(noisy, DK);
        expect(a.qualifies && b.qualifies).toBe(true);
        if (!a.qualifies || !b.qualifies) return;
        expect(b.values).toEqual(a.values);
        expect(b.hash).toBe(a.hash);
      }),
    );
  });

  it('qualifies exactly the contacts carrying the configured tag', () => {
    fc.assert(
      fc.property(contact, fc.constantFrom('kunde', 'vip', 'none'), (c, tag) => {
        const mapped = mapGhlContactToRelatel(c, { ...DK, onlyWithTag: tag });
        const carries = (c.tags ?? []).some((t) => t.trim().toLowerCase() === tag);
        expect(mapped.qualifies).toBe(carries);
      }),
    );
  });
});

describe('relatelContactConfigSchema', () => {
  it('defaults to every contact with a phone, and refuses unknown fields', () => {
    expect(relatelContactConfigSchema.parse({})).toEqual({});
    expect(relatelContactConfigSchema.parse({ onlyWithTag: 'relatel' })).toEqual({ onlyWithTag: 'relatel' });
    expect(relatelContactConfigSchema.safeParse({ tag: 'x' }).success).toBe(false);
  });
});
