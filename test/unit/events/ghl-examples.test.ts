import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseGhlWebhook } from '../../../lib/events/ghl-schemas.js';
import { mapGhlContactToRelatel } from '../../../lib/mapping/relatel-contact.js';

const EXAMPLES = new URL('../../../examples/ghl/', import.meta.url);
const example = (name: string): unknown => JSON.parse(readFileSync(new URL(name, EXAMPLES), 'utf8'));
const context = { expectedLocationId: 've9EPM428h8vShlRW1KT', receivedAt: Date.parse('2026-03-02T08:02:12.000Z'), requestId: 'req-1' };

describe('examples/ghl/', () => {
  it.each([
    ['ContactCreate.json', 'app', 'created'],
    ['ContactUpdate.json', 'app', 'updated'],
    ['ContactDelete.json', 'app', 'deleted'],
    ['workflow.contact.json', 'workflow', 'updated'],
  ] as const)('%s is a valid %s webhook, normalised to %s', (file, source, type) => {
    const result = normaliseGhlWebhook(source, example(file), context);
    expect(result).toMatchObject({ kind: 'event', event: { source, type, contact: { ghlId: 'nmFmQEsNgz6AVpgLVUJ0' } } });
  });

  it.each(['ContactCreate.json', 'ContactUpdate.json', 'workflow.contact.json'] as const)('%s maps to a Relatel contact with a Danish number', (file) => {
    const result = normaliseGhlWebhook(file.startsWith('workflow') ? 'workflow' : 'app', example(file), context);
    if (result.kind !== 'event') throw new Error(`expected an event, got ${result.kind}`);
    const mapped = mapGhlContactToRelatel(result.event.contact, { defaultCountry: 'DK' });
    expect(mapped.qualifies && mapped.values.number).toMatch(/^45\d{8}$/);
  });
});
