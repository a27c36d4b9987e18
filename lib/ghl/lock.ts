/**
 * A named lock with a lease, shared by concurrent Lambdas (DynamoDB in AWS:
 * lib/aws/dynamo-lock.ts). The lease expires on its own so a Lambda that dies while holding
 * the lock blocks the others for at most `leaseMs`.
 */
export interface LockLease {
  /** Gives the lock up early; harmless if the lease already expired and someone else took it. */
  release(): Promise<void>;
}

export interface Lock {
  /** Takes the lock if nobody holds an unexpired lease; answers undefined otherwise. */
  tryAcquire(name: string, leaseMs: number): Promise<LockLease | undefined>;
}

/** A lock in memory: for tests and single-process use. */
export class InMemoryLock implements Lock {
  private readonly holders = new Map<string, { owner: symbol; leaseUntil: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async tryAcquire(name: string, leaseMs: number): Promise<LockLease | undefined> {
    const current = this.holders.get(name);
    if (current && current.leaseUntil > this.now()) return undefined;
    const owner = Symbol(name);
    this.holders.set(name, { owner, leaseUntil: this.now() + leaseMs });
    return {
      release: async () => {
        if (this.holders.get(name)?.owner === owner) this.holders.delete(name);
      },
    };
  }
}
