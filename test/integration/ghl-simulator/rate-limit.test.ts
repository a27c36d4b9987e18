import { describe, expect, it } from 'vitest';
import { call, fakeClock, simulator } from './support.js';

const anyRead = (sim: { locationId: string }) => `/contacts/?locationId=${sim.locationId}`;

describe('GHL simulator: rate limit', () => {
  it('reports the official budget in the X-RateLimit-* headers by default', async () => {
    const sim = await simulator({ clock: fakeClock() });

    const answer = await call(sim, 'GET', anyRead(sim));

    expect(Object.fromEntries(answer.headers)).toMatchObject({
      'x-ratelimit-max': '100',
      'x-ratelimit-remaining': '99',
      'x-ratelimit-interval-milliseconds': '10000',
      'x-ratelimit-limit-daily': '200000',
      'x-ratelimit-daily-remaining': '199999',
    });
  });

  it('counts the budget down, then answers 429 once it is spent', async () => {
    const sim = await simulator({ clock: fakeClock(), rateLimit: { maxPerInterval: 3 } });

    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await call(sim, 'GET', anyRead(sim)));

    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]?.body).toMatchObject({ statusCode: 429 });
  });

  it('opens a new budget when the interval has passed', async () => {
    const clock = fakeClock();
    const sim = await simulator({ clock, rateLimit: { maxPerInterval: 1, intervalMs: 10_000 } });
    await call(sim, 'GET', anyRead(sim));
    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(429);

    clock.advance(10_000);
    const answer = await call(sim, 'GET', anyRead(sim));

    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('answers 429 with daily remaining 0 once the daily budget is spent, until the next day', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 5, 23, 59, 0));
    const sim = await simulator({ clock, rateLimit: { maxPerInterval: 100, dailyLimit: 2 } });
    await call(sim, 'GET', anyRead(sim));
    await call(sim, 'GET', anyRead(sim));

    const refused = await call(sim, 'GET', anyRead(sim));
    clock.advance(60_000);
    const nextDay = await call(sim, 'GET', anyRead(sim));

    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-daily-remaining')).toBe('0');
    expect(nextDay.status).toBe(200);
    expect(nextDay.headers.get('x-ratelimit-daily-remaining')).toBe('1');
  });

  it('does not spend budget on requests refused for auth', async () => {
    const sim = await simulator({ clock: fakeClock(), rateLimit: { maxPerInterval: 5 } });
    await call(sim, 'GET', anyRead(sim), { token: 'wrong' });

    const answer = await call(sim, 'GET', anyRead(sim));

    expect(answer.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('takes a new limit at run time', async () => {
    const sim = await simulator({ clock: fakeClock() });

    sim.setRateLimit({ maxPerInterval: 1 });
    await call(sim, 'GET', anyRead(sim));

    expect((await call(sim, 'GET', anyRead(sim))).status).toBe(429);
  });

  it('refuses a misspelt rate-limit setting', async () => {
    const sim = await simulator();
    expect(() => sim.setRateLimit({ maxPerIntervall: 1 } as never)).toThrow(/maxPerIntervall/);
  });
});
