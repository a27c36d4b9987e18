/** Time as the simulator sees it; tests pass a fake one to step through rate-limit windows. */
export interface SimulatorClock {
  now(): number;
  /** Waits for slow answers and held (timed-out) requests. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: SimulatorClock = {
  now: () => Date.now(),
  // unref: a held request must never keep a test process or Ctrl-C'd stack alive.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};
