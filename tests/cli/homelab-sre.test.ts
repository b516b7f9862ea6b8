import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FakeOpenAIServer,
  type FakeSignalServer,
  startFakeOpenAIServer,
  startFakeSignalServer,
} from '@opsagent/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cliEnv, type RunningCli, runCli, runCliSync, startCli } from '../helpers/cli.js';

const example = fileURLToPath(new URL('../../examples/homelab-sre/opsagent.yaml', import.meta.url));
const OWNER = '+15550000002';
const STRANGER = '+15550000666';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsagent-homelab-sre-'));
  dirs.push(dir);
  // The monitor stays on (as in production) but checks rarely, so alerts cannot race the chat.
  writeFileSync(
    join(dir, 'opsagent.yaml'),
    [
      'preset: homelab-sre',
      'monitor: { interval: 1h }',
      'plugins:',
      '  homelab:',
      '    local: { name: sagan }',
      '    docker: { enabled: false }',
      // This machine is shared and busy: levels that never trip keep alerts out of the chat.
      '    thresholds:',
      '      loadPerCore: { warn: 1000, critical: 2000 }',
      '      disk: { warn: 101, critical: 102 }',
      '      memory: { warn: 101, critical: 102 }',
      '      temperature: { warn: 500, critical: 600 }',
      '',
    ].join('\n'),
  );
  return dir;
}

function start(dir: string, env: Record<string, string>): RunningCli {
  return startCli(['run'], { cwd: dir, env: cliEnv(dir, env) });
}

const running: RunningCli[] = [];
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function fakes(openaiSteps: Parameters<typeof startFakeOpenAIServer>[0] = []) {
  const signal = await startFakeSignalServer();
  const openai = await startFakeOpenAIServer(openaiSteps);
  servers.push(signal, openai);
  const env = {
    SIGNAL_API_URL: signal.url,
    SIGNAL_NUMBER: signal.number,
    SIGNAL_ALLOWED_SENDERS: OWNER,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'sk-test-openai-123',
    OPSAGENT_MODEL: 'openai:llama3.1',
  };
  return { signal, openai, env };
}

async function runAgent(dir: string, env: Record<string, string>, signal: FakeSignalServer) {
  const agent = start(dir, env);
  running.push(agent);
  const before = signal.connections();
  // Started once the receive WebSocket is open.
  await Promise.race([
    (async () => {
      while (signal.connections() <= before && agent.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 20));
      }
    })(),
    agent.exited,
  ]);
  if (agent.child.exitCode !== null) throw new Error(`opsagent exited: ${agent.stderr()}`);
  return agent;
}

function modelCalls(openai: FakeOpenAIServer): number {
  return openai.requests.filter((r) => r.path.includes('/chat/completions')).length;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('opsagent run --preset homelab-sre over Signal', () => {
  it('answers status instantly with no model call, and ignores a stranger', async () => {
    const { signal, openai, env } = await fakes();
    const dir = workdir();
    await runAgent(dir, env, signal);
    signal.message({ from: STRANGER, text: 'status' });
    signal.message({ from: OWNER, text: 'status' });
    const [reply] = await signal.waitForSent(1);
    expect(reply?.body.recipients).toEqual([OWNER]);
    expect(reply?.body.message).toMatch(/sagan: load [\d.]+ · mem [\d.]+% · disk \S+ [\d.]+%/);
    expect(modelCalls(openai)).toBe(0);
    expect(signal.typing).toEqual([]);
    expect(signal.sent.every((s) => s.body.recipients[0] === OWNER)).toBe(true);
  });

  it('answers a question with the typing indicator and a tool, and remembers it after a restart', async () => {
    const { signal, openai, env } = await fakes([
      { toolCalls: [{ name: 'disk_usage', input: {} }] },
      { text: 'The root disk has **plenty** of room.' },
      { text: 'Yes: you asked about the disk.' },
    ]);
    const dir = workdir();
    const first = await runAgent(dir, env, signal);
    signal.message({ from: OWNER, text: 'is the disk full?' });
    const [answer] = await signal.waitForSent(1);
    expect(answer?.body.message).toBe('The root disk has **plenty** of room.');
    expect(answer?.body.text_mode).toBe('styled');
    expect(signal.typing[0]).toEqual({ action: 'start', recipient: OWNER });
    expect(JSON.stringify(openai.requests[1]?.body)).toContain('Disk');
    expect(await first.stop()).toBe(0);

    await runAgent(dir, env, signal);
    signal.message({ from: OWNER, text: 'did I ask you something before?' });
    const sent = await signal.waitForSent(2);
    expect(sent[1]?.body.message).toBe('Yes: you asked about the disk.');
    // The history of the conversation survived the restart (SQLite in the data folder).
    expect(JSON.stringify(openai.requests[2]?.body)).toContain('is the disk full?');
    expect(signal.typing.filter((t) => t.action === 'stop').length).toBeGreaterThanOrEqual(1);
  });

  it('exits with a clear message when signal-cli-rest-api is down at start-up', async () => {
    const { env } = await fakes();
    const port = await closedPort();
    const agent = start(workdir(), { ...env, SIGNAL_API_URL: `http://127.0.0.1:${port}` });
    running.push(agent);
    expect(await agent.exited).not.toBe(0);
    expect(agent.stderr()).toContain(
      `cannot reach signal-cli-rest-api at http://127.0.0.1:${port}`,
    );
  });

  it('exits naming the fix when the number is not registered, or missing', async () => {
    const { env } = await fakes();
    const agent = start(workdir(), { ...env, SIGNAL_NUMBER: '+15557777777' });
    running.push(agent);
    expect(await agent.exited).not.toBe(0);
    expect(agent.stderr()).toContain('+15557777777 is not registered or linked');
    const { SIGNAL_NUMBER: _omit, ...rest } = env;
    const missing = start(workdir(), rest);
    running.push(missing);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain('set SIGNAL_NUMBER');
  });

  it('checks the example config and signal-cli-rest-api with doctor, and init writes a valid file', async () => {
    const { signal, env } = await fakes();
    const dir = workdir();
    const run = (args: string[]) => runCli(args, { cwd: dir, env: cliEnv(dir, env) });
    const doctor = await run(['doctor', '--config', example]);
    expect(doctor.stdout).toContain('opsagent.yaml is valid');
    expect(doctor.stdout).toMatch(/✓ signal api .*json-rpc mode.*registered; 1 allowed sender/);
    expect(signal.requests.some((r) => r.path === '/v1/accounts')).toBe(true);

    const init = runCliSync(['init', '--preset', 'homelab-sre', '-o', 'sre.yaml'], {
      cwd: dir,
      env: cliEnv(dir),
    });
    expect(init.code).toBe(0);
    const check = await run(['doctor', '--config', 'sre.yaml']);
    expect(check.stdout).toContain('sre.yaml is valid');
    expect(check.stdout).toMatch(/✓ signal api/);
  });
});
