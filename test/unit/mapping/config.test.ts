import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config.js';
import { DEFAULT_APPOINTMENT_STATUS_MAP, parseMappingConfig } from '../../../lib/mapping/config.js';

function errorOf(input: string | object): ConfigError {
  try {
    parseMappingConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('parseMappingConfig defaults', () => {
  const config = parseMappingConfig({});

  it('reads national numbers as Danish', () => {
    expect(config.defaultCountry).toBe('DK');
  });

  it('writes times in Europe/Copenhagen', () => {
    expect(config.timezone).toBe('Europe/Copenhagen');
  });

  it('labels created contacts with the source Relatel and adds no fixed tag', () => {
    expect(config.contacts).toEqual({ source: 'Relatel', customFields: {} });
  });

  it('maps no users', () => {
    expect(config.users).toEqual({});
  });

  it('gives tasks without a due date 24 hours', () => {
    expect(config.tasks).toEqual({ defaultTitle: 'Relatel task', defaultDueInHours: 24 });
  });

  it('creates a callback task 15 minutes after an unanswered inbound call', () => {
    expect(config.calls.callbackTask).toEqual({ enabled: true, delayMinutes: 15, titleTemplate: 'Call back {number}' });
  });

  it('keeps GHL notifications off for appointments and configures no calendar', () => {
    expect(config.appointments.toNotify).toBe(false);
    expect(config.appointments.calendarId).toBeUndefined();
    expect(config.appointments.statusMap).toEqual(DEFAULT_APPOINTMENT_STATUS_MAP);
  });

  it('treats missing and blank JSON as all defaults', () => {
    expect(parseMappingConfig(undefined)).toEqual(config);
    expect(parseMappingConfig('  ')).toEqual(config);
  });
});

describe('parseMappingConfig', () => {
  it('reads JSON text', () => {
    const config = parseMappingConfig('{"defaultCountry":"SE","contacts":{"tag":"relatel"}}');
    expect(config.defaultCountry).toBe('SE');
    expect(config.contacts.tag).toBe('relatel');
  });

  it('keeps section defaults for fields a section leaves out', () => {
    const config = parseMappingConfig({ calls: { callbackTask: { delayMinutes: 30 } } });
    expect(config.calls.callbackTask).toEqual({ enabled: true, delayMinutes: 30, titleTemplate: 'Call back {number}' });
  });

  it('merges a status map over the defaults, with keys compared lower-cased', () => {
    const config = parseMappingConfig({ appointments: { statusMap: { Done: 'showed', booked: 'new' } } });
    expect(config.appointments.statusMap).toMatchObject({ done: 'showed', booked: 'new', cancelled: 'cancelled' });
  });

  it('names the field and what it expects', () => {
    expect(errorOf({ tasks: { defaultDueInHours: 0 } }).message).toContain('tasks.defaultDueInHours: must be greater than 0');
  });

  it('rejects a country libphonenumber does not know', () => {
    expect(errorOf({ defaultCountry: 'XX' }).message).toContain('defaultCountry: must be a supported ISO 3166-1 alpha-2 country code');
  });

  it('rejects a time zone Intl does not know', () => {
    expect(errorOf({ timezone: 'Mars/Olympus' }).message).toContain('timezone: must be an IANA time zone');
  });

  it('rejects a GHL appointment status that does not exist', () => {
    expect(errorOf({ appointments: { statusMap: { done: 'finished' } } }).message).toContain(
      'appointments.statusMap.done: must be one of new, confirmed, cancelled, showed, noshow, invalid',
    );
  });

  it('rejects unknown fields, so a misspelt setting is not silently ignored', () => {
    expect(errorOf({ contacts: { tags: 'relatel' } }).message).toContain('contacts: unknown field(s) tags');
  });

  it('reports every problem at once', () => {
    const message = errorOf({ defaultCountry: 1, users: { 7: '' } }).message;
    expect(message).toContain('defaultCountry: must be a string');
    expect(message).toContain('users.7: must not be empty');
  });

  it('never repeats a value in its errors', () => {
    const secret = 'pit-0123456789abcdef';
    const message = errorOf({ defaultCountry: secret, timezone: secret, appointments: { statusMap: { x: secret } }, tasks: { defaultTitle: 5 } }).message;
    expect(message).not.toContain(secret);
  });

  it('rejects text that is not JSON without quoting it', () => {
    const message = errorOf('{"token": "pit-secret"').message;
    expect(message).toBe('Invalid mapping configuration: not valid JSON');
  });

  it('rejects JSON that is not an object', () => {
    expect(errorOf('[]').message).toContain('(root): must be an object');
  });
});

describe('docs/MAPPING.md', () => {
  it('shows an example configuration that parses', () => {
    const doc = readFileSync(new URL('../../../docs/MAPPING.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(parseMappingConfig(example).appointments.calendarId).toBe('CVokAlI8fgw4WYWoCtQz');
  });
});
