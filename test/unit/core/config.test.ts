import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, webhookConfigSchema } from '../../../lib/config.js';

const validEnv = {
  QUEUE_URL_CONTACTS: 'http://127.0.0.1:1/q/contacts.fifo',
  QUEUE_URL_TASKS: 'http://127.0.0.1:1/q/tasks.fifo',
  QUEUE_URL_NOTES: 'http://127.0.0.1:1/q/notes.fifo',
  QUEUE_URL_APPOINTMENTS: 'http://127.0.0.1:1/q/appointments.fifo',
  WEBHOOK_SECRET_ID: 'webhook-secret',
};

describe('loadConfig', () => {
  it('applies defaults to a valid environment', () => {
    const config = loadConfig(webhookConfigSchema, validEnv);
    expect(config.SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    expect(config.LOG_LEVEL).toBe('INFO');
  });

  it('accepts the previous signing secret for 24 h after a rotation unless told otherwise, and 0 to refuse it at once', () => {
    expect(loadConfig(webhookConfigSchema, validEnv).PREVIOUS_SIGNING_SECRET_GRACE_SECONDS).toBe(86_400);
    expect(loadConfig(webhookConfigSchema, { ...validEnv, PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: '0' }).PREVIOUS_SIGNING_SECRET_GRACE_SECONDS).toBe(0);
    expect(() => loadConfig(webhookConfigSchema, { ...validEnv, PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: '-1' })).toThrow(
      /PREVIOUS_SIGNING_SECRET_GRACE_SECONDS: must be at least 0/,
    );
  });

  it('names every missing or malformed variable in one error', () => {
    const env = { ...validEnv, QUEUE_URL_TASKS: undefined, SIGNATURE_TOLERANCE_SECONDS: 'soon' };
    expect(() => loadConfig(webhookConfigSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(webhookConfigSchema, env)).toThrow(/QUEUE_URL_TASKS: is required[\s\S]*SIGNATURE_TOLERANCE_SECONDS/);
  });

  it('says a set but malformed number must be a number, not that it is required', () => {
    const env = { ...validEnv, SIGNATURE_TOLERANCE_SECONDS: 'soon' };
    expect(() => loadConfig(webhookConfigSchema, env)).toThrow(/SIGNATURE_TOLERANCE_SECONDS: must be a number/);
    expect(() => loadConfig(webhookConfigSchema, env)).not.toThrow(/SIGNATURE_TOLERANCE_SECONDS: is required/);
  });

  it('never echoes a configured value in its error', () => {
    const env = { ...validEnv, WEBHOOK_SECRET_ID: '', QUEUE_URL_NOTES: 'not-a-url-s3cr3t' };
    expect(() => loadConfig(webhookConfigSchema, env)).toThrow(/QUEUE_URL_NOTES: must be a valid url/);
    expect(() => loadConfig(webhookConfigSchema, env)).not.toThrow(/s3cr3t/);
  });
});
