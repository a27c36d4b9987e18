import fc from 'fast-check';
import { isValidPhoneNumber } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { displayPhone, formatPhoneForDisplay, normalisePhone } from '../../../lib/mapping/phone.js';

const E164 = /^\+[1-9]\d{1,14}$/;

describe('normalisePhone', () => {
  it('reads Relatel digits with a country code and no plus as international', () => {
    expect(normalisePhone('4571999999', 'DK')).toEqual({ ok: true, e164: '+4571999999' });
  });

  it('reads an 8-digit Danish national number with the default country', () => {
    expect(normalisePhone('71999999', 'DK')).toEqual({ ok: true, e164: '+4571999999' });
  });

  it('reads a national number with the configured default country', () => {
    expect(normalisePhone('030 12345678', 'DE')).toEqual({ ok: true, e164: '+493012345678' });
  });

  it('reads foreign digits with their own country code', () => {
    expect(normalisePhone('4917612345678', 'DK')).toEqual({ ok: true, e164: '+4917612345678' });
  });

  it('accepts a plus and spaces, dashes and parentheses', () => {
    expect(normalisePhone('+45 (71) 99-99-99', 'DK')).toEqual({ ok: true, e164: '+4571999999' });
  });

  it('reads a 00 prefix as the international prefix', () => {
    expect(normalisePhone('004571999999', 'DK')).toEqual({ ok: true, e164: '+4571999999' });
  });

  it('accepts a number given as a JSON number', () => {
    expect(normalisePhone(4571999999, 'DK')).toEqual({ ok: true, e164: '+4571999999' });
  });

  it('reports a missing number as empty', () => {
    expect(normalisePhone(undefined, 'DK')).toEqual({ ok: false, reason: 'empty' });
    expect(normalisePhone(null, 'DK')).toEqual({ ok: false, reason: 'empty' });
    expect(normalisePhone('  ', 'DK')).toEqual({ ok: false, reason: 'empty' });
  });

  it('reports a number of impossible length as invalid', () => {
    expect(normalisePhone('12345', 'DK')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('reports text that is not a number as invalid', () => {
    expect(normalisePhone('anonymous', 'DK')).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('normalisePhone properties', () => {
  const phoneLike = fc.oneof(
    fc.stringMatching(/^\+?[0-9 ()-]{0,18}$/),
    fc.stringMatching(/^(45|46|47|49|44|1|33)?[0-9]{6,11}$/),
    fc.string(),
  );
  const countries = fc.constantFrom('DK' as const, 'SE' as const, 'DE' as const, 'US' as const, 'GB' as const);

  it('gives a valid E.164 number or nothing', () => {
    fc.assert(
      fc.property(phoneLike, countries, (raw, country) => {
        const result = normalisePhone(raw, country);
        if (result.ok) {
          expect(result.e164).toMatch(E164);
          expect(isValidPhoneNumber(result.e164)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: an E.164 result normalises to itself', () => {
    fc.assert(
      fc.property(phoneLike, countries, countries, (raw, country, otherCountry) => {
        const result = normalisePhone(raw, country);
        if (result.ok) expect(normalisePhone(result.e164, otherCountry)).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });

  it('turns any 8-digit Danish number, in any of its written forms, into the same E.164', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[2-9][0-9]{7}$/), (national) => {
        const expected = normalisePhone(national, 'DK');
        expect(expected).toEqual({ ok: true, e164: `+45${national}` });
        expect(normalisePhone(`45${national}`, 'DK')).toEqual(expected);
        expect(normalisePhone(`+45 ${national.replace(/(\d\d)(?=\d)/g, '$1 ')}`, 'DK')).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatPhoneForDisplay', () => {
  it('groups an E.164 number the way the country writes it', () => {
    expect(formatPhoneForDisplay('+4571999999')).toBe('+45 71 99 99 99');
  });
});

describe('displayPhone', () => {
  it('formats a valid Relatel number', () => {
    expect(displayPhone('4571999999', 'DK')).toBe('+45 71 99 99 99');
  });

  it('shows an unparseable number as written, trimmed', () => {
    expect(displayPhone(' Hidden ', 'DK')).toBe('Hidden');
  });

  it('gives nothing for a missing number', () => {
    expect(displayPhone(null, 'DK')).toBeUndefined();
  });
});
