/** A simulator's fault settings as they change at run time, and the seeded draws they are made with. */
import { NO_FAULTS, checkFaults, decideFaults, type FaultDecision, type FaultSettings } from '../ghl-simulator/faults.js';
import { rejectUnknownKeys } from '../ghl-simulator/io.js';
import { seededRandom, type Random } from '../ghl-simulator/random.js';

export class FaultSwitch {
  private readonly initial: FaultSettings;
  private settings: FaultSettings;
  private random: Random;

  constructor(
    initial: Partial<FaultSettings>,
    private readonly seed: number,
  ) {
    rejectUnknownKeys(initial, NO_FAULTS, 'fault');
    this.initial = checkFaults({ ...NO_FAULTS, ...initial });
    this.settings = this.initial;
    this.random = seededRandom(seed);
  }

  /** The settings in force (read-only: change them with `set`). */
  get current(): Readonly<FaultSettings> {
    return this.settings;
  }

  /** Changes some settings; `seed` restarts the draws from that seed. A misspelt setting throws. */
  set({ seed, ...changes }: Partial<FaultSettings> & { seed?: number }): FaultSettings {
    rejectUnknownKeys(changes, NO_FAULTS, 'fault');
    this.settings = checkFaults({ ...this.settings, ...changes });
    if (seed !== undefined) this.random = seededRandom(seed);
    return structuredClone(this.settings);
  }

  /** One request's faults: every request draws the same count, so a seed replays a run. */
  decide(): FaultDecision {
    return decideFaults(this.settings, this.random);
  }

  /** The initial settings, and the draws from the initial seed again. */
  reset(): void {
    this.settings = this.initial;
    this.random = seededRandom(this.seed);
  }
}
