/**
 * `npm run bench -- ghl-door` (issue 13): the GHL door's events per second in process (signed
 * Ed25519 app webhooks, the queue faked), and on the local stack (both doors, both consumers,
 * both simulators, as test/e2e/both-directions.test.ts runs them) the calls each change costs in
 * each direction: writes on the other side, all calls on the other side, and calls its echo
 * costs back. Target: 1 write on the other side, 0 echo calls.
 */
import type { QueueSender } from '../lib/ingest/ports.js';
import { ingestGhlWebhook, type GhlWebhookIngestDeps } from '../lib/ingest/ghl-webhook.js';
import type { SimContact } from '../local/ghl-simulator/store.js';
import type { RelatelSimContact } from '../local/relatel-simulator/index.js';
import { ghlContactWebhook, signedGhlRequest, TEST_GHL_KEYS, TEST_GHL_LOCATION_ID } from '../test/factories/ghl-events.js';
import { relatelEvent } from '../test/factories/relatel-events.js';
import { startE2eStack, type E2eStack } from '../test/e2e/harness.js';
import { ghlWrites } from '../test/integration/consumers/harness.js';
import { bench, type WebhookBenchResult } from './webhook.js';

export interface CallsPerChange {
  direction: string;
  changes: number;
  /** Writes (POST/PUT/DELETE answered 2xx) on the other side, per change. */
  writesPerChange: number;
  /** Every call to the other side (lookups included), per change. */
  callsPerChange: number;
  /** Calls the change's echo (the other side's webhook for the sync's own write) cost back, per change. */
  echoCallsPerChange: number;
}

/** The GHL door's core over signed app webhooks, with a queue that accepts at once. */
export async function runGhlDoorBench(options: { count?: number; warmup?: number } = {}): Promise<WebhookBenchResult> {
  const count = options.count ?? 10_000;
  const warmup = options.warmup ?? 2_000;
  const queue: QueueSender = { send: async () => undefined };
  const deps: GhlWebhookIngestDeps = { queue, keys: TEST_GHL_KEYS, locationId: TEST_GHL_LOCATION_ID };
  const make = (index: number) => signedGhlRequest(ghlContactWebhook('ContactUpdate', { id: `BenchGhlContact${String(index % 5_000).padStart(5, '0')}` }));
  const bodyBytes = JSON.stringify(ghlContactWebhook()).length;
  return bench('GHL door core (Ed25519 app webhook), fake QueueSender', make, async (request) => (await ingestGhlWebhook(request, deps)).response.statusCode, count, warmup, bodyBytes);
}

/** Changes made on each side of the local stack, counted at the simulators. */
export async function runCallsPerChangeBench(options: { contacts?: number } = {}): Promise<CallsPerChange[]> {
  const contacts = options.contacts ?? 20;
  const e2e = await startE2eStack({ handlerEnv: { RELATEL_RATE_LIMIT_REQUESTS: '1000', RELATEL_RATE_LIMIT_INTERVAL_MS: '1000' } });
  try {
    const world = new World(e2e);
    const numbers = Array.from({ length: contacts }, (_, index) => `45220${String(10_000 + index)}`);
    const seeded = numbers.map((number, index) => e2e.simulator.seedContact({ firstName: `Bench${index}`, lastName: 'Kontakt', phone: `+${number}` }));

    const created = await world.measure('GHL create -> Relatel', contacts, async () => {
      for (const contact of seeded) await world.sendGhl('ContactCreate', contact);
    }, 'relatel', async () => {
      for (const number of numbers) await world.sendRelatel('contact.created', world.relatelByNumber(number));
    });
    const updated = await world.measure('GHL update -> Relatel', contacts, async () => {
      for (const contact of seeded) await world.sendGhl('ContactUpdate', { ...contact, lastName: 'Opdateret' });
    }, 'relatel', async () => {
      for (const number of numbers) await world.sendRelatel('contact.updated', world.relatelByNumber(number));
    });
    const reverse = await world.measure('Relatel update -> GHL', contacts, async () => {
      for (const number of numbers) {
        const contact = world.relatelByNumber(number);
        await world.sendRelatel('contact.updated', { ...contact, email: `bench-${contact.id}@example.dk` });
      }
    }, 'ghl', async () => {
      for (const contact of seeded) await world.sendGhl('ContactUpdate', e2e.simulator.state.contact(contact.id)!);
    });
    return [created, updated, reverse];
  } finally {
    await e2e.stop();
  }
}

class World {
  private seq = 0;
  constructor(private readonly e2e: E2eStack) {}

  relatelByNumber(number: string): RelatelSimContact {
    const contact = this.e2e.relatel.state.contacts().find((candidate) => candidate.number === number);
    if (contact === undefined) throw new Error(`Relatel has no contact with number ${number}`);
    return contact;
  }

  async sendGhl(type: string, contact: Pick<SimContact, 'id'> & Partial<SimContact>): Promise<void> {
    const { id, firstName, lastName, email, phone, tags } = contact;
    this.seq += 1;
    const body = { type, locationId: this.e2e.stack.ghlLocationId, timestamp: new Date().toISOString(), webhookId: `bench-wh-${Date.now()}-${this.seq}`, id, firstName, lastName, email, phone, tags: tags ?? [] };
    const status = await this.e2e.sendGhl(body);
    if (status !== 202) throw new Error(`The GHL door answered ${status}`);
  }

  async sendRelatel(type: 'contact.created' | 'contact.updated', contact: Pick<RelatelSimContact, 'id' | 'name' | 'number' | 'email'>): Promise<void> {
    const event = relatelEvent(type, { occurred_at: new Date().toISOString(), payload: { id: contact.id, name: contact.name, number: contact.number, email: contact.email } });
    const status = await this.e2e.send(event);
    if (status !== 202) throw new Error(`The Relatel door answered ${status}`);
  }

  /** Runs the changes, then their echoes, each until the queues drained, counting the calls each simulator served. */
  async measure(direction: string, changes: number, change: () => Promise<void>, otherSide: 'ghl' | 'relatel', echo: () => Promise<void>): Promise<CallsPerChange> {
    const before = this.counts();
    await change();
    await this.e2e.drained();
    const afterChange = this.counts();
    await echo();
    await this.e2e.drained();
    const afterEcho = this.counts();
    const origin = otherSide === 'ghl' ? 'relatel' : 'ghl';
    const per = (n: number) => Math.round((n / changes) * 100) / 100;
    return {
      direction,
      changes,
      writesPerChange: per(afterChange[otherSide].writes - before[otherSide].writes),
      callsPerChange: per(afterChange[otherSide].calls - before[otherSide].calls),
      echoCallsPerChange: per(afterEcho[origin].calls - afterChange[origin].calls),
    };
  }

  private counts() {
    const relatelRequests = this.e2e.relatel.state.requests();
    return {
      ghl: { calls: this.e2e.simulator.state.counters().total, writes: ghlWrites(this.e2e.simulator).length },
      relatel: {
        calls: this.e2e.relatel.state.counters().total,
        writes: relatelRequests.filter((request) => request.method !== 'GET' && request.status >= 200 && request.status < 300).length,
      },
    };
  }
}
