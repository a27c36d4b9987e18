import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTED_EVENT_TYPES, TEST_EVENT_TYPE } from '../../../lib/entities.js';
import { validateRelatelEvent } from '../../../lib/events/validate.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
const DOCUMENTED_TYPES = [...ROUTED_EVENT_TYPES, TEST_EVENT_TYPE];

function example(type: string): unknown {
  return JSON.parse(readFileSync(new URL(`${type}.json`, EXAMPLES), 'utf8'));
}

/** Every `"number":"..."`, `"from_number":"..."` and `"to_number":"..."` of an example, as written. */
function phoneNumbersIn(type: string): string[] {
  return JSON.stringify(example(type)).match(/"(?:number|from_number|to_number)":"[^"]*"/g) ?? [];
}

describe('examples/', () => {
  it('holds exactly one example per event type the sync knows', () => {
    const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.json'));
    expect(files.sort()).toEqual(DOCUMENTED_TYPES.map((type) => `${type}.json`).sort());
  });

  it.each(DOCUMENTED_TYPES)('%s.json is a valid event of its type', (type) => {
    expect(validateRelatelEvent(example(type))).toMatchObject({ valid: true, eventType: type });
  });

  // Each case asserts on numbers that are there: a case over an example without one would pass having checked nothing.
  it('carries phone numbers in the contact and call examples', () => {
    expect(DOCUMENTED_TYPES.filter((type) => phoneNumbersIn(type).length > 0).sort()).toEqual(['call.ended', 'contact.created', 'contact.updated']);
  });

  it.each(['contact.created', 'contact.updated', 'call.ended'])('%s.json writes phone numbers as digits with country code and no "+"', (type) => {
    const numbers = phoneNumbersIn(type);
    expect(numbers).not.toEqual([]);
    for (const number of numbers) expect(number).toMatch(/:"45\d{8}"$/);
  });
});
