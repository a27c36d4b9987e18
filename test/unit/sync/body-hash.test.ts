/** Two-part body hashes: the stored `fields:separate` form is read and written in one place. */
import { describe, expect, it } from 'vitest';
import { formatTwoPartHash, isTwoPartHash, parseTwoPartHash } from '../../../lib/sync/body-hash.js';

describe('two-part body hashes', () => {
  it('reads both parts, an empty part as unknown', () => {
    expect(parseTwoPartHash('f1:c1')).toEqual({ fields: 'f1', separate: 'c1' });
    expect(parseTwoPartHash(':true')).toEqual({ separate: 'true' });
    expect(parseTwoPartHash('f1:')).toEqual({ fields: 'f1' });
    expect(parseTwoPartHash(undefined)).toEqual({});
  });

  it('reads a single-part hash as its fields', () => {
    expect(parseTwoPartHash('n1')).toEqual({ fields: 'n1' });
  });

  it('writes what it reads', () => {
    expect(formatTwoPartHash({ fields: 'f1', separate: 'c1' })).toBe('f1:c1');
    expect(formatTwoPartHash({ separate: 'false' })).toBe(':false');
    expect(formatTwoPartHash({})).toBe(':');
    expect(formatTwoPartHash(parseTwoPartHash('f2:c2'))).toBe('f2:c2');
  });

  it('tells two-part hashes from single-part ones', () => {
    expect(isTwoPartHash('f1:c1')).toBe(true);
    expect(isTwoPartHash(':')).toBe(true);
    expect(isTwoPartHash('n1')).toBe(false);
    expect(isTwoPartHash(undefined)).toBe(false);
  });
});
