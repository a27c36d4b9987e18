/** The local stack's choice of Relatel API: the simulator, or a real one named by both settings. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config.js';
import { loadLocalSettings } from '../../../local/config.js';

describe('local stack settings: Relatel', () => {
  it('runs the Relatel simulator on 4020 when no Relatel API is named', () => {
    expect(loadLocalSettings({}).relatel).toEqual({ kind: 'simulator', port: 4020 });
    expect(loadLocalSettings({ RELATEL_SIMULATOR_PORT: '0', RELATEL_API_TOKEN: '' }).relatel).toEqual({ kind: 'simulator', port: 0 });
  });

  it('reads from a real Relatel API when its base URL and token are both set', () => {
    const settings = loadLocalSettings({ RELATEL_API_BASE_URL: 'https://app.relatel.dk/api/v2', RELATEL_API_TOKEN: 'tok-123' });

    expect(settings.relatel).toEqual({ kind: 'real', baseUrl: 'https://app.relatel.dk/api/v2', token: 'tok-123' });
  });

  it.each([
    [{ RELATEL_API_TOKEN: 'tok-secret-value' }, 'RELATEL_API_BASE_URL: is required with RELATEL_API_TOKEN'],
    [{ RELATEL_API_BASE_URL: 'https://app.relatel.dk/api/v2' }, 'RELATEL_API_TOKEN: is required with RELATEL_API_BASE_URL'],
  ])('refuses one Relatel setting without the other, naming the missing one and never a value (%o)', (env, message) => {
    const failure = (() => {
      try {
        loadLocalSettings(env);
        return undefined;
      } catch (error) {
        return error;
      }
    })();

    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain(message);
    expect((failure as Error).message).not.toContain('tok-secret-value');
  });
});
