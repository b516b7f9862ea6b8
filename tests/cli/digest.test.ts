import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCliSync } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opsagent = (args: string[], input = '') =>
  runCliSync(args, { cwd: dir, env: cliEnv(dir), input });

const LOG = [
  'Jun 14 15:16:01 combo sshd[19939]: Invalid user bob from 218.188.2.4',
  '2026-01-01 10:00:00,123 ERROR [main] db.Pool: Connection refused to 10.0.0.1:5432',
  'Jun 14 15:16:02 combo sshd[19940]: Invalid user alice from 218.188.2.5',
  '2026-01-01 10:00:01,456 ERROR [main] db.Pool: Connection refused to 10.0.0.2:5432',
  // Four names: a variable (up to three plain words would be an enumeration, a template each).
  'Jun 14 15:16:03 combo sshd[19941]: Invalid user carol from 218.188.2.6',
  'Jun 14 15:16:04 combo sshd[19942]: Invalid user dave from 218.188.2.7',
].join('\n');

describe('opsagent digest', () => {
  it('prints one JSON object per input line, in order, with --per-line', () => {
    const { code, stdout, stderr } = opsagent(['digest', '--per-line'], `${LOG}\n`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { line: 1, template: 'Invalid user <*> from <*>' },
      { line: 2, template: 'Connection refused to <*>' },
      { line: 3, template: 'Invalid user <*> from <*>' },
      { line: 4, template: 'Connection refused to <*>' },
      { line: 5, template: 'Invalid user <*> from <*>' },
      { line: 6, template: 'Invalid user <*> from <*>' },
    ]);
  });

  it('keeps headers as words of the message with --content-only', () => {
    const { stdout } = opsagent(['digest', '--per-line', '--content-only', '-'], 'a b 1\na b 2\n');
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).template),
    ).toEqual(['a b <*>', 'a b <*>']);
  });

  it('summarises a file, errors first', () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, `${LOG}\n`);
    const { code, stdout } = opsagent(['digest', file, '--budget', '500']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'Log digest: 6 lines in 2 templates (<*> = variable)',
      'ERROR: 1 template, 2 lines',
      '2x Connection refused to <*> | e.g. 10.0.0.1:5432',
      'UNKNOWN: 1 template, 4 lines',
      '4x Invalid user <*> from <*> | e.g. bob, 218.188.2.4',
    ]);
  });

  it('names a file it cannot read', () => {
    const { code, stderr } = opsagent(['digest', join(dir, 'missing.log')]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.log');
  });
});
