import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Address,
  type Agent,
  type Channel,
  createAgent,
  createManualClock,
  definePlugin,
  type OutboundMessage,
  SqliteStore,
} from '@opsagent/core';
import { createAwsPlugin } from '@opsagent/source-aws';
import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Check and verification state of the AWS plugin survives a restart on the same SQLite file.

const dir = mkdtempSync(join(tmpdir(), 'opsagent-aws-restart-'));
const script = fileURLToPath(new URL('../fixtures/aws-restart-agent.mjs', import.meta.url));
let fake: FakeAws;
const T0 = new Date('2026-03-01T12:00:00Z').getTime();

beforeAll(async () => {
  fake = await startFakeAws();
  fake.world.regions = ['eu-west-1'];
});
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return { ...fake.env(), AWS_REGION: 'eu-west-1' };
}

async function logsAgent(db: string, clock: ReturnType<typeof createManualClock>): Promise<Agent> {
  const agent = await createAgent({
    env: env(),
    clock,
    store: new SqliteStore({ path: db }),
    plugins: [
      {
        plugin: createAwsPlugin({ clock }),
        config: {
          regions: ['eu-west-1'],
          ec2: { enabled: false },
          amplify: { enabled: false },
          tools: { enabled: false },
          remediations: [],
          logs: { groups: [{ name: '/ecs/api' }] },
        },
      },
    ],
    monitor: { enabled: false, openAfter: 1, triage: false },
  });
  await agent.start({ channels: false });
  return agent;
}

/** The findings of the last check, as the monitor stored them on their incidents. */
async function openIncidents(agent: Agent) {
  return (await agent.store.listIncidents({ status: ['open'] })).map((i) => ({
    id: i.id,
    key: i.key,
    title: i.title,
  }));
}

describe('the CloudWatch Logs check after a restart', () => {
  it('continues from where it was: no finding again for lines seen, none missed while down', async () => {
    const db = join(dir, 'logs.db');
    const clock = createManualClock(new Date(T0));
    const group: Array<{ timestamp: number; message: string }> = [];
    fake.world.logGroups['/ecs/api'] = group;
    for (const n of [1, 2, 3]) {
      group.push({
        timestamp: T0 - 5 * 60_000 + n,
        message: `ERROR payment ${n} failed: card declined`,
      });
    }
    const first = await logsAgent(db, clock);
    const report = await first.monitor.runOnce('aws-logs');
    expect(report.sources[0]?.error).toBeUndefined();
    const before = await openIncidents(first);
    expect(before).toHaveLength(1);
    expect(before[0]?.title).toContain('new error');
    expect(before[0]?.title).toContain('(3 in 15 min)');
    await first.stop();

    // While the agent is down: one more line of the known template, and a new kind of error,
    // one of them exactly at the old window's end.
    group.push({ timestamp: T0, message: 'ERROR payment 9 failed: card declined' });
    group.push({ timestamp: T0 + 30_000, message: 'ERROR cache shard 4 unreachable' });
    clock.set(new Date(T0 + 60_000));

    const second = await logsAgent(db, clock);
    const calls = fake.count('FilterLogEvents');
    await second.monitor.runOnce('aws-logs');
    expect(fake.count('FilterLogEvents')).toBe(calls + 1);
    const after = await openIncidents(second);
    // The payment incident is the same one, still held from before the restart (3 lines, not
    // 3 + 3 re-read + 1); the cache error that arrived while down is new, with its one line.
    expect(after).toHaveLength(2);
    const payment = after.find((i) => i.id === before[0]?.id);
    expect(payment?.title).toContain('(3 in 15 min)');
    const cache = after.find((i) => i.id !== before[0]?.id);
    expect(cache?.title).toContain('new error "cache shard <*> unreachable" (1 in 1 min)');
    await second.stop();

    // A third start, long after: nothing new; the payment finding's hold has run out.
    clock.set(new Date(T0 + 60 * 60_000));
    const third = await logsAgent(db, clock);
    const last = await third.monitor.runOnce('aws-logs');
    expect(last.sources[0]?.findings).toBe(0);
    await third.stop();
  });

  it('starts from the lookback window when the saved state is unreadable', async () => {
    const db = join(dir, 'corrupt.db');
    const clock = createManualClock(new Date(T0));
    fake.world.logGroups['/ecs/api'] = [
      { timestamp: T0 - 60_000, message: 'ERROR disk full on /var/lib/data' },
    ];
    const store = new SqliteStore({ path: db });
    await store.init();
    await store.setValue('plugin:aws:logs:default:eu-west-1:/ecs/api:cursor', '{not json');
    await store.close();
    const agent = await logsAgent(db, clock);
    const report = await agent.monitor.runOnce('aws-logs');
    expect(report.sources[0]?.error).toBeUndefined();
    expect((await openIncidents(agent)).map((i) => i.title).join()).toContain('disk full');
    await agent.stop();
  });
});

