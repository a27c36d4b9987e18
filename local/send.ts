/**
 * `npm run send -- ghl.contact.created|updated|deleted|ghl.workflow`: a GHL contact webhook to the
 * GHL door, as GHL's app sends it (signed with the local stack's generated test key) or as a
 * workflow sends it (with the local workflow secret); `timestamp` becomes now, `webhookId` fresh.
 *
 * `npm run send -- <example-name|file.json> [--keep] [--url URL]`: signs a Relatel event with the
 * local webhook secret (RELATEL_WEBHOOK_SECRET) and POSTs it to the running local stack, then
 * prints the answer. `contact.created` loads examples/contact.created.json. Unless --keep,
 * occurred_at becomes now and delivery_id a fresh id, so sending an example twice is two events
 * (a newer occurred_at, which the sync applies) rather than one redelivery (which it drops).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config.js';
import { GHL_WORKFLOW_SECRET_HEADER, signGhlPayload } from '../lib/events/ghl-signature.js';
import { RELATEL_DELIVERY_ID_HEADER, RELATEL_SIGNATURE_HEADER, signRelatelPayload } from '../lib/events/signature.js';
import { loadLocalSettings, localStateDir, WEBHOOK_PATH, type LocalSettings } from './config.js';
import { GHL_SIMULATOR_DEFAULTS } from './ghl-simulator/index.js';
import { GHL_TEST_KEY_FILE, GHL_WEBHOOK_PATH, LOCAL_GHL_WORKFLOW_SECRET_ID } from './ghl-flow.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

export class SendError extends Error {
  override name = 'SendError';
}

/** The event named by an example name (`contact.created`) or a path to a JSON file. */
export function loadEvent(nameOrPath: string): Record<string, unknown> {
  const example = resolve(EXAMPLES_DIR, `${nameOrPath.replace(/\.json$/, '')}.json`);
  const path = existsSync(nameOrPath) ? nameOrPath : example;
  if (!existsSync(path)) {
    throw new SendError(`No file ${nameOrPath} and no example of that name.\n${exampleList()}`);
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

/** Every name `npm run send` takes: the Relatel examples and the GHL door's. */
function exampleList(): string {
  return `Examples: ${exampleNames().join(', ')}\nGHL door: ${Object.keys(GHL_EXAMPLES).join(', ')}`;
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

/** The GHL examples `npm run send` knows, by the name it takes. */
export const GHL_EXAMPLES = {
  'ghl.contact.created': 'ContactCreate',
  'ghl.contact.updated': 'ContactUpdate',
  'ghl.contact.deleted': 'ContactDelete',
  'ghl.workflow': 'workflow.contact',
} as const;
export type GhlExampleName = keyof typeof GHL_EXAMPLES;

function isGhlExample(name: string): name is GhlExampleName {
  return Object.prototype.hasOwnProperty.call(GHL_EXAMPLES, name);
}

/** A GHL app webhook body for the location, happening now, with a fresh webhookId. */
export function refreshGhlWebhook(body: Record<string, unknown>, locationId: string, now: Date = new Date()): Record<string, unknown> {
  return { ...body, locationId, webhookId: randomUUID(), timestamp: now.toISOString() };
}

/** POSTs a GHL app webhook signed as GHL signs it (x-ghl-signature with an Ed25519 key). */
export async function sendGhlWebhook(url: string, body: Record<string, unknown>, privateKey: KeyObject | string): Promise<SentEvent> {
  const rawBody = JSON.stringify(body);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signGhlPayload(rawBody, privateKey) }, body: rawBody });
  return { status: response.status, body: await response.text(), deliveryId: typeof body.webhookId === 'string' ? body.webhookId : undefined };
}

/** POSTs a workflow webhook with the shared secret in its header. */
export async function sendWorkflowWebhook(url: string, body: Record<string, unknown>, secret: string): Promise<SentEvent> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [GHL_WORKFLOW_SECRET_HEADER]: secret },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text(), deliveryId: undefined };
}

async function sendGhlExample(name: GhlExampleName, settings: LocalSettings, urlOverride: string | undefined): Promise<SentEvent> {
  const url = urlOverride ?? `http://127.0.0.1:${settings.webhookPort}${GHL_WEBHOOK_PATH}`;
  const locationId = settings.ghl.kind === 'real' ? settings.ghl.locationId : GHL_SIMULATOR_DEFAULTS.locationId;
  const example = loadEvent(`ghl/${GHL_EXAMPLES[name]}`);
  const stateDir = localStateDir(settings.webhookPort);
  const readLocal = (file: string) => {
    try {
      return readFileSync(resolve(stateDir, file), 'utf8');
    } catch {
      throw new SendError(`${resolve(stateDir, file)} is missing: is \`npm start\` running (with the same PORT)?`);
    }
  };
  try {
    if (name === 'ghl.workflow') {
      const secrets = JSON.parse(readLocal('secrets.json')) as Record<string, string>;
      const body = { ...example, location: { ...(example.location as object), id: locationId } };
      return await sendWorkflowWebhook(url, body, secrets[LOCAL_GHL_WORKFLOW_SECRET_ID] ?? '');
    }
    return await sendGhlWebhook(url, refreshGhlWebhook(example, locationId), readLocal(GHL_TEST_KEY_FILE));
  } catch (error) {
    if (error instanceof SendError) throw error;
    throw new SendError(`Could not reach ${url} (${(error as { cause?: { code?: string } }).cause?.code ?? String(error)}). Is \`npm start\` running?`);
  }
}

async function main(): Promise<void> {
  const usage = `Usage: npm run send -- <example-name|file.json> [--keep] [--url URL]\n${exampleList()}`;
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { keep: { type: 'boolean', default: false }, url: { type: 'string' } } });
  } catch (error) {
    throw new SendError(`${(error as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  const [target] = positionals;
  if (target === undefined || positionals.length > 1) throw new SendError(usage);
  const settings = loadLocalSettings();
  if (isGhlExample(target)) {
    const sent = await sendGhlExample(target, settings, values.url);
    console.log(`${target} ${sent.deliveryId ?? '(workflow)'} -> GHL door`);
    console.log(`${sent.status} ${sent.body}`);
    if (sent.status >= 400) process.exitCode = 1;
    return;
  }
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
  if (sent.status === 401) {
    // The one refusal whose cause is this shell, not the event.
    console.error('The webhook checks the signature with the RELATEL_WEBHOOK_SECRET `npm start` was given: send with the same one (or neither).');
  }
  if (sent.status >= 400) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof SendError || error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
