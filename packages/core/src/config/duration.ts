import { z } from 'zod';

/** The message every rejected duration gets. */
export const DURATION_HINT = 'expected a duration like "30s", "5m" or "1h", or milliseconds';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/**
 * `1h30m`, `500ms`, `1.5s`, `2d 4h`: each unit at most once, largest first; or bare digits (ms).
 * Kept free of named groups so it also works as a JSON Schema `pattern` in editors.
 */
const DURATION_PATTERN =
  /^(?=\s*\d)\s*(?:\d+|(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+(?:\.\d+)?)ms)?)\s*$/;

/**
 * Milliseconds in a duration text such as `500ms`, `30s`, `5m`, `1h`, `1d` or `1h30m`
 * (bare digits are milliseconds); `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const [, d, h, m, s, ms] = match;
  const parts: Array<[string | undefined, number]> = [
    [d, UNIT_MS.d],
    [h, UNIT_MS.h],
    [m, UNIT_MS.m],
    [s, UNIT_MS.s],
    [ms, UNIT_MS.ms],
  ];
  let total = 0;
  for (const [amount, unit] of parts) {
    if (amount !== undefined) total += Number(amount) * unit;
  }
  return Math.round(total);
}

/**
 * A zod type for durations: a number of milliseconds (`1500`) or a text such as `500ms`, `30s`,
 * `5m`, `1h`, `1d` or `1h30m`; the output is always milliseconds. Bad input gets
 * {@link DURATION_HINT} as its message.
 *
 * @example
 * z.object({ timeout: duration.prefault('30s') }).parse({}) // { timeout: 30000 }
 */
export const duration = z
  .union(
    [
      z.number({ error: DURATION_HINT }).nonnegative({ error: DURATION_HINT }),
      z.string({ error: DURATION_HINT }).regex(DURATION_PATTERN, { error: DURATION_HINT }),
    ],
    { error: DURATION_HINT },
  )
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const ms = parseDuration(value);
    if (ms !== undefined) return ms;
    ctx.issues.push({ code: 'custom', message: DURATION_HINT, input: value });
    return z.NEVER;
  });
