import { describe, expect, it } from 'vitest';
import type { LogTemplate } from './miner.js';
import { estimateTokens, renderDigest } from './render.js';

function template(
  id: string,
  text: string,
  count: number,
  severity: LogTemplate['severity'],
  values: string[] = [],
): LogTemplate {
  const examples = values.length > 0 ? [{ line: text, values }] : [];
  return { id, template: text, count, firstSeen: 0, lastSeen: 0, severity, examples };
}

const KEEPALIVE = 'ARPT: <*>: wl0: setup_keepalive:';

describe('renderDigest', () => {
  const templates: LogTemplate[] = [
    template('T1', 'heartbeat ok', 900, 'info'),
    template('T2', 'Connection refused to <*>', 40, 'error', ['10.0.0.1:5432']),
    template('T3', 'disk <*> almost full', 5, 'warning', ['/dev/sda1']),
    template('T4', 'kernel panic', 1, 'fatal'),
    // Shares only `Connection` with T2: too short a prefix to be worth a line of its own.
    template('T5', 'Connection reset by peer <*>', 3, 'error', ['10.0.0.9']),
    template('T6', `${KEEPALIVE} Local IP: <*>`, 4, 'info', ['645957.3', '10.105.163.202']),
    template('T7', `${KEEPALIVE} Remote IP: <*>`, 8, 'info', ['682406.1', '17.249.28.77']),
  ];

  it('prints a line per severity, worst first, templates by count, a shared prefix once', () => {
    expect(renderDigest(templates, { budgetTokens: 100_000 })).toBe(
      [
        'Log digest: 961 lines in 7 templates (<*> = variable; … = continued on the indented lines below)',
        'FATAL: 1 template, 1 line',
        '1x kernel panic',
        'ERROR: 2 templates, 43 lines',
        '40x Connection refused to <*> | e.g. 10.0.0.1:5432',
        '3x Connection reset by peer <*> | e.g. 10.0.0.9',
        'WARNING: 1 template, 5 lines',
        '5x disk <*> almost full | e.g. /dev/sda1',
        'INFO: 3 templates, 912 lines',
        '900x heartbeat ok',
        // The group's `<*>` shows the value of its most frequent template; each line its own.
        'ARPT: <*>: wl0: setup_keepalive: … | e.g. 682406.1',
        '  8x Remote IP: <*> | e.g. 17.249.28.77',
        '  4x Local IP: <*> | e.g. 10.105.163.202',
      ].join('\n'),
    );
  });

  it('ranks a group by the lines of all its templates', () => {
    const family = [
      template('A1', 'connection pool for <*> drained', 6, 'info', ['db1']),
      template('A2', 'connection pool for <*> refilled', 6, 'info', ['db2']),
      template('B', 'cache hit ratio <*>', 10, 'info', ['0.9']),
    ];
    expect(renderDigest(family, { budgetTokens: 100_000 }).split('\n').slice(1)).toEqual([
      'INFO: 3 templates, 22 lines',
      'connection pool for <*> … | e.g. db1',
      '  6x drained',
      '  6x refilled',
      '10x cache hit ratio <*> | e.g. 0.9',
    ]);
  });

  it('prints every template whole with maxGroupDepth 0, and keeps the plain title', () => {
    const digest = renderDigest(templates, { budgetTokens: 100_000, maxGroupDepth: 0 });
    expect(digest.split('\n')[0]).toBe('Log digest: 961 lines in 7 templates (<*> = variable)');
    expect(digest.split('\n').slice(-2)).toEqual([
      '8x ARPT: <*>: wl0: setup_keepalive: Remote IP: <*> | e.g. 682406.1, 17.249.28.77',
      '4x ARPT: <*>: wl0: setup_keepalive: Local IP: <*> | e.g. 645957.3, 10.105.163.202',
    ]);
  });

  it('cuts long example values, and all of a line’s values, with …', () => {
    const long = template('L', 'open <*> as <*>', 1, 'info', ['/very/long/path/'.repeat(4), 'u']);
    expect(renderDigest([long], { budgetTokens: 1000 }).split('\n')[2]).toBe(
      '1x open <*> as <*> | e.g. /very/long/path//very/long/path…, u',
    );
    expect(renderDigest([long], { budgetTokens: 1000, maxValueChars: 10 }).split('\n')[2]).toBe(
      '1x open <*> as <*> | e.g. /very/lon…',
    );
  });

  it('shows all values on the template line when they are not one per <*>', () => {
    // extractValues gives a whole token back when it does not fit the template's token.
    const odd = [
      template('O1', 'nightly backup job <*> ended with <*>:<*>', 3, 'info', ['7', 'status-ok']),
      template('O2', 'nightly backup job <*> started on host <*>', 2, 'info', ['8', 'h1']),
    ];
    // The group's first template has no value per `<*>`: the group line shows none.
    expect(renderDigest(odd, { budgetTokens: 1000 }).split('\n').slice(2)).toEqual([
      'nightly backup job <*> …',
      '  3x ended with <*>:<*> | e.g. 7, status-ok',
      '  2x started on host <*> | e.g. h1',
    ]);
  });

  it('stays within the token budget and says how much it folded', () => {
    const many = [
      ...templates,
      ...Array.from({ length: 50 }, (_, i) =>
        template(`T${i + 10}`, `worker ${'x'.repeat(i + 1)} started`, 2, 'info'),
      ),
    ];
    const digest = renderDigest(many, { budgetTokens: 120 });
    expect(estimateTokens(digest)).toBeLessThanOrEqual(120);
    expect(digest.split('\n')).toEqual([
      'Log digest: 1061 lines in 57 templates (<*> = variable)',
      'FATAL: 1 template, 1 line',
      '1x kernel panic',
      'ERROR: 2 templates, 43 lines',
      '40x Connection refused to <*> | e.g. 10.0.0.1:5432',
      '3x Connection reset by peer <*> | e.g. 10.0.0.9',
      'WARNING: 1 template, 5 lines',
      '5x disk <*> almost full | e.g. /dev/sda1',
      '… folded 53 more templates (1012 lines) to stay within 120 tokens',
    ]);
    // With room, the 50 workers share one group line; the legend comes with it.
    const roomy = renderDigest(many, { budgetTokens: 1000 }).split('\n');
    expect(roomy[0]).toBe(
      'Log digest: 1061 lines in 57 templates (<*> = variable; … = continued on the indented lines below)',
    );
    expect(roomy.slice(8, 13)).toEqual([
      'INFO: 53 templates, 1012 lines',
      '900x heartbeat ok',
      'worker …',
      '  2x x started',
      '  2x xx started',
    ]);
  });

  it('cuts the full digest at a line for any budget, never leaving a group line alone', () => {
    const many = [
      ...templates,
      ...Array.from({ length: 30 }, (_, i) =>
        template(`W${i}`, `worker ${'x'.repeat(i + 1)} started in <*>`, 30 - i, 'error', ['1s']),
      ),
    ];
    const full = renderDigest(many, { budgetTokens: Number.POSITIVE_INFINITY }).split('\n');
    for (let budget = 60; budget <= 700; budget += 7) {
      const lines = renderDigest(many, { budgetTokens: budget }).split('\n');
      expect(estimateTokens(lines.join('\n'))).toBeLessThanOrEqual(budget);
      const folded = lines.at(-1)?.startsWith('… folded') ? lines.pop() : undefined;
      // The title's legend on groups comes only with a group line.
      expect(lines[0]?.includes('…')).toBe(
        lines.some((l) => l.endsWith(' …') || l.includes(' … |')),
      );
      expect(lines.slice(1)).toEqual(full.slice(1, lines.length));
      // The last line is a template, not a severity or group line.
      if (lines.length > 1) expect(lines.at(-1)).toMatch(/^\s*\d+x /);
      const shown = lines.filter((l) => /^\s*\d+x /.test(l)).length;
      if (shown < many.length) expect(folded).toContain(`folded ${many.length - shown} more`);
    }
  });

  it('says how many folded templates are warning or worse', () => {
    const digest = renderDigest(templates, { budgetTokens: 60 });
    expect(digest.split('\n')).toEqual([
      'Log digest: 961 lines in 7 templates (<*> = variable)',
      'FATAL: 1 template, 1 line',
      '1x kernel panic',
      '… folded 6 more templates (960 lines, 3 of them warning or worse) to stay within 60 tokens',
    ]);
  });

  it('prints only the title for no templates, and keeps a given title', () => {
    expect(renderDigest([])).toBe('Log digest: 0 lines in 0 templates (<*> = variable)');
    expect(renderDigest(templates.slice(0, 1), { title: 'Errors:' })).toBe(
      'Errors:\nINFO: 1 template, 900 lines\n900x heartbeat ok',
    );
  });
});
