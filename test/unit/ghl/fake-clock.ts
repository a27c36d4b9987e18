/**
 * A clock that only moves when everything running is asleep: each sleep registers a wake-up
 * time, and once pending work has settled (a macrotask later) time jumps to the earliest
 * wake-up. Concurrent sleepers interleave as they would in real time, with no real waiting.
 */
export interface FakeClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  advance: (ms: number) => void;
  /** Every sleep the code asked for, in order. */
  sleeps: number[];
}

export function fakeClock(start = Date.UTC(2026, 4, 4, 10, 0, 0)): FakeClock {
  let time = start;
  const sleeps: number[] = [];
  const sleepers: { at: number; wake: () => void }[] = [];
  let scheduled = false;

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(wakeEarliest);
  };

  const wakeEarliest = () => {
    scheduled = false;
    if (sleepers.length === 0) return;
    time = Math.max(time, Math.min(...sleepers.map((sleeper) => sleeper.at)));
    for (const sleeper of sleepers.filter((s) => s.at <= time)) {
      sleepers.splice(sleepers.indexOf(sleeper), 1);
      sleeper.wake();
    }
    // Those still asleep wake later even if the ones just woken never sleep again.
    if (sleepers.length > 0) schedule();
  };

  return {
    now: () => time,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return new Promise<void>((resolve) => {
        sleepers.push({ at: time + ms, wake: resolve });
        schedule();
      });
    },
    advance: (ms: number) => {
      time += ms;
    },
    sleeps,
  };
}
