/** `npm run send`'s answer to a name it does not know: every name it does, the GHL door's too. */
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../../local/send.js';

describe('npm run send with an unknown name', () => {
  it('lists the Relatel examples and the GHL door names', () => {
    expect(() => loadEvent('ghl.contact.create')).toThrow(/No file ghl\.contact\.create[\s\S]*contact\.created[\s\S]*GHL door: ghl\.contact\.created/);
  });
});
