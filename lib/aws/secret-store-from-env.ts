/**
 * Which secret store a function reads: Secrets Manager in AWS; on the local stack, a JSON file
 * of `{ "<secret id>": "<value>" }` named by LOCAL_SECRETS_FILE. Both behind the one SecretStore
 * port, so handlers run unchanged in both places.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../config.js';
import type { SecretStore, SecretVersion, SecretVersionReader, SecretVersionStage } from '../secrets.js';
import { SecretsManagerStore } from './secrets-manager.js';

export const LOCAL_SECRETS_FILE_ENV = 'LOCAL_SECRETS_FILE';

export function secretStoreFromEnvironment(env: Record<string, string | undefined> = process.env): SecretStore & SecretVersionReader {
  const file = env[LOCAL_SECRETS_FILE_ENV];
  if (file === undefined || file === '') return new SecretsManagerStore(new SecretsManagerClient({}));
  return new FileSecretStore(file);
}

/**
 * Re-reads the file on every read, so a secret edited while the local stack runs is picked up
 * (rotation drills). Values may be strings or JSON objects (e.g. GHL credentials); the previous
 * version of `id` is `id:previous`, as a rotation leaves it. The file has no version dates: its
 * last change stands for the creation of the current version (a rotation drill is an edit).
 */
export class FileSecretStore implements SecretStore, SecretVersionReader {
  constructor(private readonly path: string) {}

  private read(): Record<string, string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      throw new ConfigError(`${LOCAL_SECRETS_FILE_ENV} (${this.path}) must be a readable JSON object of secret id -> value`);
    }
    if (parsed === null || typeof parsed !== 'object') throw new ConfigError(`${LOCAL_SECRETS_FILE_ENV} must hold a JSON object`);
    return parsed as Record<string, string>;
  }

  async getSecretVersion(secretId: string, stage: SecretVersionStage): Promise<SecretVersion | undefined> {
    const createdAt = statSync(this.path, { throwIfNoEntry: false })?.mtime;
    const values = this.read();
    const value = stage === 'AWSCURRENT' ? values[secretId] : values[`${secretId}:previous`];
    if (value === undefined) return undefined;
    return { value: typeof value === 'string' ? value : JSON.stringify(value), createdAt };
  }

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    return (await this.getSecretVersion(secretId, stage))?.value;
  }

  async putSecretString(secretId: string, value: string) {
    const values = this.read();
    writeFileSync(this.path, JSON.stringify({ ...values, [`${secretId}:previous`]: values[secretId], [secretId]: value }, null, 2));
  }
}
