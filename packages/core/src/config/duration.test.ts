import { describe, expect, it } from 'vitest';
import { DURATION_HINT, duration, parseDuration } from './duration.js';

describe('duration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2m5s250ms', 125_250],
    ['1.5s', 1_500],
    ['1500', 1_500],
    [' 10s ', 10_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(duration.parse(text)).toBe(ms);
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes a number as milliseconds', () => {
    expect(duration.parse(2500)).toBe(2500);
    expect(duration.parse(0)).toBe(0);
  });

  it.each(['', '5 min', '5M', '30m1h', '1m1m', 'ms', '1.5', '-1s', 'soon'])(
    'rejects %j with a hint',
    (text) => {
      const result = duration.safeParse(text);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(DURATION_HINT);
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it.each([-1, true, null, {}, Number.NaN])('rejects %j with a hint', (value) => {
    const result = duration.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(DURATION_HINT);
  });
});
