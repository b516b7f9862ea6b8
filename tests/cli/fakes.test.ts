import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';

const fakesBin = fileURLToPath(
  new URL('../../packages/testkit/bin/opsagent-fakes.js', import.meta.url),
);
const dir = mkdtempSync(join(tmpdir(), 'opsagent-fakes-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a double and resolves with the variables it prints once they are all out. */
function startDouble(name: string, lastVar: string): Promise<Record<string, string>> {
  const child = spawn(process.execPath, [fakesBin, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`opsagent-fakes ${name} exited ${code}`)));
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (!out.includes(`export ${lastVar}=`) || !out.endsWith('\n')) return;
      const vars: Record<string, string> = {};
      for (const [, key, value] of out.matchAll(/^export (\w+)=(.*)$/gm)) vars[key!] = value!;
      resolve(vars);
    });
  });
}

function opsagent(args: string[], env: Record<string, string>) {
  return runCli(args, { cwd: dir, env: cliEnv(dir, env) });
}

describe('opsagent-fakes: the test doubles, standalone', () => {
  it('runs the AWS double that `opsagent status --preset aws-monitor` reads', async () => {
    const env = await startDouble('aws', 'AWS_REGION');
    expect(env.AWS_ENDPOINT_URL_EC2).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await opsagent(['status', '--preset', 'aws-monitor'], env);
    expect(status.stdout).toContain('i-0bad2222 (api-1) system status check impaired');
    expect(status.stdout).toContain('job 42 FAILED');
  });

  it('prints what points the homelab-sre preset at the Signal and Home Assistant doubles', async () => {
    const signal = await startDouble('signal', 'SIGNAL_ALLOWED_SENDERS');
    expect(Object.keys(signal)).toEqual([
      'SIGNAL_API_URL',
      'SIGNAL_NUMBER',
      'SIGNAL_ALLOWED_SENDERS',
    ]);
    const about = await fetch(`${signal.SIGNAL_API_URL}/v1/about`);
    expect(about.status).toBe(200);
    const ha = await startDouble('home-assistant', 'HA_TOKEN');
    const states = await fetch(`${ha.HA_URL}/api/states`, {
      headers: { authorization: `Bearer ${ha.HA_TOKEN}` },
    });
    expect(JSON.stringify(await states.json())).toContain('Living Room Lights');
  });

  it('names the doubles it has when asked for another', () => {
    const result = spawnSync(process.execPath, [fakesBin, 'mainframe'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('one of signal, slack, aws, home-assistant');
  });
});
