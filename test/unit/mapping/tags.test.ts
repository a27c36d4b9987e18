import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffTags, normaliseTags } from '../../../lib/mapping/tags.js';

describe('normaliseTags', () => {
  it('trims, lower-cases and sorts tags like GHL stores them', () => {
    expect(normaliseTags([' VIP', 'Lead ', 'b2b'])).toEqual(['b2b', 'lead', 'vip']);
  });

  it('drops duplicates that differ only in case', () => {
    expect(normaliseTags(['VIP', 'vip', 'Vip'])).toEqual(['vip']);
  });

  it('drops blank and missing tags', () => {
    expect(normaliseTags(['', '  ', null, undefined, 'vip'])).toEqual(['vip']);
  });

  it('gives no tags for a missing list', () => {
    expect(normaliseTags(null)).toEqual([]);
  });
});

describe('diffTags', () => {
  it('adds tags that are new and removes tags that are gone', () => {
    expect(diffTags(['vip', 'lead'], ['vip', 'customer'])).toEqual({ add: ['customer'], remove: ['lead'] });
  });

  it('compares case-insensitively', () => {
    expect(diffTags(['vip'], ['VIP'])).toEqual({ add: [], remove: [] });
  });

  it('adds every tag when nothing was synced before', () => {
    expect(diffTags(undefined, ['lead', 'Vip'])).toEqual({ add: ['lead', 'vip'], remove: [] });
  });

  it('gives the same order whatever order the tags came in', () => {
    expect(diffTags(['c', 'a'], ['z', 'b', 'y'])).toEqual(diffTags(['a', 'c'], ['y', 'z', 'b']));
  });

  it('applied to the previous tags, yields the next tags', () => {
    const tags = fc.array(fc.constantFrom('vip', 'VIP', 'lead', 'Lead ', 'b2b', 'customer', ''), { maxLength: 6 });
    fc.assert(
      fc.property(tags, tags, (previous, next) => {
        const { add, remove } = diffTags(previous, next);
        const applied = normaliseTags([...normaliseTags(previous).filter((tag) => !remove.includes(tag)), ...add]);
        expect(applied).toEqual(normaliseTags(next));
        expect(add.filter((tag) => remove.includes(tag))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
