import { isOpsAgentError } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { parseAllowedSenders } from './channel.js';
import { resolveSignalSettings, signalConfigSchema } from './plugin.js';

describe('signal settings', () => {
  const config = signalConfigSchema.parse({});

  it('reads the environment when config is silent, with the default URL', () => {
    const settings = resolveSignalSettings(config, {
      SIGNAL_NUMBER: '+15550000001',
      SIGNAL_ALLOWED_SENDERS: '+15550000002, 6f1c0b7e-1d2a-4c55-9a55-2b9d2b6d1a10',
    });
    expect(settings).toEqual({
      apiUrl: 'http://localhost:8080',
      number: '+15550000001',
      allowedSenders: ['+15550000002', '6f1c0b7e-1d2a-4c55-9a55-2b9d2b6d1a10'],
    });
  });

  it('names the variable when the number is missing or malformed', () => {
    const missing = (() => {
      try {
        return resolveSignalSettings(config, {});
      } catch (error) {
        return error;
      }
    })();
    expect(isOpsAgentError(missing, 'SIGNAL_NUMBER_MISSING')).toBe(true);
    expect(String(missing)).toContain('SIGNAL_NUMBER');
    expect(() => resolveSignalSettings(config, { SIGNAL_NUMBER: '0151 123' })).toThrow(
      /international format/,
    );
  });

  it('refuses allowlist entries that are neither numbers nor uuids', () => {
    expect(() =>
      resolveSignalSettings(config, {
        SIGNAL_NUMBER: '+15550000001',
        SIGNAL_ALLOWED_SENDERS: '+1555000002x,bob',
      }),
    ).toThrow(/SIGNAL_ALLOWED_SENDERS has "\+1555000002x", "bob"/);
    expect(signalConfigSchema.safeParse({ allowedSenders: ['bob'] }).success).toBe(false);
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() =>
      resolveSignalSettings(config, {
        SIGNAL_NUMBER: '+15550000001',
        SIGNAL_API_URL: 'localhost:8080',
      }),
    ).toThrow(/SIGNAL_API_URL/);
  });

  it('splits the allowlist on commas, semicolons and spaces', () => {
    expect(parseAllowedSenders(' +1555; +1666 ,+1777\n')).toEqual(['+1555', '+1666', '+1777']);
  });
});
