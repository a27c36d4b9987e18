/**
 * Answers that leave in doubt whether GHL wrote: a lost answer to an upsert, a 2xx whose body
 * cannot be read. Each must surface once, as "may have been applied" (so the sync searches or
 * upserts before creating again), never be resent blindly nor be read as "not applied".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGhlClient, createGhlHealth, InMemoryGhlHealthStore, InMemoryLock, InMemoryRateBudgetStore, type GhlClient } from '../../../lib/ghl/index.js';
import { mayHaveBeenApplied } from '../../../lib/ghl/errors.js';
import { InMemorySecretStore } from '../../../lib/secrets.js';
import { startGhlSimulator, type FaultSettings, type GhlSimulator } from '../../../local/ghl-simulator/index.js';
import type { SpecCheckingGhlServer } from '../../support/spec-checking-ghl-server.js';
import { fakeClock } from '../../unit/ghl/fake-clock.js';
import { clientFor, specCheckingServerPerFile } from './harness.js';
import { testGhlConfig } from '../../factories/ghl-config.js';

/** The real client against the GHL simulator, which keeps records: what it holds after a failure is what GHL would. */
async function clientOnSimulator(faults: Partial<FaultSettings>): Promise<{ sim: GhlSimulator; client: GhlClient }> {
  const sim = await startGhlSimulator({ faults });
  const clock = fakeClock();
  const ghlConfig = testGhlConfig(sim.url, 'ghl');
  const client = createGhlClient({
    config: ghlConfig,
    health: createGhlHealth({ config: ghlConfig, store: new InMemoryGhlHealthStore(), now: clock.now }),
    secretStore: new InMemorySecretStore({ ghl: JSON.stringify({ type: 'pit', token: sim.tokens[0], locationId: sim.locationId }) }),
    lock: new InMemoryLock(clock.now),
    rateBudgetStore: new InMemoryRateBudgetStore(),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  return { sim, client };
}

describe('an upsert whose answer is lost', () => {
  const running: GhlSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.stop()));
  });

  // No e-mail and no phone: GHL cannot match the upsert to a contact, so each one it receives creates one.
  const unmatchable = { firstName: 'Mette', lastName: 'Hansen' };

  it('after a 5xx is sent once and surfaces as may-have-been-applied: GHL holds one contact, not one per attempt', async () => {
    const { sim, client } = await clientOnSimulator({ afterWriteServerErrorRate: 1, serverErrorStatuses: [503] });
    running.push(sim);

    const error = await client.upsertContact(unmatchable).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-503', status: 503 });
    expect(mayHaveBeenApplied(error)).toBe(true);
    expect(sim.state.contacts()).toHaveLength(1);
    expect(sim.state.counters().total).toBe(1);
  });

  it('after the connection drops is sent once and surfaces as may-have-been-applied', async () => {
    const { sim, client } = await clientOnSimulator({ afterWriteTimeoutRate: 1, timeoutMode: 'reset' });
    running.push(sim);

    const error = await client.upsertContact(unmatchable).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-network' });
    expect(mayHaveBeenApplied(error)).toBe(true);
    expect(sim.state.contacts()).toHaveLength(1);
    expect(sim.state.counters().total).toBe(1);
  });
});

describe('a 2xx answer that cannot be read', () => {
  const serverOf = specCheckingServerPerFile();
  let server: SpecCheckingGhlServer;
  beforeEach(() => {
    server = serverOf();
  });

  it('a 201 without the created id is transient and may have been applied, and is not resent', async () => {
    server.script('create-task', { status: 201, body: { task: { title: 'Call back' } } });
    const { client } = clientFor(server);

    const error = await client.createTask('contact-1', { title: 'Call back', dueDate: '2026-11-28T10:00:00Z', completed: false }).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-answer-unexpected', status: 201, message: expect.stringContaining('task.id') });
    expect(mayHaveBeenApplied(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('an upsert answered 200 with an empty body is transient and may have been applied', async () => {
    server.script('upsert-contact', { status: 200 });
    const { client } = clientFor(server);

    const error = await client.upsertContact({ email: 'anna@example.dk' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'transient', reason: 'ghl-answer-unexpected', status: 200 });
    expect(mayHaveBeenApplied(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});
