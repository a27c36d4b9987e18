import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../lib/aws/secret-store-from-env.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function secretsFile(values: Record<string, unknown>, changedAt: Date): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  dirs.push(dir);
  const path = join(dir, 'secrets.json');
  writeFileSync(path, JSON.stringify(values));
  utimesSync(path, changedAt, changedAt);
  return path;
}

describe('FileSecretStore', () => {
  it('dates the current version by the file\'s last change, as the local stand-in for CreatedDate', async () => {
    const changedAt = new Date('2026-03-02T08:00:00Z');
    const store = new FileSecretStore(secretsFile({ webhook: 'new', 'webhook:previous': 'old' }, changedAt));
    expect(await store.getSecretVersion('webhook', 'AWSCURRENT')).toEqual({ value: 'new', createdAt: changedAt });
    expect((await store.getSecretVersion('webhook', 'AWSPREVIOUS'))?.value).toBe('old');
  });

  it('has no previous version before a rotation', async () => {
    const store = new FileSecretStore(secretsFile({ webhook: 'only' }, new Date('2026-03-02T08:00:00Z')));
    expect(await store.getSecretVersion('webhook', 'AWSPREVIOUS')).toBeUndefined();
    expect(await store.getSecretString('webhook')).toBe('only');
  });
});
