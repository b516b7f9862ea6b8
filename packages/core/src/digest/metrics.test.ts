import { describe, expect, it } from 'vitest';
import { parseCsv, scoreParse } from './metrics.js';

describe('scoreParse', () => {
  it('scores a perfect parse as 1 everywhere', () => {
    const truth = ['a <*>', 'a <*>', 'b'];
    expect(scoreParse(truth, truth)).toMatchObject({ ga: 1, fga: 1, pa: 1, fta: 1 });
  });

  it('counts grouping right even when the template text differs', () => {
    // Groups are identical; only the second template's text is wrong.
    const s = scoreParse(['a <*>', 'a <*>', 'b'], ['a <*>', 'a <*>', 'b <*>']);
    expect(s.ga).toBe(1);
    expect(s.fga).toBe(1);
    expect(s.pa).toBeCloseTo(2 / 3);
    // 1 of 2 parsed templates correct, 1 of 2 truth templates found.
    expect(s.fta).toBeCloseTo(0.5);
  });

  it('gives no credit to lines of a merged group', () => {
    // Truth: {1,2} {3} {4}; parsed: {1,2,3} {4}.
    const s = scoreParse(['x', 'x', 'y', 'z'], ['p', 'p', 'p', 'z']);
    expect(s.ga).toBe(0.25);
    // Correct groups: 1 ({4}); precision 1/2, recall 1/3.
    expect(s.fga).toBeCloseTo((2 * 0.5 * (1 / 3)) / (0.5 + 1 / 3));
    expect(s.pa).toBe(0.25);
    expect(s.fta).toBeCloseTo((2 * 0.5 * (1 / 3)) / (0.5 + 1 / 3));
  });

  it('gives no credit to lines of a split group', () => {
    const s = scoreParse(['x', 'x', 'y'], ['x', 'x2', 'y']);
    expect(s.ga).toBeCloseTo(1 / 3);
    expect(s.pa).toBeCloseTo(2 / 3);
    // Parsed `x` holds only lines whose truth is `x`: a correct template under the FTA rule.
    expect(s.fta).toBeCloseTo((2 * (2 / 3) * 1) / (2 / 3 + 1));
  });

  it('ignores differences in whitespace', () => {
    expect(scoreParse(['a  <*> '], ['a <*>']).pa).toBe(1);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b\n1,"x, ""y"""\r\n2,"l1\nl2"\n')).toEqual([
      ['a', 'b'],
      ['1', 'x, "y"'],
      ['2', 'l1\nl2'],
    ]);
  });
});
