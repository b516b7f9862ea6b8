import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, createAgent } from '@opsagent/core';
import { llmPlugin } from '@opsagent/llm';
import { awsEmailPlugin, awsPlugin } from '@opsagent/source-aws';
import { DynamoStore } from '@opsagent/store-dynamodb';
import {
  type FakeAws,
  type FakeBedrockServer,
  startFakeAws,
  startFakeBedrockServer,
} from '@opsagent/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two agents in one process, each with its own env, while process.env names a third account and
// endpoint: every AWS request (EC2, Logs, Amplify, SES, Bedrock, DynamoDB) must reach the fake its
// agent's env names, signed with that env's access key id.

// dynalite ships no types; it is a DynamoDB-compatible server running in this process.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const dir = mkdtempSync(join(tmpdir(), 'opsagent-aws-env-'));
const saved = { ...process.env };
let fakeA: FakeAws;
let fakeB: FakeAws;
let fakeProcess: FakeAws;
let bedrock: FakeBedrockServer;
let dynamo: { url: string; keys: string[]; close(): Promise<void> };
const agents: Agent[] = [];

/** A loopback proxy in front of dynalite that records the SigV4 access key id of each request. */
async function recordingDynamo(): Promise<{ url: string; keys: string[]; close(): Promise<void> }> {
  const upstream = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(upstream);
  const target = urlOf(upstream);
  const keys: string[] = [];
  const proxy = createServer((req, res) => {
    keys.push(/Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '(none)');
    const forward = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
  });
  await listen(proxy);
  return {
    url: urlOf(proxy),
    keys,
    close: async () => {
      for (const server of [proxy, upstream]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function seed(fake: FakeAws, instanceId: string): void {
  fake.world.regions = ['eu-west-1'];
  fake.world.instances.push({
    id: instanceId,
    region: 'eu-west-1',
    state: 'running',
    systemStatus: 'ok',
    instanceStatus: 'impaired',
  });
  fake.world.logGroups['/ecs/api'] = [
    { timestamp: Date.now() - 60_000, message: 'ERROR payment failed for order 42' },
  ];
}

/** An agent with the AWS, SES e-mail and LLM plugins and a DynamoDB store, all from `env`. */
async function agentWith(env: Record<string, string>, table: string): Promise<Agent> {
  const agent = await createAgent({
    env,
    plugins: [
      {
        plugin: awsPlugin,
        config: {
          regions: ['eu-west-1'],
          amplify: { enabled: true },
          logs: { groups: [{ name: '/ecs/api' }] },
          tools: { enabled: false },
        },
      },
      { plugin: awsEmailPlugin, config: { from: 'ops@example.com', to: ['oncall@example.com'] } },
      { plugin: llmPlugin, config: {} },
    ],
    store: new DynamoStore({ table, createTable: true, env }),
    dataDir: dir,
    monitor: { enabled: false, openAfter: 1, triage: false },
    notifications: [{ channel: 'email', address: { chat: 'default' }, minSeverity: 'warning' }],
  });
  agents.push(agent);
  return agent;
}

function envFor(fake: FakeAws, accessKeyId: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_EC2: fake.url,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: fake.url,
    AWS_ENDPOINT_URL_AMPLIFY: fake.url,
    AWS_ENDPOINT_URL_SESV2: fake.url,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: `secret-of-${accessKeyId}`,
    AWS_REGION: 'eu-west-1',
    OPSAGENT_MODEL: 'bedrock:anthropic.claude-3-haiku-20240307-v1:0',
  };
}

beforeAll(async () => {
  [fakeA, fakeB, fakeProcess] = await Promise.all([startFakeAws(), startFakeAws(), startFakeAws()]);
  bedrock = await startFakeBedrockServer();
  dynamo = await recordingDynamo();
  seed(fakeA, 'i-0aaaaaaaaaaaaaaa1');
  seed(fakeB, 'i-0bbbbbbbbbbbbbbb2');
  // The process's own environment names another account and endpoint: none of it may be used.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDPROCESS';
  process.env.AWS_SECRET_ACCESS_KEY = 'process-secret';
  process.env.AWS_ENDPOINT_URL = fakeProcess.url;
  process.env.AWS_ENDPOINT_URL_EC2 = fakeProcess.url;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = fakeProcess.url;
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = fakeProcess.url;
  process.env.AWS_REGION = 'ap-southeast-2';
});

afterAll(async () => {
  for (const agent of agents) await agent.stop();
  process.env = saved;
  await Promise.all([fakeA, fakeB, fakeProcess].map((f) => f?.close()));
  await bedrock?.close();
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AWS settings come from the env the runtime passes, not from process.env', () => {
  it('two agents in one process reach their own endpoints with their own access keys', async () => {
    const one = await agentWith(envFor(fakeA, 'AKIDAGENTONE'), 'opsagent-one');
    const two = await agentWith(envFor(fakeB, 'AKIDAGENTTWO'), 'opsagent-two');
    await Promise.all([one.start({ channels: true }), two.start({ channels: true })]);

    const [reportOne, reportTwo] = await Promise.all([
      one.monitor.runOnce(),
      two.monitor.runOnce(),
    ]);
    for (const report of [reportOne, reportTwo]) {
      for (const source of report.sources) expect(source.error, source.source).toBeUndefined();
    }
    // Each agent saw its own world: the impaired instance of its account.
    const keys = async (agent: Agent) =>
      (await agent.store.listIncidents()).map((i) => i.key).filter((k) => k.includes(':ec2:'));
    expect((await keys(one)).join()).toContain('i-0aaaaaaaaaaaaaaa1');
    expect((await keys(one)).join()).not.toContain('i-0bbbbbbbbbbbbbbb2');
    expect((await keys(two)).join()).toContain('i-0bbbbbbbbbbbbbbb2');

    // Bedrock through the llm plugin's model.
    bedrock.push({ text: 'from one' }, { text: 'from two' });
    const ask = (agent: Agent) =>
      agent.model?.generate({
        task: 'chat',
        system: 'test',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [],
      });
    await ask(one);
    await ask(two);

    for (const [fake, key] of [
      [fakeA, 'AKIDAGENTONE'],
      [fakeB, 'AKIDAGENTTWO'],
    ] as const) {
      const services = new Set(fake.calls.map((c) => c.service));
      expect(services).toEqual(new Set(['ec2', 'logs', 'amplify', 'ses']));
      expect(new Set(fake.calls.map((c) => c.accessKeyId))).toEqual(new Set([key]));
      expect(new Set(fake.calls.map((c) => c.region))).toEqual(new Set(['eu-west-1']));
    }
    expect(fakeA.world.emails.length).toBeGreaterThan(0);
    expect(fakeB.world.emails.length).toBeGreaterThan(0);
    expect(fakeProcess.calls).toEqual([]);
    const bedrockKeys = bedrock.requests.map(
      (r) => /Credential=([^/]+)\//.exec(r.headers.authorization ?? '')?.[1],
    );
    expect(bedrockKeys).toEqual(['AKIDAGENTONE', 'AKIDAGENTTWO']);
    expect(new Set(dynamo.keys)).toEqual(new Set(['AKIDAGENTONE', 'AKIDAGENTTWO']));
  });

  it('without keys in env, the profile and credentials file env names win over process keys', async () => {
    const credentials = join(dir, 'credentials');
    writeFileSync(
      credentials,
      '[ops]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n\n[default]\naws_access_key_id = AKIDFROMDEFAULT\naws_secret_access_key = default-secret\n',
    );
    const base = envFor(fakeA, 'unused');
    delete (base as Record<string, string | undefined>).AWS_ACCESS_KEY_ID;
    delete (base as Record<string, string | undefined>).AWS_SECRET_ACCESS_KEY;
    const config = join(dir, 'config');
    writeFileSync(config, '');
    const withProfile = {
      ...base,
      AWS_PROFILE: 'ops',
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: config,
    };
    const withDefault = {
      ...base,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: config,
    };
    fakeA.calls.length = 0;
    dynamo.keys.length = 0;
    for (const [env, key, table] of [
      [withProfile, 'AKIDFROMPROFILE', 'opsagent-profile'],
      [withDefault, 'AKIDFROMDEFAULT', 'opsagent-default'],
    ] as const) {
      const agent = await agentWith(env, table);
      await agent.start({ channels: false });
      await agent.monitor.runOnce('aws-ec2');
      expect(new Set(fakeA.calls.map((c) => c.accessKeyId))).toEqual(new Set([key]));
      expect(new Set(dynamo.keys)).toEqual(new Set([key]));
      fakeA.calls.length = 0;
      dynamo.keys.length = 0;
      const checks = agent.registry.checks.filter((c) => c.name === 'aws default');
      expect(checks).toHaveLength(1);
    }
    expect(fakeProcess.calls).toEqual([]);
  });
});
