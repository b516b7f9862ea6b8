import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Channel, isOpsAgentError, silentLogger } from '@opsagent/core';
import { startFakeSignalServer } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllowedSenders } from './channel.js';
import {
  resolveSignalSettings,
  signalChannelOptions,
  signalConfigSchema,
  signalPlugin,
} from './plugin.js';

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

describe('signal send retry settings', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const settings = { apiUrl: 'http://127.0.0.1:8080', number: '+15550000001', allowedSenders: [] };

  /** The `plugins.signal.send` issues of a config, as `path: message`. */
  function sendIssues(send: unknown): string[] {
    const result = signalConfigSchema.safeParse({ send });
    return result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }

  it('defaults to the channel defaults: 15 s requests, 3 + 3 retries, 60 s cap, 1 s to 30 s backoff', () => {
    const options = signalChannelOptions(signalConfigSchema.parse({}), settings);
    expect(options).toMatchObject({
      requestTimeoutMs: 15_000,
      sendRetries: 3,
      rateLimitRetries: 3,
      maxRetryWaitMs: 60_000,
      rateLimitBackoff: { initialDelayMs: 1_000, maxDelayMs: 30_000 },
    });
  });

  it('takes durations as text or milliseconds and passes every setting to the channel', () => {
    const config = signalConfigSchema.parse({
      send: {
        timeout: '30s',
        connectionRetries: 0,
        rateLimitRetries: 5,
        maxRetryWait: '2m',
        backoff: { initialDelay: 500, maxDelay: '10s' },
      },
    });
    expect(signalChannelOptions(config, settings)).toMatchObject({
      requestTimeoutMs: 30_000,
      sendRetries: 0,
      rateLimitRetries: 5,
      maxRetryWaitMs: 120_000,
      rateLimitBackoff: { initialDelayMs: 500, maxDelayMs: 10_000 },
    });
  });

  it('refuses settings out of bounds, naming the field and the range', () => {
    expect(sendIssues({ rateLimitRetries: -1 })).toEqual([
      expect.stringMatching(/^send\.rateLimitRetries: .*>=0/),
    ]);
    expect(sendIssues({ rateLimitRetries: 2.5 })).toEqual([
      expect.stringMatching(/^send\.rateLimitRetries: /),
    ]);
    expect(sendIssues({ connectionRetries: 11 })).toEqual([
      expect.stringMatching(/^send\.connectionRetries: .*<=10/),
    ]);
    expect(sendIssues({ maxRetryWait: '2h' })).toEqual([
      'send.maxRetryWait: expected a duration from 0s to 10m',
    ]);
    expect(sendIssues({ timeout: 'soon' })).toEqual([
      expect.stringMatching(/^send\.timeout: expected a duration like "30s"/),
    ]);
    expect(sendIssues({ timeout: '100ms' })).toEqual([
      'send.timeout: expected a duration from 1s to 5m',
    ]);
    expect(sendIssues({ backoff: { initialDelay: '10s', maxDelay: '1s' } })).toEqual([
      'send.backoff.maxDelay: maxDelay must be at least initialDelay',
    ]);
    expect(sendIssues({ retries: 3 })).toEqual([expect.stringMatching(/^send: .*retries/)]);
  });

  /** The plugin's channel on a fake signal-cli-rest-api, started. */
  async function pluginChannel(send: unknown) {
    const fake = await startFakeSignalServer();
    cleanups.push(() => fake.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'opsagent-signal-plugin-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = signalConfigSchema.parse({
      apiUrl: fake.url,
      number: fake.number,
      receive: 'poll',
      pollTimeout: 1,
      send,
    });
    const contributions = await signalPlugin.setup({
      config,
      logger: silentLogger,
      dataDir,
      env: {},
    });
    const channel = contributions.channels?.[0] as Channel;
    await channel.start({ receive: async () => {}, logger: silentLogger });
    cleanups.push(() => channel.stop());
    return { fake, channel };
  }

  const hello = { kind: 'reply' as const, blocks: [{ type: 'text' as const, text: 'hello' }] };

  it('retries a rate-limited send as often as plugins.signal.send.rateLimitRetries says', async () => {
    // Signal asks for an hour; maxRetryWait 0s caps each wait, so the test never waits.
    const { fake, channel } = await pluginChannel({ rateLimitRetries: 1, maxRetryWait: '0s' });
    fake.failNext('send', { status: 429, headers: { 'retry-after': '3600' }, times: 5 });
    const error = await channel.send({ chat: '+15550000002' }, hello).catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_RATE_LIMITED')).toBe(true);
    expect(String(error)).toContain('after 1 retry');
    expect(fake.requests.filter((r) => r.path === '/v2/send')).toHaveLength(2);
    expect(fake.sent).toHaveLength(0);
  });

  it('sends after a rate limit once it lifts, within the configured retries', async () => {
    const { fake, channel } = await pluginChannel({ rateLimitRetries: 2, maxRetryWait: 0 });
    fake.failNext('send', { status: 429, headers: { 'retry-after': '3600' }, times: 2 });
    await channel.send({ chat: '+15550000002' }, hello);
    expect(fake.requests.filter((r) => r.path === '/v2/send')).toHaveLength(3);
    expect(fake.sent.map((s) => s.body.message)).toEqual(['hello']);
  });

  it('does not retry at all with rateLimitRetries 0', async () => {
    const { fake, channel } = await pluginChannel({ rateLimitRetries: 0 });
    fake.failNext('send', { status: 429 });
    const error = await channel.send({ chat: '+15550000002' }, hello).catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SIGNAL_RATE_LIMITED')).toBe(true);
    expect(String(error)).toContain('after 0 retries');
    expect(fake.requests.filter((r) => r.path === '/v2/send')).toHaveLength(1);
  });
});
