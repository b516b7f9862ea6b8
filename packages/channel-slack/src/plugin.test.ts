import { createServer } from 'node:net';
import { createAgent, definePlugin, isOpsAgentError, silentLogger } from '@opsagent/core';
import {
  appMention,
  messageEvent,
  postSignedToSlackApp,
  startFakeSlackServer,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, startSlackAgent, TOKEN } from './__fixtures__/harness.js';
import { createSlackChannel } from './channel.js';
import { slackChannelFromConfig, slackConfigSchema, slackPlugin } from './plugin.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const config = (section: unknown = {}) => slackConfigSchema.parse(section);

describe('Slack configuration from the environment', () => {
  it('picks http with a signing secret, and accepts the seed name SLACK_SIGNING_KEY', async () => {
    const channel = await slackChannelFromConfig(config(), {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_KEY: SECRET,
      PORT: '0',
    });
    expect(channel.mode).toBe('http');
  });

  it('picks Socket Mode when SLACK_APP_TOKEN is set, unless SLACK_MODE says otherwise', async () => {
    const env = {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_APP_TOKEN: 'xapp-1-x',
      SLACK_SIGNING_SECRET: SECRET,
    };
    expect((await slackChannelFromConfig(config(), env)).mode).toBe('socket');
    expect((await slackChannelFromConfig(config(), { ...env, SLACK_MODE: 'http' })).mode).toBe(
      'http',
    );
    expect((await slackChannelFromConfig(config({ mode: 'lambda' }), env)).mode).toBe('lambda');
  });

  it('names the variable when the bot token or the signing secret is missing', async () => {
    await expect(
      slackChannelFromConfig(config(), { SLACK_SIGNING_SECRET: SECRET }),
    ).rejects.toThrow(/SLACK_BOT_TOKEN/);
    try {
      await slackChannelFromConfig(config(), { SLACK_BOT_TOKEN: TOKEN });
      expect.unreachable();
    } catch (error) {
      expect(isOpsAgentError(error, 'SECRET_MISSING')).toBe(true);
      expect(String(error)).toContain('SLACK_SIGNING_SECRET or SLACK_SIGNING_KEY');
    }
  });

  it('rejects a PORT that is not a port, and a SLACK_MODE that is not a mode', async () => {
    const env = { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET };
    await expect(slackChannelFromConfig(config(), { ...env, PORT: 'eighty' })).rejects.toThrow(
      /PORT/,
    );
    await expect(
      slackChannelFromConfig(config(), { ...env, SLACK_MODE: 'carrier-pigeon' }),
    ).rejects.toThrow(/SLACK_MODE/);
  });

  it('reads comma-separated allowlists from the environment and lists from the file', async () => {
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    cleanups.push(() => slack.close());
    const channel = await slackChannelFromConfig(config({ allow: { channels: ['C_OPS'] } }), {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      SLACK_ALLOWED_USERS: 'U_ALICE, U_OLGA',
      PORT: '0',
    });
    const agent = await createAgent({
      plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) })],
      principals: [{ id: 'a', roles: ['viewer'], identities: { slack: ['*'] } }],
    });
    await agent.start();
    cleanups.push(() => agent.stop());
    const url = `http://127.0.0.1:${channel.port}/slack/events`;
    await postSignedToSlackApp(url, appMention({ text: 'help', user: 'U_OLGA', ts: '1.000001' }), {
      signingSecret: SECRET,
    });
    await postSignedToSlackApp(url, appMention({ text: 'help', user: 'U_EVE', ts: '2.000001' }), {
      signingSecret: SECRET,
    });
    await postSignedToSlackApp(
      url,
      appMention({ text: 'help', user: 'U_ALICE', channel: 'C_RANDOM', ts: '3.000001' }),
      { signingSecret: SECRET },
    );
    await slack.waitFor(
      (calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length >= 2,
    );
    await agent.idle();
    expect(slack.thread('C_OPS', '1.000001').map((m) => m.text)[0]).toContain('Commands:');
    expect(slack.callsTo('chat.postEphemeral').map((c) => c.args.user)).toEqual([
      'U_EVE',
      'U_ALICE',
    ]);
  });

  it('takes thread follow-ups by default, and turns them off with threads.followUp: false', async () => {
    expect(config().threads).toEqual({ followUp: true });
    expect(() => config({ threads: { followUp: 'yes' } })).toThrow(/followUp/);
    expect(() => config({ threads: { followup: true } })).toThrow(/followup/);
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    cleanups.push(() => slack.close());
    const env = {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
    };
    for (const followUp of [true, false]) {
      const channel = await slackChannelFromConfig(config({ threads: { followUp } }), env);
      const agent = await createAgent({
        plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) })],
        principals: [{ id: 'a', roles: ['viewer'], identities: { slack: ['*'] } }],
      });
      await agent.start();
      cleanups.push(() => agent.stop());
      const url = `http://127.0.0.1:${channel.port}/slack/events`;
      const thread = followUp ? '10.000001' : '20.000001';
      await postSignedToSlackApp(url, appMention({ text: 'help', ts: thread }), {
        signingSecret: SECRET,
      });
      await agent.idle();
      await postSignedToSlackApp(
        url,
        messageEvent({
          text: 'help',
          ts: followUp ? '11.000001' : '21.000001',
          threadTs: thread,
          channel: 'C_OPS',
          channelType: 'channel',
        }),
        { signingSecret: SECRET },
      );
      await agent.idle();
      expect(slack.thread('C_OPS', thread)).toHaveLength(followUp ? 2 : 1);
    }
  });

  it('is a plugin with a doctor check of the token', async () => {
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    cleanups.push(() => slack.close());
    const good = await slackPlugin.setup({
      config: config(),
      logger: silentLogger,
      dataDir: '.',
      env: { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url },
    });
    const check = good.checks![0]!;
    const signal = AbortSignal.timeout(5_000);
    const logger = silentLogger;
    expect(await check.run({ signal, logger })).toMatchObject({ status: 'ok' });
    const bad = await slackPlugin.setup({
      config: config(),
      logger,
      dataDir: '.',
      env: {
        SLACK_BOT_TOKEN: 'xoxb-wrong',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
      },
    });
    expect(await bad.checks![0]!.run({ signal, logger })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('invalid_auth'),
    });
  });
});

describe('starting', () => {
  it('fails with a clear error when Slack rejects the bot token', async () => {
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    cleanups.push(() => slack.close());
    await expect(startSlackAgent({ slack, channel: { botToken: 'xoxb-revoked' } })).rejects.toThrow(
      /invalid_auth.*SLACK_BOT_TOKEN/,
    );
  });

  it('fails with a clear error when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const slack = await startFakeSlackServer({ botToken: TOKEN });
    cleanups.push(() => slack.close());
    const channel = createSlackChannel({
      mode: 'http',
      botToken: TOKEN,
      signingSecret: SECRET,
      apiUrl: slack.url,
      port,
      host: '127.0.0.1',
    });
    const agent = await createAgent({
      plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) })],
    });
    cleanups.push(() => agent.stop());
    await expect(agent.start()).rejects.toThrow(/PORT/);
  });
});
