import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashBody } from '../../../lib/mapping/hash.js';

/** The same value with every object's keys in a different (shuffled) order. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, index) => reorderKeys(item, seed + index));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const shuffled = entries
    .map(([key, item], index) => ({ key, item, rank: (Math.imul(index + 1, 2654435761) ^ seed) >>> 0 }))
    .sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(shuffled.map(({ key, item }) => [key, reorderKeys(item, seed * 31 + 7)]));
}

describe('hashBody', () => {
  it('is a SHA-256 hex digest', () => {
    expect(hashBody({ title: 'Call back' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash whatever order the keys were written in', () => {
    expect(hashBody({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(hashBody({ b: { d: [1, 2], c: 2 }, a: 1 }));
  });

  it('gives a different hash when a value changes', () => {
    expect(hashBody({ firstName: 'Anna' })).not.toBe(hashBody({ firstName: 'Anne' }));
  });

  it('keeps array order significant', () => {
    expect(hashBody({ tags: ['a', 'b'] })).not.toBe(hashBody({ tags: ['b', 'a'] }));
  });

  it('treats an undefined property as absent, like JSON', () => {
    expect(hashBody({ title: 'x', body: undefined })).toBe(hashBody({ title: 'x' }));
  });

  it('never depends on key order, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        expect(hashBody(reorderKeys(value, seed))).toBe(hashBody(value));
      }),
      { numRuns: 300 },
    );
  });

  it('distinguishes bodies whose canonical JSON differs', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        expect(hashBody(a)).not.toBe(hashBody(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: [{ f: 1, e: 2 }] } })).toBe('{"a":{"c":[{"e":2,"f":1}],"d":1},"b":1}');
  });
});
