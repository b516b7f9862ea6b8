import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCliSync, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = cliEnv(dir);

function opsagent(args: string[], options: { input?: string; cwd?: string } = {}) {
  return runCliSync(args, {
    cwd: options.cwd ?? dir,
    env,
    ...(options.input ? { input: options.input } : {}),
  });
}

describe('opsagent command', () => {
  it('answers status and help piped into chat, with no keys set', () => {
    const { code, stdout, stderr } = opsagent([], { input: 'status\nhelp\n' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/CPU/);
    expect(stdout).toMatch(/Memory/);
    expect(stdout).toMatch(/Disk/);
    expect(stdout).toContain('Commands:');
    expect(stdout.indexOf('Memory')).toBeLessThan(stdout.indexOf('Commands:'));
  });

  it('tells a question with no model configured which variables to set', () => {
    const { code, stdout } = opsagent(['chat'], { input: 'why is the disk full?\n' });
    expect(code).toBe(0);
    expect(stdout).toContain('ANTHROPIC_API_KEY');
  });

  it('runs as `npx opsagent` through the installed bin link', () => {
    const link = fileURLToPath(new URL('../../node_modules/.bin/opsagent', import.meta.url));
    const result = spawnSync(link, ['status'], {
      encoding: 'utf8',
      cwd: dir,
      env,
      timeout: 30_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Memory');
  });

  it('prints a status snapshot once and exits', () => {
    const { code, stdout } = opsagent(['status']);
    expect(code).toBe(0);
    for (const label of ['CPU', 'Memory', 'Disk']) expect(stdout).toContain(label);
    const json = opsagent(['status', '--json']);
    expect(json.code).toBe(0);
    const reports = JSON.parse(json.stdout) as Array<{ health: string; sections: unknown[] }>;
    expect(reports[0]?.sections.length).toBeGreaterThan(0);
  });

  it('writes a config with init, refuses to overwrite it, and doctor passes on it', () => {
    const cwd = mkdtempSync(join(dir, 'init-'));
    expect(opsagent(['init', '--preset', 'local'], { cwd }).code).toBe(0);
    expect(existsSync(join(cwd, 'opsagent.yaml'))).toBe(true);
    const again = opsagent(['init', '--preset', 'local'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    const doctor = opsagent(['doctor'], { cwd });
    expect(doctor.stdout).toContain('opsagent.yaml is valid');
    // The mark reflects this machine's real health (a loaded CI box warns); it must answer, not fail.
    expect(doctor.stdout).toMatch(/[✓!] source local/);
    expect(doctor.code).toBe(0);
  });

  it('rejects a broken config naming the path, what was found and what is expected', () => {
    const cwd = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(
      join(cwd, 'opsagent.yaml'),
      'conversation:\n  historyLimit: many\n  idleTimout: 5m\n',
    );
    const { code, stderr } = opsagent(['status'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('conversation.historyLimit');
    expect(stderr).toContain('idleTimout');
    const doctor = opsagent(['doctor'], { cwd });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('✗ config');
  });

  it('names the presets when asked for an unknown one', () => {
    const { code, stderr } = opsagent(['status', '--preset', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown preset "nope"');
    expect(stderr).toContain('local');
  });

  it('prints the config JSON Schema with the plugin sections', () => {
    const { code, stdout } = opsagent(['config', 'schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['principals', 'conversation', 'plugins']),
    );
    expect(schema.properties.plugins?.properties).toHaveProperty('local-host');
  });

  it('shows help for each command', () => {
    for (const args of [
      ['--help'],
      ['chat', '--help'],
      ['run', '--help'],
      ['status', '--help'],
      ['doctor', '--help'],
      ['init', '--help'],
    ]) {
      const { code, stdout } = opsagent(args);
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: opsagent');
    }
    expect(opsagent(['frobnicate']).code).not.toBe(0);
  });

  it('runs as a service and stops gracefully on SIGTERM', async () => {
    const run = startCli(['run'], { cwd: dir, env });
    await run.waitFor('running preset local');
    const code = await run.stop('SIGTERM');
    expect(code).toBe(0);
    expect(run.stderr()).toContain('SIGTERM, stopping');
    expect(existsSync(join(dir, 'data', 'opsagent.db'))).toBe(true);
    expect(readFileSync(join(dir, 'data', 'opsagent.db')).length).toBeGreaterThan(0);
  });
});
