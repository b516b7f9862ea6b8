import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiGatewayEvent,
  appMention,
  type FakeAnthropicServer,
  type FakeAws,
  type FakeSlackServer,
  messageEvent,
  postSignedToSlackApp,
  startFakeAnthropicServer,
  startFakeAws,
  startFakeSlackServer,
  startFakeSlackSocketServer,
} from '@opsagent/testkit';
import { createLambdaHandler } from 'opsagent/lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedAwsWorld } from '../fixtures/aws-world.js';
import { cliEnv, type RunningCli, runCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-slack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'e2e-signing-secret';
const TOKEN = 'xoxb-e2e-token';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
  seedAwsWorld(aws);
});
afterAll(async () => {
  await aws.close();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakes(steps: Parameters<typeof startFakeAnthropicServer>[0]) {
  const slack = await startFakeSlackServer({ botToken: TOKEN });
  const anthropic = await startFakeAnthropicServer(steps);
  cleanups.push(async () => {
    await slack.close();
    await anthropic.close();
  });
  return { slack, anthropic };
}

function fakeEnv(slack: FakeSlackServer, anthropic: FakeAnthropicServer, data: string) {
  return cliEnv(
    dir,
    {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.url,
      ANTHROPIC_API_KEY: 'sk-ant-e2e',
      ANTHROPIC_BASE_URL: anthropic.url,
      AWS_ENDPOINT_URL_EC2: aws.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: aws.url,
      AWS_ENDPOINT_URL_AMPLIFY: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret',
      AWS_REGION: 'eu-west-1',
    },
    join(dir, data),
  );
}

/** Starts `opsagent run --preset cloudops-bot` and resolves once it serves. */
async function run(env: Record<string, string>): Promise<RunningCli> {
  const agent = startCli(['run', '--preset', 'cloudops-bot'], { cwd: dir, env });
  cleanups.push(async () => {
    await agent.stop('SIGKILL');
  });
  await agent.waitFor('running preset cloudops-bot');
  return agent;
}

describe('opsagent run --preset cloudops-bot', () => {
  it('answers a signed app_mention in its thread with a read-only AWS tool, rejects a bad signature, processes a retry once', async () => {
    const { slack, anthropic } = await fakes([
      { toolUses: [{ name: 'aws_ec2_list_instances', input: { region: 'eu-west-1' } }] },
      { text: 'web-1 is **running**.' },
    ]);
    const port = await freePort();
    const agent = await run({ ...fakeEnv(slack, anthropic, 'run'), PORT: String(port) });
    const url = `http://127.0.0.1:${port}/slack/events`;

    const forged = await postSignedToSlackApp(url, appMention({ text: 'hi' }), {
      signingSecret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);

    const event = appMention({
      text: 'are my instances ok?',
      ts: '1700000500.000001',
      eventId: 'EvE2E1',
    });
    expect((await postSignedToSlackApp(url, event, { signingSecret: SECRET })).status).toBe(200);
    await slack.waitFor(
      () => slack.thread('C_OPS', '1700000500.000001').some((m) => m.text.includes('web-1 is')),
      15_000,
    );
    const retry = await postSignedToSlackApp(url, event, { signingSecret: SECRET, retryNum: 1 });
    expect(retry.status).toBe(200);

    const thread = slack.thread('C_OPS', '1700000500.000001');
    expect(thread.map((m) => m.text)).toEqual(['web-1 is *running*.']);
    // Progress showed the tool while it ran, in place.
    expect(
      slack
        .callsTo('chat.update')
        .some((u) => String(u.args.text).includes('aws_ec2_list_instances')),
    ).toBe(true);
    for (const post of slack.callsTo('chat.postMessage')) {
      expect(post.args.thread_ts).toBe('1700000500.000001');
    }
    // One question, two model calls (tool, answer): the forged request and the retry reached nothing.
    expect(anthropic.requests).toHaveLength(2);
    expect(JSON.stringify(anthropic.requests[0]!.body)).toContain('are my instances ok?');
    expect(JSON.stringify(anthropic.requests[1]!.body)).toContain('i-0aaa1111');
    // Read-only: the model was offered no remediation.
    expect(JSON.stringify(anthropic.requests[0]!.body)).not.toContain('propose_remediation');

    expect(await agent.stop('SIGTERM')).toBe(0);
    // Nothing more was posted after the retry.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('runs over Socket Mode with SLACK_APP_TOKEN, no port, and answers in the thread', async () => {
    const { slack, anthropic } = await fakes([
      { text: 'Answered over the socket.' },
      { text: 'Follow-up answered.' },
    ]);
    const socket = await startFakeSlackSocketServer();
    cleanups.push(() => socket.close());
    slack.setSocketUrl(socket.url);
    const { SLACK_SIGNING_SECRET: _secret, ...env } = fakeEnv(slack, anthropic, 'socket');
    const agent = await run({ ...env, SLACK_APP_TOKEN: 'xapp-1-e2e' });
    await socket.waitForConnection();
    const ack = await socket.deliver(
      'events_api',
      appMention({ text: 'hello', ts: '1700000700.000001', eventId: 'EvSOCKE2E' }),
    );
    expect(ack.envelope_id).toBeTruthy();
    await slack.waitFor(
      () => slack.thread('C_OPS', '1700000700.000001').some((m) => m.text.includes('socket')),
      15_000,
    );
    expect(slack.callsTo('apps.connections.open')[0]!.token).toBe('xapp-1-e2e');
    // The preset takes a reply in the thread as the next turn, without a new mention.
    await socket.deliver(
      'events_api',
      messageEvent({
        text: 'and since when?',
        ts: '1700000701.000001',
        threadTs: '1700000700.000001',
        channel: 'C_OPS',
        channelType: 'channel',
      }),
    );
    await slack.waitFor(
      () => slack.thread('C_OPS', '1700000700.000001').some((m) => m.text.includes('Follow-up')),
      15_000,
    );
    expect(JSON.stringify(anthropic.requests[1]!.body)).toContain('and since when?');
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('init writes a config that names the scopes and events and takes thread follow-ups', async () => {
    const cwd = mkdtempSync(join(dir, 'init-'));
    expect(
      (await runCli(['init', '--preset', 'cloudops-bot'], { cwd, env: cliEnv(cwd) })).code,
    ).toBe(0);
    const text = readFileSync(join(cwd, 'opsagent.yaml'), 'utf8');
    for (const word of [
      'app_mentions:read',
      'channels:history',
      'groups:history',
      'message.channels',
      'message.groups',
      'followUp: true',
    ]) {
      expect(text).toContain(word);
    }
  });

  it('fails fast, naming the variable, when the signing secret is missing', async () => {
    const { slack, anthropic } = await fakes([]);
    const { SLACK_SIGNING_SECRET: _drop, ...env } = fakeEnv(slack, anthropic, 'missing');
    const { code, stderr } = await runCli(['run', '--preset', 'cloudops-bot'], {
      cwd: dir,
      env: { ...env, PORT: '0' },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('SLACK_SIGNING_SECRET');
  });
});

describe('the cloudops-bot Lambda entry point (opsagent/lambda)', () => {
  it('answers a signed API Gateway event and rejects a forged one', async () => {
    const { slack, anthropic } = await fakes([{ text: 'Answered from Lambda.' }]);
    const handler = createLambdaHandler({
      env: fakeEnv(slack, anthropic, 'lambda'),
      cwd: dir,
    });
    const forged = await handler(
      apiGatewayEvent(appMention({ text: 'x' }), { signingSecret: 'nope' }) as never,
    );
    expect(forged.statusCode).toBe(401);
    const ok = await handler(
      apiGatewayEvent(appMention({ text: 'hello', ts: '1700000600.000001' }), {
        signingSecret: SECRET,
      }) as never,
    );
    expect(ok.statusCode).toBe(200);
    expect(slack.thread('C_OPS', '1700000600.000001').map((m) => m.text)).toEqual([
      'Answered from Lambda.',
    ]);
    expect(anthropic.requests).toHaveLength(1);
  });
});
