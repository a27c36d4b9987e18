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

/** One version of a secret: its value and when the version was created. */
export interface SecretVersion {
  readonly value: string;
  /** Secrets Manager's `CreatedDate` of the version; undefined when the store cannot tell. */
  readonly createdAt: Date | undefined;
}

/** Reads a version with its creation time, for rules that depend on a version's age (the signing secret's grace window). */
export interface SecretVersionReader {
  /** The version at a stage; undefined when that stage does not exist. */
  getSecretVersion(secretId: string, stage: SecretVersionStage): Promise<SecretVersion | undefined>;
}

/** Secrets kept in memory: for the local stack (filled from env or a file) and for tests. */
export class InMemorySecretStore implements SecretStore, SecretVersionReader {
  private readonly versions = new Map<string, { current?: SecretVersion; previous?: SecretVersion }>();

  /** `now` dates the versions written, as Secrets Manager's CreatedDate does. */
  constructor(
    initial: Record<string, string> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const [id, value] of Object.entries(initial)) this.versions.set(id, { current: { value, createdAt: now() } });
  }

  async getSecretVersion(secretId: string, stage: SecretVersionStage) {
    const entry = this.versions.get(secretId);
    return stage === 'AWSCURRENT' ? entry?.current : entry?.previous;
  }

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    return (await this.getSecretVersion(secretId, stage))?.value;
  }

  async putSecretString(secretId: string, value: string) {
    const entry = this.versions.get(secretId);
    this.versions.set(secretId, { current: { value, createdAt: this.now() }, previous: entry?.current });
  }
}
