import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore, SecretVersionStage } from '../secrets.js';

/** Secrets Manager behind the SecretStore port. */
export class SecretsManagerStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient = new SecretsManagerClient({})) {}

  async getSecretString(secretId: string, stage: SecretVersionStage = 'AWSCURRENT') {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return answer.SecretString;
    } catch (error) {
      // A secret that was never rotated has no AWSPREVIOUS version: not an error for us.
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async putSecretString(secretId: string, value: string) {
    await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  }
}
