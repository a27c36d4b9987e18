/** What a simulator served: the most recent requests and counters of all of them, for tests to count calls. */
import type { FaultKind } from '../ghl-simulator/faults.js';

export interface SimRequestRecord {
  seq: number;
  at: string;
  method: string;
  /** Path without the query string (queries may carry e-mails or phone numbers). */
  path: string;
  /** Route operation, e.g. `contacts.create`; `unknown` when no route matched. */
  operation: string;
  /** 0 when no answer was given (an injected timeout). */
  status: number;
  durationMs: number;
  faults: FaultKind[];
}

export interface SimCounters {
  total: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, number>;
  byFault: Record<string, number>;
}

export class RequestLog {
  private log: SimRequestRecord[] = [];
  private counts = emptyCounters();
  private seq = 0;

  /** Keeps the `limit` most recent entries; counters count everything. */
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  record(entry: Omit<SimRequestRecord, 'seq' | 'at'>): void {
    this.seq += 1;
    this.log.push({ seq: this.seq, at: new Date(this.now()).toISOString(), ...entry });
    if (this.log.length > this.limit) this.log.splice(0, this.log.length - this.limit);
    this.counts.total += 1;
    bump(this.counts.byStatus, String(entry.status));
    bump(this.counts.byOperation, entry.operation);
    for (const fault of entry.faults) bump(this.counts.byFault, fault);
  }

  requests(): SimRequestRecord[] {
    return structuredClone(this.log);
  }

  counters(): SimCounters {
    return structuredClone(this.counts);
  }

  clear(): void {
    this.log = [];
    this.counts = emptyCounters();
    this.seq = 0;
  }
}

function emptyCounters(): SimCounters {
  return { total: 0, byStatus: {}, byOperation: {}, byFault: {} };
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
