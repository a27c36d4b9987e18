import type { SecretStore } from '../secrets.js';

/** Reads the Relatel API token from its secret, which holds the bare token or `{"token": "..."}`. */
export async function readRelatelToken(secrets: SecretStore, secretId: string): Promise<string> {
  const value = (await secrets.getSecretString(secretId))?.trim();
  if (!value) throw new Error(`The Relatel API token secret (${secretId}) is empty: put the token in it`);
  if (!value.startsWith('{')) return value;
  const token = (JSON.parse(value) as { token?: unknown }).token;
  if (typeof token !== 'string' || token === '') throw new Error(`The Relatel API token secret (${secretId}) has no "token" field`);
  return token;
}
