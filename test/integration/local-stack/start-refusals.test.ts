/**
 * `npm start` refusing to start: a taken AWS port names the setting that moves it, as it does for
 * the other servers; a state directory another running stack owns is left alone.
 */
import { createServer, type Server } from 'node:net';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLocalSettings, localStateDir } from '../../../local/config.js';
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

describe('npm start where another stack keeps its files', () => {
  it('keeps each webhook port in its own state directory, the default port in .local/ itself', () => {
    expect(localStateDir(3000, '/repo/.local')).toBe('/repo/.local');
    expect(localStateDir(3100, '/repo/.local')).toBe('/repo/.local/port-3100');
  });

  it('refuses a state directory a running stack owns, before starting anything, and leaves its files', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'owned-'));
    const owner = process.ppid; // alive, and not this process
    writeFileSync(join(stateDir, 'stack.pid'), String(owner));
    writeFileSync(join(stateDir, 'secrets.json'), '{}');
    const settings = loadLocalSettings(freeEverywhere);

    await expect(startLocalStack({ settings, stateDir })).rejects.toThrow(`Another local stack (pid ${owner}) runs from ${stateDir}`);
    expect(readFileSync(join(stateDir, 'stack.pid'), 'utf8')).toBe(String(owner));
    expect(existsSync(join(stateDir, 'secrets.json'))).toBe(true);
  });

  it('takes over the directory of a stack that is gone (killed with -9)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'stale-'));
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(stateDir, 'stack.pid'), String(gone));
    const stack = await startLocalStack({ settings: loadLocalSettings(freeEverywhere), stateDir });
    try {
      expect(readFileSync(join(stateDir, 'stack.pid'), 'utf8')).toBe(String(process.pid));
    } finally {
      await stack.stop();
    }
    expect(existsSync(join(stateDir, 'stack.pid'))).toBe(false);
  });
});
