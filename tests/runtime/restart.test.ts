import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/restart-agent.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opsagent-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): string {
  const result = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`child failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts the child script and resolves with the first line it prints, and a way to SIGKILL it. */
async function startUntilFirstLine(...args: string[]) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} exited early (${code}): ${stderr}`)));
  });
  return {
    line,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('restart after SIGKILL', () => {
  it('keeps the pending approval and the open incident, and the approval still executes exactly once', async () => {
    const db = join(dir, 'state.db');
    const marker = join(dir, 'executions.log');
    const started = await startUntilFirstLine('setup', db, marker);
    const setup = JSON.parse(started.line) as {
      approvalId: string;
      approvalStatus: string;
      incidentId?: string;
    };
    expect(setup.approvalStatus).toBe('pending');
    expect(setup.incidentId).toBeTruthy();
    await started.kill();

    expect(JSON.parse(run('inspect', db, marker))).toEqual({
      approvals: ['pending'],
      incidents: ['open'],
    });
    expect(JSON.parse(run('approve', db, marker, setup.approvalId)).sort()).toEqual([
      'already_decided',
      'decided',
    ]);
    expect(JSON.parse(run('approve', db, marker, setup.approvalId))).toEqual([
      'already_decided',
      'already_decided',
    ]);
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual([`${setup.approvalId} web`]);
    expect(JSON.parse(run('inspect', db, marker))).toEqual({
      approvals: ['succeeded'],
      incidents: ['open'],
    });
  });

  it('marks a remediation killed mid-run as interrupted, reports it, never re-runs it, and keeps serving', async () => {
    const db = join(dir, 'executing.db');
    const marker = join(dir, 'executing.log');
    const started = await startUntilFirstLine('execute', db, marker);
    const { executing } = JSON.parse(started.line) as { executing: string };
    await started.kill();
    expect(JSON.parse(run('inspect', db, marker)).approvals).toEqual(['executing']);

    // Restart: the run is marked interrupted and reported where it was asked; another
    // conversation is answered; the remediation did not run again.
    expect(JSON.parse(run('restart', db, marker))).toEqual({ approvals: ['interrupted'] });
    const sent = () =>
      existsSync(`${marker}.sent`)
        ? readFileSync(`${marker}.sent`, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { chat: string; text: string })
        : [];
    const reports = sent().filter((s) => s.chat === 'ops');
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toContain('Interrupted: restart container web');
    expect(reports[0]!.text).toContain('was not re-run');
    expect(
      sent()
        .filter((s) => s.chat === 'other')
        .map((s) => s.text),
    ).toEqual(['Nothing is waiting for approval.']);
    // A second restart reports nothing new and runs nothing; approving again is refused.
    expect(JSON.parse(run('restart', db, marker))).toEqual({ approvals: ['interrupted'] });
    expect(sent().filter((s) => s.chat === 'ops')).toHaveLength(1);
    expect(JSON.parse(run('approve', db, marker, executing))).toEqual([
      'already_decided',
      'already_decided',
    ]);
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual([`${executing} web`]);
  });
});
