import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore, SecretVersion, SecretVersionReader, SecretVersionStage } from '../secrets.js';

/** Secrets Manager behind the SecretStore and SecretVersionReader ports. */
export class SecretsManagerStore implements SecretStore, SecretVersionReader {
  constructor(private readonly client: SecretsManagerClient = new SecretsManagerClient({})) {}

  async getSecretVersion(secretId: string, stage: SecretVersionStage): Promise<SecretVersion | undefined> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      if (answer.SecretString === undefined) return undefined;
      return { value: answer.SecretString, createdAt: answer.CreatedDate };
    } catch (error) {
      // A secret that was never rotated has no AWSPREVIOUS version: not an error for us.
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    return (await this.getSecretVersion(secretId, stage))?.value;
  }

  async putSecretString(secretId: string, value: string) {
    await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  }
}
