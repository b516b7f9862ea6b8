import { describe, expect, it } from 'vitest';
import { TemplateMiner } from './miner.js';

describe('TemplateMiner', () => {
  it('merges lines that differ in variables into one template with counts and examples', () => {
    const miner = new TemplateMiner({ now: () => 1000 });
    miner.add('2026-01-01 10:00:00 ERROR Connection refused to 10.0.0.1:5432', 1000);
    miner.add('2026-01-01 10:00:01 ERROR Connection refused to 10.0.0.2:5433', 2000);
    miner.add('2026-01-01 10:00:02 INFO Invalid user bob from 1.2.3.4', 3000);
    miner.add('2026-01-01 10:00:03 INFO Invalid user alice from 1.2.3.5', 4000);
    const templates = miner.templates();
    expect(templates.map((t) => t.template).sort()).toEqual([
      'Connection refused to <*>',
      'Invalid user <*> from <*>',
    ]);
    const refused = templates.find((t) => t.template.startsWith('Connection'));
    expect(refused).toMatchObject({ count: 2, firstSeen: 1000, lastSeen: 2000, severity: 'error' });
    expect(refused?.examples[1]?.values).toEqual(['10.0.0.2:5433']);
    const user = templates.find((t) => t.template.startsWith('Invalid'));
    expect(user?.examples.map((e) => e.values)).toEqual([
      ['bob', '1.2.3.4'],
      ['alice', '1.2.3.5'],
    ]);
  });

  it('keeps messages that share few words apart', () => {
    const miner = new TemplateMiner({ stripHeaders: false });
    miner.add('session opened for user root');
    miner.add('disk quota exceeded for alice');
    expect(miner.templates()).toHaveLength(2);
  });

  it('gives each line a live reference to its template', () => {
    const miner = new TemplateMiner({ stripHeaders: false });
    const first = miner.add('Invalid user bob from 1.2.3.4');
    miner.add('Invalid user alice from 1.2.3.4');
    expect(first.template).toBe('Invalid user <*> from <*>');
  });

  it('stays within its template cap over 1,000,000 distinct lines', () => {
    const maxTemplates = 500;
    const miner = new TemplateMiner({ maxTemplates, stripHeaders: false, now: () => 0 });
    const word = (n: number) => {
      let s = '';
      do {
        s += String.fromCharCode(97 + (n % 26));
        n = Math.floor(n / 26);
      } while (n > 0);
      return s;
    };
    let peak = 0;
    for (let i = 0; i < 1_000_000; i++) {
      miner.add(`${word(i)} happened on ${word(i * 7 + 3)} ${i}`, 0);
      if (i % 10_000 === 0) peak = Math.max(peak, miner.stats().templates);
    }
    const stats = miner.stats();
    expect(stats.lines).toBe(1_000_000);
    expect(stats.templates).toBeLessThanOrEqual(maxTemplates);
    expect(peak).toBeLessThanOrEqual(maxTemplates);
    expect(stats.buckets).toBeLessThanOrEqual(maxTemplates);
    expect(stats.cacheEntries).toBeLessThanOrEqual(maxTemplates * 4);
    expect(stats.evicted).toBeGreaterThan(900_000);
  });

  it('evicts the least recently seen template first', () => {
    const miner = new TemplateMiner({ maxTemplates: 2, stripHeaders: false });
    miner.add('alpha one');
    miner.add('beta two');
    miner.add('alpha one');
    miner.add('gamma three');
    expect(
      miner
        .templates()
        .map((t) => t.template)
        .sort(),
    ).toEqual(['alpha one', 'gamma three']);
  });

  it('reports a template whose rate in the latest window jumps above its baseline', () => {
    const miner = new TemplateMiner({ stripHeaders: false, bucketMs: 60_000 });
    for (let minute = 0; minute < 10; minute++) {
      miner.add('heartbeat ok', minute * 60_000);
      miner.add('timeout talking to db', minute * 60_000);
    }
    for (let i = 0; i < 20; i++) miner.add('timeout talking to db', 10 * 60_000 + i);
    const surges = miner.surges({ now: 10 * 60_000 + 30_000 });
    expect(surges).toHaveLength(1);
    expect(surges[0]).toMatchObject({ recent: 20, baseline: 1, isNew: false });
    expect(surges[0]?.template.template).toBe('timeout talking to db');
  });
});
