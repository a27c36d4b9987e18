/** `npm start` on a taken AWS port names the setting that moves it, as it does for the other servers. */
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLocalSettings } from '../../../local/config.js';
import { startLocalStack } from '../../../local/stack.js';

let taken: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (taken ? taken.close(resolve) : resolve(undefined)));
  taken = undefined;
});

async function takePort(): Promise<number> {
  taken = createServer();
  await new Promise<void>((resolve) => taken!.listen(0, '127.0.0.1', resolve));
  return (taken.address() as { port: number }).port;
}

const freeEverywhere = { PORT: '0', LOCAL_SQS_PORT: '0', LOCAL_DYNAMODB_PORT: '0', GHL_SIMULATOR_PORT: '0', RELATEL_SIMULATOR_PORT: '0' };

describe('npm start with an AWS port in use', () => {
  it.each([
    ['LOCAL_SQS_PORT', 'SQS'],
    ['LOCAL_DYNAMODB_PORT', 'DynamoDB'],
  ])('says to set %s', async (variable, server) => {
    const port = await takePort();
    const settings = loadLocalSettings({ ...freeEverywhere, [variable]: String(port) });
    const started = startLocalStack({ settings, stateDir: mkdtempSync(join(tmpdir(), 'port-in-use-')) });
    await expect(started).rejects.toThrow(`Port ${port} is already in use, so the local ${server}`);
    await expect(started).rejects.toThrow(`or set ${variable}`);
  });
});
