import { describe, expect, it } from 'vitest';
import type { LogTemplate } from './miner.js';
import { estimateTokens, renderDigest } from './render.js';

function template(id: string, text: string, count: number, severity: LogTemplate['severity']) {
  return { id, template: text, count, firstSeen: 0, lastSeen: 0, severity, examples: [] };
}

describe('renderDigest', () => {
  const templates: LogTemplate[] = [
    template('T1', 'heartbeat ok', 900, 'info'),
    template('T2', 'Connection refused to <*>', 40, 'error'),
    template('T3', 'disk <*> almost full', 5, 'warning'),
    template('T4', 'kernel panic', 1, 'fatal'),
    ...Array.from({ length: 50 }, (_, i) =>
      template(`T${i + 10}`, `worker ${'x'.repeat(i)} started`, 2, 'info'),
    ),
  ];

  it('orders by severity, then count', () => {
    const lines = renderDigest(templates, { budgetTokens: 100_000 }).split('\n');
    expect(lines.slice(1, 5)).toEqual([
      'FATAL 1x kernel panic',
      'ERROR 40x Connection refused to <*>',
      'WARNING 5x disk <*> almost full',
      'INFO 900x heartbeat ok',
    ]);
    expect(lines.at(-1)).not.toMatch(/folded/);
  });

  it('stays within the token budget and says how much it folded', () => {
    const digest = renderDigest(templates, { budgetTokens: 120 });
    expect(estimateTokens(digest)).toBeLessThanOrEqual(120);
    const last = digest.split('\n').at(-1) ?? '';
    expect(last).toMatch(/^… folded \d+ more templates \(\d+ lines\)/);
    const shown = digest.split('\n').length - 2;
    expect(last).toContain(`folded ${templates.length - shown} more templates`);
  });
});
