import { describe, expect, it } from 'vitest';
import { TemplateMiner } from './miner.js';

describe('TemplateMiner', () => {
  it('merges lines that differ in variables into one template with counts and examples', () => {
    const miner = new TemplateMiner({ now: () => 1000 });
    miner.add('2026-01-01 10:00:00 ERROR Connection refused to 10.0.0.1:5432', 1000);
    miner.add('2026-01-01 10:00:01 ERROR Connection refused to 10.0.0.2:5433', 2000);
    miner.add('2026-01-01 10:00:02 INFO Invalid user bob from 1.2.3.4', 3000);
    miner.add('2026-01-01 10:00:03 INFO Invalid user alice from 1.2.3.5', 4000);
    // Four names: a variable, not an enumeration of a few words (see the enumeration tests).
    miner.add('2026-01-01 10:00:04 INFO Invalid user carol from 1.2.3.6', 5000);
    miner.add('2026-01-01 10:00:05 INFO Invalid user dave from 1.2.3.7', 6000);
    const templates = miner.templates();
    expect(templates.map((t) => t.template).sort()).toEqual([
      'Connection refused to <*>',
      'Invalid user <*> from <*>',
    ]);
    const refused = templates.find((t) => t.template.startsWith('Connection'));
    expect(refused).toMatchObject({ count: 2, firstSeen: 1000, lastSeen: 2000, severity: 'error' });
    expect(refused?.examples[1]?.values).toEqual(['10.0.0.2:5433']);
    const user = templates.find((t) => t.template.startsWith('Invalid'));
    expect(user?.count).toBe(4);
    expect(user?.examples.map((e) => e.values)).toEqual([
      ['bob', '1.2.3.4'],
      ['alice', '1.2.3.5'],
      ['carol', '1.2.3.6'],
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
    expect(first.template).toBe('Invalid user bob from <*>');
    miner.add('Invalid user carol from 1.2.3.4');
    miner.add('Invalid user dave from 1.2.3.4');
    expect(first.template).toBe('Invalid user <*> from <*>');
    expect(first.id).toBe(miner.templates()[0]?.id);
  });

  describe('enumerations', () => {
    it('splits a slot that takes a few plain words into one template per word', () => {
      const miner = new TemplateMiner({ stripHeaders: false });
      for (let i = 0; i < 5; i++) miner.add(`Failed password for root from 10.0.0.${i} port 22`);
      for (let i = 0; i < 3; i++) miner.add(`Failed none for root from 10.0.1.${i} port 22`);
      const templates = miner.templates();
      expect(templates.map((t) => [t.template, t.count])).toEqual([
        ['Failed password for root from <*> port <*>', 5],
        ['Failed none for root from <*> port <*>', 3],
      ]);
      expect(templates[1]?.examples[0]?.values).toEqual(['10.0.1.0', '22']);
      expect(new Set(templates.map((t) => t.id)).size).toBe(2);
    });

    it('turns the slot into a variable when a fourth word or a non-word arrives', () => {
      const miner = new TemplateMiner({ stripHeaders: false });
      const refs = ['red', 'green', 'blue'].map((c) => miner.add(`led is ${c} now`));
      expect(refs.map((r) => r.template)).toEqual([
        'led is red now',
        'led is green now',
        'led is blue now',
      ]);
      expect(miner.templates()).toHaveLength(3);
      miner.add('led is amber now');
      expect(refs.map((r) => r.template)).toEqual(Array(3).fill('led is <*> now'));
      expect(miner.templates()).toEqual([
        expect.objectContaining({ template: 'led is <*> now', count: 4 }),
      ]);
      const other = new TemplateMiner({ stripHeaders: false });
      other.add('mode set to fast');
      other.add('mode set to /tmp/x');
      expect(other.templates().map((t) => t.template)).toEqual(['mode set to <*>']);
    });

    it('never enumerates calendar names, and can be turned off', () => {
      const miner = new TemplateMiner({ stripHeaders: false });
      miner.add('log rotated on Jun by cron');
      miner.add('log rotated on Jul by cron');
      expect(miner.templates().map((t) => t.template)).toEqual(['log rotated on <*> by cron']);
      const off = new TemplateMiner({ stripHeaders: false, maxEnumValues: 0 });
      off.add('Failed password for root');
      off.add('Failed none for root');
      expect(off.templates().map((t) => t.template)).toEqual(['Failed <*> for root']);
    });

    it('keeps the combinations of several enumerated slots bounded', () => {
      const miner = new TemplateMiner({ stripHeaders: false });
      const words = ['aa', 'bb', 'cc'];
      for (const a of words)
        for (const b of words)
          for (const c of words)
            for (const d of words) miner.add(`x ${a} y ${b} z ${c} w ${d} end`);
      const templates = miner.templates();
      expect(templates.length).toBeLessThanOrEqual(32);
      expect(templates.reduce((n, t) => n + t.count, 0)).toBe(81);
    });

    it('reports surges for the whole family', () => {
      const miner = new TemplateMiner({ stripHeaders: false, bucketMs: 60_000 });
      for (let i = 0; i < 10; i++) miner.add(i % 2 ? 'link up on eth' : 'link down on eth', 0);
      const surges = miner.surges({ now: 30_000 });
      expect(surges.map((s) => [s.template.template, s.recent])).toEqual([['link <*> on eth', 10]]);
    });
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

describe('TemplateMiner state', () => {
  const lines = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const k = from + i;
      return [
        `2026-01-01T00:00:${String(k % 60).padStart(2, '0')}Z ERROR payment ${k} failed for user ${['alice', 'bob', 'carol'][k % 3]}`,
        `WARN Failed password for ${['root', 'admin'][k % 2]} from 10.0.0.${k % 250} port ${4000 + k}`,
        `ERROR worker-${k % 7} lost connection to db-${k % 2}.internal after ${k} ms`,
        `panic: runtime error: index out of range [${k}] with length ${k % 5}`,
      ][k % 4] as string;
    });

  it('continues after a JSON round trip exactly as the miner it was taken from', () => {
    const original = new TemplateMiner({ maxTemplates: 50 });
    for (const [i, line] of lines(0, 400).entries()) original.add(line, 1_000_000 + i * 1000);
    const restored = TemplateMiner.fromJSON(
      JSON.parse(JSON.stringify(original.toJSON())) as ReturnType<TemplateMiner['toJSON']>,
      { maxTemplates: 50 },
    );
    expect(restored.templates()).toEqual(original.templates());
    const more = lines(400, 400);
    for (const [i, line] of more.entries()) {
      const a = original.add(line, 2_000_000 + i * 1000);
      const b = restored.add(line, 2_000_000 + i * 1000);
      expect(b.id).toBe(a.id);
    }
    expect(restored.templates()).toEqual(original.templates());
    expect(restored.stats()).toMatchObject({
      ...original.stats(),
      cacheEntries: expect.any(Number),
    });
    expect(restored.surges({ now: 2_400_000 })).toEqual(original.surges({ now: 2_400_000 }));
  });

  it('refuses a state of another version', () => {
    expect(() =>
      TemplateMiner.fromJSON({ v: 2 } as unknown as ReturnType<TemplateMiner['toJSON']>),
    ).toThrow(/version 1/);
  });
});
