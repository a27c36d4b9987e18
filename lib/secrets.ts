/**
 * The secret store port. Lambdas read Secrets Manager through `SecretsManagerStore`
 * (lib/aws/secrets-manager.ts); the local stack and tests use `InMemorySecretStore`. Domain
 * code only ever sees this interface.
 */
export type SecretVersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretStore {
  /** The secret's string value at a version stage; undefined when that stage does not exist. */
  getSecretString(secretId: string, stage?: SecretVersionStage): Promise<string | undefined>;
  /** Writes a new current version (e.g. a refreshed OAuth token). */
  putSecretString(secretId: string, value: string): Promise<void>;
}

/** Secrets kept in memory: for the local stack (filled from env or a file) and for tests. */
export class InMemorySecretStore implements SecretStore {
  private readonly versions = new Map<string, { current?: string; previous?: string }>();

  constructor(initial: Record<string, string> = {}) {
    for (const [id, value] of Object.entries(initial)) this.versions.set(id, { current: value });
  }

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    const entry = this.versions.get(secretId);
    return stage === 'AWSCURRENT' ? entry?.current : entry?.previous;
  }

  async putSecretString(secretId: string, value: string) {
    const entry = this.versions.get(secretId);
    this.versions.set(secretId, { current: value, previous: entry?.current });
  }
}
