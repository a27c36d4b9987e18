import { describe, expect, it } from 'vitest';
import { NO_FAULTS, checkFaults, decideFaults, type FaultSettings } from '../../../local/ghl-simulator/faults.js';
import { ghlIdGenerator, seededRandom } from '../../../local/ghl-simulator/random.js';

const settings = (changes: Partial<FaultSettings>): FaultSettings => ({ ...NO_FAULTS, ...changes });

function tally(faults: FaultSettings, seed: number, draws: number): Record<string, number> {
  const random = seededRandom(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < draws; i += 1) {
    const decision = decideFaults(faults, random);
    const kind = decision.before ?? 'none';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe('decideFaults', () => {
  it('injects each before-fault at about its configured rate', () => {
    const counts = tally(settings({ serverErrorRate: 0.2, rateLimitRate: 0.1, timeoutRate: 0.05 }), 42, 10_000);
    expect((counts['server-error'] ?? 0) / 10_000).toBeCloseTo(0.2, 1);
    expect((counts['rate-limit'] ?? 0) / 10_000).toBeCloseTo(0.1, 1);
    expect((counts['timeout'] ?? 0) / 10_000).toBeCloseTo(0.05, 1);
  });

  it('injects nothing with the default settings', () => {
    expect(tally(NO_FAULTS, 1, 1_000)).toEqual({ none: 1_000 });
  });

  it('draws the same decisions from the same seed', () => {
    const faults = settings({ serverErrorRate: 0.3, slowRate: 0.3, afterWriteServerErrorRate: 0.3 });
    const run = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => decideFaults(faults, random));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('picks the 5xx status from the configured list', () => {
    const random = seededRandom(3);
    const statuses = new Set(
      Array.from({ length: 200 }, () => decideFaults(settings({ serverErrorStatuses: [502, 503] }), random).serverErrorStatus),
    );
    expect(statuses).toEqual(new Set([502, 503]));
  });
});

describe('checkFaults', () => {
  it('refuses a rate outside 0..1', () => {
    expect(() => checkFaults(settings({ serverErrorRate: 1.5 }))).toThrow(/serverErrorRate/);
  });

  it('refuses before-fault rates that add up to more than 1', () => {
    expect(() => checkFaults(settings({ serverErrorRate: 0.6, rateLimitRate: 0.6 }))).toThrow(/must not exceed 1/);
  });

  it('refuses a non-5xx status to inject', () => {
    expect(() => checkFaults(settings({ serverErrorStatuses: [404] }))).toThrow(/5xx/);
  });
});

describe('ghlIdGenerator', () => {
  it('makes 20-character alphanumeric ids, reproducibly from a seed', () => {
    const ids = Array.from({ length: 5 }, ghlIdGenerator(seededRandom(9)));
    expect(ids.every((id) => /^[A-Za-z0-9]{20}$/.test(id))).toBe(true);
    expect(Array.from({ length: 5 }, ghlIdGenerator(seededRandom(9)))).toEqual(ids);
  });
});
