import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRedactor } from '@opsagent/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createInteractionLog } from './interaction-log.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsagent-llm-log-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const readLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createInteractionLog', () => {
  it('appends one JSON line per entry, creating the folder', () => {
    const dir = join(tempDir(), 'data');
    const log = createInteractionLog({ dir });
    log.write({ model: 'm', task: 'chat', latencyMs: 12 });
    log.write({ model: 'm', task: 'triage', latencyMs: 7 });
    expect(log.path).toBe(join(dir, 'llm.jsonl'));
    expect(readLines(log.path).map((e) => e.task)).toEqual(['chat', 'triage']);
  });

  it('redacts secret values and secret-named fields', () => {
    const dir = tempDir();
    const redactor = new SecretRedactor();
    redactor.add('sk-ant-supersecret-123');
    const log = createInteractionLog({ dir, redactor });
    log.write({
      request: { messages: [{ role: 'user', content: 'my key is sk-ant-supersecret-123 ok' }] },
      apiKey: 'whatever-value',
    });
    const text = readFileSync(log.path, 'utf8');
    expect(text).not.toContain('sk-ant-supersecret-123');
    expect(text).not.toContain('whatever-value');
    const [entry] = readLines(log.path);
    expect(entry?.apiKey).toBe('[redacted]');
    expect(JSON.stringify(entry)).toContain('my key is [redacted] ok');
  });

  it('rotates by size and keeps K rotated files', () => {
    const dir = tempDir();
    const log = createInteractionLog({ dir, maxBytes: 100, keep: 2 });
    for (let i = 0; i < 10; i++) log.write({ i, pad: 'x'.repeat(60) });
    expect(readdirSync(dir).sort()).toEqual(['llm.jsonl', 'llm.jsonl.1', 'llm.jsonl.2']);
    expect(readLines(log.path).map((e) => e.i)).toEqual([9]);
    expect(readLines(`${log.path}.1`).map((e) => e.i)).toEqual([8]);
    expect(readLines(`${log.path}.2`).map((e) => e.i)).toEqual([7]);
  });

  it('continues an existing file and counts its size', () => {
    const dir = tempDir();
    createInteractionLog({ dir, maxBytes: 1000 }).write({ first: true, pad: 'x'.repeat(50) });
    const log = createInteractionLog({ dir, maxBytes: 100, keep: 1 });
    log.write({ second: true, pad: 'x'.repeat(50) });
    expect(readLines(`${log.path}.1`)).toMatchObject([{ first: true }]);
    expect(readLines(log.path)).toMatchObject([{ second: true }]);
  });

  it('writes nothing when disabled', () => {
    const dir = join(tempDir(), 'off');
    const log = createInteractionLog({ dir, enabled: false });
    log.write({ model: 'm' });
    expect(log.enabled).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
