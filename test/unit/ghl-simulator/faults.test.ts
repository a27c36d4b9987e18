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

/**
 * `count` of `draws` is what `rate` gives, within five standard deviations of the binomial: for
 * 10,000 draws at 5 %, 500 +/- 109, so a rate off by a fifth fails while the seeded draws pass.
 */
function expectRate(count: number | undefined, draws: number, rate: number): void {
  const tolerance = 5 * Math.sqrt(draws * rate * (1 - rate));
  expect(Math.abs((count ?? 0) - draws * rate), `${count ?? 0} of ${draws} at rate ${rate}`).toBeLessThanOrEqual(tolerance);
}

describe('decideFaults', () => {
  it('injects each before-fault at its configured rate', () => {
    const counts = tally(settings({ serverErrorRate: 0.2, rateLimitRate: 0.1, timeoutRate: 0.05 }), 42, 10_000);
    expectRate(counts['server-error'], 10_000, 0.2);
    expectRate(counts['rate-limit'], 10_000, 0.1);
    expectRate(counts['timeout'], 10_000, 0.05);
    expectRate(counts['none'], 10_000, 0.65);
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
