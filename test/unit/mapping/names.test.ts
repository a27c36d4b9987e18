import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactNameParts, splitName } from '../../../lib/mapping/names.js';

describe('splitName', () => {
  it('makes a single word the first name only', () => {
    expect(splitName('Anna')).toEqual({ firstName: 'Anna' });
  });

  it('makes the last of two words the last name', () => {
    expect(splitName('Anna Jensen')).toEqual({ firstName: 'Anna', lastName: 'Jensen' });
  });

  it('keeps middle names with the first name', () => {
    expect(splitName('Anna Marie Jensen')).toEqual({ firstName: 'Anna Marie', lastName: 'Jensen' });
  });

  it('drops surrounding whitespace and the whitespace between first and last name', () => {
    expect(splitName('  Anna\t Jensen \n')).toEqual({ firstName: 'Anna', lastName: 'Jensen' });
  });

  it('keeps spacing inside the first name as written', () => {
    expect(splitName('Anna  Marie Jensen')).toEqual({ firstName: 'Anna  Marie', lastName: 'Jensen' });
  });

  it('gives nothing for a missing or blank name', () => {
    expect(splitName(undefined)).toEqual({});
    expect(splitName(null)).toEqual({});
    expect(splitName('   ')).toEqual({});
  });
});

describe('splitName properties', () => {
  const word = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }).filter((w) => w.trim() === w && !/\s/.test(w));
  const whitespace = fc.constantFrom(' ', '  ', '\t', '\u00a0', '\n', ' \u2003');
  const name = fc.oneof(
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc
      .tuple(whitespace, fc.array(fc.tuple(word, whitespace), { minLength: 1, maxLength: 5 }), whitespace)
      .map(([lead, parts, trail]) => lead + parts.map(([w, s]) => w + s).join('') + trail),
  );

  it('never loses characters except surrounding whitespace', () => {
    fc.assert(
      fc.property(name, (raw) => {
        const { firstName = '', lastName } = splitName(raw);
        const trimmed = raw.trim();
        if (lastName === undefined) {
          expect(firstName).toBe(trimmed);
        } else {
          const separator = trimmed.slice(firstName.length, trimmed.length - lastName.length);
          expect(trimmed).toBe(firstName + separator + lastName);
          expect(separator.trim()).toBe('');
          expect(separator.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives a last name that is one word, and parts with no surrounding whitespace', () => {
    fc.assert(
      fc.property(name, (raw) => {
        const { firstName, lastName } = splitName(raw);
        if (lastName !== undefined) expect(lastName).not.toMatch(/\s/);
        for (const part of [firstName, lastName]) if (part !== undefined) expect(part).toBe(part.trim());
      }),
      { numRuns: 500 },
    );
  });

  it('gives a first name only for a single word', () => {
    fc.assert(
      fc.property(whitespace, word, whitespace, (lead, single, trail) => {
        expect(splitName(lead + single + trail)).toEqual({ firstName: single });
      }),
      { numRuns: 300 },
    );
  });

  it('gives the last word as the last name for several words', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 2, maxLength: 5 }), (words) => {
        expect(splitName(words.join(' '))).toEqual({
          firstName: words.slice(0, -1).join(' '),
          lastName: words.at(-1),
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('contactNameParts', () => {
  it('splits name when first_name and last_name are absent', () => {
    expect(contactNameParts({ name: 'Anna Jensen' })).toEqual({ firstName: 'Anna', lastName: 'Jensen' });
  });

  it('uses first_name and last_name as given instead of splitting name', () => {
    expect(contactNameParts({ name: 'Anna Marie Jensen', first_name: 'Anna', last_name: 'Marie Jensen' })).toEqual({
      firstName: 'Anna',
      lastName: 'Marie Jensen',
    });
  });

  it('uses first_name alone without taking a last name from name', () => {
    expect(contactNameParts({ name: 'Anna Jensen', first_name: 'Anna' })).toEqual({ firstName: 'Anna' });
  });

  it('falls back to splitting name when first_name and last_name are blank', () => {
    expect(contactNameParts({ name: 'Anna Jensen', first_name: ' ', last_name: null })).toEqual({
      firstName: 'Anna',
      lastName: 'Jensen',
    });
  });
});
