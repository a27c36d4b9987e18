import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../../lib/mapping/email.js';

describe('normaliseEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normaliseEmail('  Anna.Jensen@Example.DK ')).toEqual({ ok: true, email: 'anna.jensen@example.dk' });
  });

  it('reports a missing or blank address as empty', () => {
    expect(normaliseEmail(null)).toEqual({ ok: false, reason: 'empty' });
    expect(normaliseEmail(' ')).toEqual({ ok: false, reason: 'empty' });
  });

  it('reports something that is not an address as invalid', () => {
    expect(normaliseEmail('anna at example.dk')).toEqual({ ok: false, reason: 'invalid' });
    expect(normaliseEmail('anna@')).toEqual({ ok: false, reason: 'invalid' });
  });
});
