/**
 * `npm run send -- <example-name|file.json> [--keep] [--url URL]`: signs a Relatel event with the
 * local webhook secret (RELATEL_WEBHOOK_SECRET) and POSTs it to the running local stack, then
 * prints the answer. `contact.created` loads examples/contact.created.json. Unless --keep,
 * occurred_at becomes now and delivery_id a fresh id, so sending an example twice is two events
 * (a newer occurred_at, which the sync applies) rather than one redelivery (which it drops).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config.js';
import { RELATEL_DELIVERY_ID_HEADER, RELATEL_SIGNATURE_HEADER, signRelatelPayload } from '../lib/events/signature.js';
import { loadLocalSettings, WEBHOOK_PATH } from './config.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

export class SendError extends Error {
  override name = 'SendError';
}

/** The event named by an example name (`contact.created`) or a path to a JSON file. */
export function loadEvent(nameOrPath: string): Record<string, unknown> {
  const example = resolve(EXAMPLES_DIR, `${nameOrPath.replace(/\.json$/, '')}.json`);
  const path = existsSync(nameOrPath) ? nameOrPath : example;
  if (!existsSync(path)) {
    throw new SendError(`No file ${nameOrPath} and no example of that name. Examples: ${exampleNames().join(', ')}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new SendError(`${path} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SendError(`${path} must hold one event (a JSON object)`);
  return parsed as Record<string, unknown>;
}

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.replace(/\.json$/, ''))
    .sort();
}

/** A new delivery of the same event, happening now. */
export function refreshEvent(event: Record<string, unknown>, now: Date = new Date()): Record<string, unknown> {
  return { ...event, delivery_id: `dlv_local_${randomUUID()}`, occurred_at: now.toISOString() };
}

export interface SentEvent {
  status: number;
  body: string;
  deliveryId: string | undefined;
}

/** Signs the event as Relatel does and POSTs it. */
export async function sendSignedEvent(url: string, event: Record<string, unknown>, secret: string): Promise<SentEvent> {
  const rawBody = JSON.stringify(event);
  const deliveryId = typeof event.delivery_id === 'string' ? event.delivery_id : undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [RELATEL_SIGNATURE_HEADER]: signRelatelPayload(rawBody, secret),
      ...(deliveryId !== undefined && { [RELATEL_DELIVERY_ID_HEADER]: deliveryId }),
    },
    body: rawBody,
  });
  return { status: response.status, body: await response.text(), deliveryId };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { keep: { type: 'boolean', default: false }, url: { type: 'string' } },
  });
  const [target] = positionals;
  if (target === undefined || positionals.length > 1) {
    throw new SendError(`Usage: npm run send -- <example-name|file.json> [--keep] [--url URL]\nExamples: ${exampleNames().join(', ')}`);
  }
  const settings = loadLocalSettings();
  const url = values.url ?? `http://127.0.0.1:${settings.webhookPort}${WEBHOOK_PATH}`;
  const loaded = loadEvent(target);
  const event = values.keep ? loaded : refreshEvent(loaded);
  let sent: SentEvent;
  try {
    sent = await sendSignedEvent(url, event, settings.webhookSecret);
  } catch (error) {
    throw new SendError(`Could not reach ${url} (${(error as { cause?: { code?: string } }).cause?.code ?? String(error)}). Is \`npm start\` running?`);
  }
  console.log(`${String(event.event_type)} ${sent.deliveryId ?? '(no delivery id)'} -> ${url}`);
  console.log(`${sent.status} ${sent.body}`);
  if (sent.status >= 400) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof SendError || error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
