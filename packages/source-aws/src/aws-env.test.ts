import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { envCredentials, envEndpoint } from './aws-env.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-aws-env-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('envEndpoint', () => {
  it('takes the service variable, then AWS_ENDPOINT_URL, and none when told to ignore them', () => {
    const env = {
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:2',
    };
    expect(envEndpoint(env, 'CLOUDWATCH_LOGS')).toBe('http://127.0.0.1:1');
    expect(envEndpoint(env, 'EC2')).toBe('http://127.0.0.1:2');
    expect(envEndpoint({}, 'EC2')).toBeUndefined();
    expect(envEndpoint({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'TRUE' }, 'EC2')).toBe(
      undefined,
    );
  });
});

describe('envCredentials', () => {
  it('uses static keys from the env, with the session token', async () => {
    const { credentials, source } = envCredentials({
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
      AWS_PROFILE: 'ignored',
    });
    expect(source).toBe('AWS_ACCESS_KEY_ID');
    expect(credentials).toEqual({
      accessKeyId: 'AKIDENV',
      secretAccessKey: 's',
      sessionToken: 't',
    });
  });

  it('reads the profile and files the env names, not the keys of the process', async () => {
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      '[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = p\n[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = d\n',
    );
    const config = join(dir, 'config');
    writeFileSync(config, '');
    const resolve = async (env: Record<string, string>) => {
      const { credentials } = envCredentials(env);
      return typeof credentials === 'function' ? credentials() : credentials;
    };
    const files = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: config };
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDPROCESS');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'process');
    vi.stubEnv('AWS_PROFILE', 'process-profile');
    expect((await resolve({ ...files, AWS_PROFILE: 'prod' })).accessKeyId).toBe('AKIDPROD');
    expect((await resolve(files)).accessKeyId).toBe('AKIDDEF');
    expect(envCredentials({ ...files, AWS_PROFILE: 'prod' }).source).toBe('profile prod');
    vi.unstubAllEnvs();
  });
});
