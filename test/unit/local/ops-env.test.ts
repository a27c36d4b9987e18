/** `--local` for npm run dlq/backfill/verify: the running local stack's variables, the caller's first. */
import { describe, expect, it } from 'vitest';
import { localStackOpsEnv } from '../../../local/ops-env.js';

const ids = { ghl: 'p/ghl-credentials', relatel: 'p/relatel-api-token' };
const opsEnv = (env: Record<string, string>) => localStackOpsEnv('/repo/.local/secrets.json', ids, env);

describe('the operations commands on the local stack (--local)', () => {
  it('point at the default stack: its AWS ports, secrets file, both simulators and the simulated location', () => {
    expect(opsEnv({})).toEqual({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567',
      LOCAL_SECRETS_FILE: '/repo/.local/secrets.json',
      GHL_SECRET_ID: 'p/ghl-credentials',
      GHL_LOCATION_ID: 'SimLocation000000001',
      GHL_BASE_URL: 'http://127.0.0.1:4010',
      RELATEL_SECRET_ID: 'p/relatel-api-token',
      RELATEL_API_BASE_URL: 'http://127.0.0.1:4020/api/v2',
    });
  });

  it('follow the ports npm start was given', () => {
    const env = opsEnv({ LOCAL_SQS_PORT: '4666', LOCAL_DYNAMODB_PORT: '4667', GHL_SIMULATOR_PORT: '4110', RELATEL_SIMULATOR_PORT: '4120' });
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4666',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4667',
      GHL_BASE_URL: 'http://127.0.0.1:4110',
      RELATEL_API_BASE_URL: 'http://127.0.0.1:4120/api/v2',
    });
  });

  it('never point a real GHL or Relatel at a simulator, nor the simulators at them', () => {
    const env = opsEnv({
      GHL_BASE_URL: 'https://services.leadconnectorhq.com',
      GHL_TOKEN: 'pit-x',
      GHL_LOCATION_ID: 'RealLocation',
      RELATEL_API_BASE_URL: 'https://app.relatel.dk/api/v2',
      RELATEL_API_TOKEN: 'tok',
    });
    expect(env).not.toHaveProperty('GHL_BASE_URL');
    expect(env).not.toHaveProperty('GHL_LOCATION_ID');
    expect(env).not.toHaveProperty('RELATEL_API_BASE_URL');
    expect(env).not.toHaveProperty('RELATEL_SECRET_ID');
    expect(env.GHL_SECRET_ID).toBe('p/ghl-credentials');
  });

  it('take a GHL_BASE_URL without GHL_TOKEN as the GHL to use (its token is in the secrets file)', () => {
    const env = opsEnv({ GHL_BASE_URL: 'http://127.0.0.1:5010', GHL_LOCATION_ID: 'Loc' });
    expect(env).not.toHaveProperty('GHL_BASE_URL');
    expect(env).not.toHaveProperty('GHL_LOCATION_ID');
    expect(env.GHL_SECRET_ID).toBe('p/ghl-credentials');
  });

  it("leave every variable the caller set alone", () => {
    const env = opsEnv({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9999', GHL_SECRET_ID: 'mine', LOCAL_SECRETS_FILE: '/elsewhere.json' });
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL_SQS');
    expect(env).not.toHaveProperty('GHL_SECRET_ID');
    expect(env).not.toHaveProperty('LOCAL_SECRETS_FILE');
  });
});
