import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from '../../../lib/message-size.js';

describe('truncateUtf8', () => {
  it('keeps a value that fits', () => {
    expect(truncateUtf8('ghl-422', 7)).toBe('ghl-422');
  });

  it('cuts at a character boundary, never inside a multi-byte character or a surrogate pair', () => {
    expect(truncateUtf8('aøb', 2)).toBe('a');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
  });
});