/** A channel that keeps what it is sent. */
function recordingChannel(sent: Array<{ address: Address; message: OutboundMessage }>): Channel {
  return {
    name: 'record',
    async start() {},
    async stop() {},
    async send(address, message) {
      sent.push({ address, message });
      return { address, id: String(sent.length) };
    },
  };
}

describe('a remediation verification interrupted by SIGKILL', () => {
  it('is resumed after the restart: verified, reported once, never run again', async () => {
    const db = join(dir, 'verify.db');
    const instance = {
      id: 'i-0abc1234',
      region: 'eu-west-1',
      state: 'running' as const,
      systemStatus: 'ok',
      instanceStatus: 'impaired',
    };
    fake.world.instances = [instance];
    const child = spawn(process.execPath, [script, db], {
      env: { ...process.env, ...env(), AWS_ACCESS_KEY_ID: 'AKIDCHILD' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const approvalId = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk) => {
        buffer += chunk;
        if (buffer.includes('\n')) resolve(JSON.parse(buffer.split('\n')[0]!).approvalId);
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    // Killed while verifying: the reboot was made and the status is being polled.
    for (let i = 0; i < 200 && fake.count('DescribeInstanceStatus') < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fake.count('RebootInstances')).toBe(1);
    expect(fake.count('DescribeInstanceStatus')).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await exited;

    const sent: Array<{ address: Address; message: OutboundMessage }> = [];
    const agent = await createAgent({
      env: env(),
      store: new SqliteStore({ path: db }),
      plugins: [
        {
          plugin: createAwsPlugin({ verify: { initialDelayMs: 0, pollMs: 50, timeoutMs: 60_000 } }),
          config: {
            regions: ['eu-west-1'],
            amplify: { enabled: false },
            tools: { enabled: false },
          },
        },
        definePlugin({ name: 'record', setup: () => ({ channels: [recordingChannel(sent)] }) }),
      ],
      principals: [{ id: 'olga', roles: ['operator'], identities: { record: ['olga'] } }],
      monitor: { enabled: false },
    });
    await agent.start();
    const resumed = await agent.store.getApproval(approvalId);
    expect(resumed?.status, JSON.stringify(resumed?.result)).toBe('executing');
    // The instance recovers: the resumed verification sees it and the run succeeds.
    instance.instanceStatus = 'ok';
    let status = 'executing';
    for (let i = 0; i < 200 && status === 'executing'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await agent.store.getApproval(approvalId))?.status ?? 'missing';
    }
    const record = await agent.store.getApproval(approvalId);
    expect(record?.status).toBe('succeeded');
    expect(record?.result?.detail).toContain('it was not run again');
    expect(record?.result?.detail).toContain('reboot of i-0abc1234 was requested at');
    expect(record?.result?.detail).toContain('verification: passed');
    await agent.stop();
    expect(fake.count('RebootInstances')).toBe(1);
    const reports = sent.filter((s) => s.address.chat === 'ops');
    expect(reports).toHaveLength(1);
    const text = JSON.stringify(reports[0]?.message);
    expect(text).toContain('Done: reboot EC2 instance i-0abc1234');
  });
});
