import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { InfraConfigError, loadInfraConfig, parseInfraConfig } from '../../infra/config.js';

const cdkJsonContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context as Record<
  string,
  unknown
>;

function errorOf(raw: Record<string, unknown>): string {
  try {
    parseInfraConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('deployment configuration (CDK context)', () => {
  it('lists in cdk.json exactly the defaults the schema applies', () => {
    expect(parseInfraConfig(cdkJsonContext)).toEqual(parseInfraConfig({}));
  });

  it('defaults maxReceiveCount to 1000 (a backstop), the retry horizon to 24 h, batch size to 10 and max concurrency to 2', () => {
    const config = parseInfraConfig({});
    expect([config.maxReceiveCount, config.retryHorizonHours, config.consumerBatchSize, config.consumerMaxConcurrency]).toEqual([1000, 24, 10, 2]);
  });

  it("accepts a grace window of 0 for the previous signing secret and rejects a negative one", () => {
    expect(parseInfraConfig({ previousSigningSecretGraceSeconds: '0' }).previousSigningSecretGraceSeconds).toBe(0);
    expect(errorOf({ previousSigningSecretGraceSeconds: -1 })).toMatch(/previousSigningSecretGraceSeconds:/);
  });

  it('rejects a maxReceiveCount below 1 and names the key', () => {
    expect(errorOf({ maxReceiveCount: 0 })).toMatch(/maxReceiveCount: .*>=1/);
  });

  it('rejects a maxReceiveCount that is not a whole number', () => {
    expect(errorOf({ maxReceiveCount: 'eight' })).toMatch(/maxReceiveCount:/);
    expect(errorOf({ maxReceiveCount: 2.5 })).toMatch(/maxReceiveCount:/);
  });

  it('accepts numbers given as strings with -c on the command line', () => {
    expect(parseInfraConfig({ maxReceiveCount: '5', apiThrottleRateLimit: '12.5' })).toMatchObject({
      maxReceiveCount: 5,
      apiThrottleRateLimit: 12.5,
    });
  });

  it("rejects a consumerMaxConcurrency below 2, Lambda's minimum for SQS event sources", () => {
    expect(errorOf({ consumerMaxConcurrency: 1 })).toMatch(/consumerMaxConcurrency:/);
  });

  it('rejects a consumerBatchSize above 10, the limit for FIFO queues', () => {
    expect(errorOf({ consumerBatchSize: 11 })).toMatch(/consumerBatchSize:/);
  });

  it('rejects a log retention CloudWatch does not offer and lists the valid ones', () => {
    expect(errorOf({ logRetentionDays: 45 })).toMatch(/logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/);
  });

  it('rejects an alarmEmail that is not an e-mail address', () => {
    expect(errorOf({ alarmEmail: 'on-call' })).toMatch(/alarmEmail:/);
  });

  it('rejects a setting it does not know, so a typo cannot silently fall back to a default', () => {
    expect(errorOf({ maxRecieveCount: 3 })).toMatch(/maxRecieveCount: is not a known setting/);
  });

  it('names the known key a typo most likely meant', () => {
    expect(errorOf({ ghlLocationid: 'abc123' })).toMatch(/ghlLocationid: is not a known setting; did you mean ghlLocationId\?/);
    expect(errorOf({ maxRecieveCount: 3 })).toMatch(/did you mean maxReceiveCount\?/);
    expect(errorOf({ somethingElse: 1 })).not.toMatch(/did you mean/);
  });

  it("ignores CDK's own context keys", () => {
    expect(() =>
      parseInfraConfig({ '@aws-cdk/core:enableStackNameDuplicates': true, 'aws:cdk:bundling-stacks': ['*'] }),
    ).not.toThrow();
  });

  it('accepts the mapping as an object or as a JSON string from the command line', () => {
    const mapping = { defaultCountry: 'DK' };
    expect(parseInfraConfig({ mapping }).mapping).toEqual(mapping);
    expect(parseInfraConfig({ mapping: JSON.stringify(mapping) }).mapping).toEqual(mapping);
  });

  it('rejects a mapping that is not a JSON object', () => {
    expect(errorOf({ mapping: '{not json' })).toMatch(/mapping:/);
  });

  it("rejects a mapping too large for Lambda's 4 KB of environment variables", () => {
    expect(errorOf({ mapping: { note: 'x'.repeat(4_000) } })).toMatch(/mapping: must serialise to at most/);
  });

  it('reports every invalid key at once', () => {
    const message = errorOf({ maxReceiveCount: 0, consumerBatchSize: 0, stage: 'Prod!' });
    expect(message).toMatch(/maxReceiveCount:/);
    expect(message).toMatch(/consumerBatchSize:/);
    expect(message).toMatch(/stage:/);
  });

  it('never echoes the rejected value', () => {
    expect(errorOf({ alarmEmail: 'secret-looking-value' })).not.toContain('secret-looking-value');
  });

  it("reads the app's context, so a bad cdk.json or -c value fails synth", () => {
    const app = new App({ context: { maxReceiveCount: -1 } });
    expect(() => loadInfraConfig(app.node)).toThrow(/Invalid CDK context[\s\S]*maxReceiveCount/);
  });
});
