import { appendFileSync } from 'node:fs';
import { vi } from 'vitest';

/**
 * Cases per fuzzed property: `FUZZ_RUNS` when set (the bench runs 10,000), else a smaller number so
 * `npm test` stays quick.
 */
export function fuzzRuns(fallback = 500): number {
  const raw = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(raw) && raw > 0 ? raw : fallback;
}

/** Per-case time bound: a case that takes longer counts as a hang. */
export const CASE_BOUND_MS = 5_000;

/** Rejects when `work` takes longer than `ms` (the case hangs). */
export async function bounded<T>(work: Promise<T>, ms = CASE_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`case did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records how many cases a surface ran (for bench/fuzz/run.mjs), appended as one JSON line to
 * `FUZZ_REPORT` when that is set.
 */
export function report(surface: string, property: string, cases: number): void {
  const file = process.env.FUZZ_REPORT;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ surface, property, cases })}\n`);
}

// A full run (FUZZ_RUNS=10000) takes longer than the default 30 s per test: allow 20 ms per case.
if (process.env.FUZZ_RUNS) {
  const ms = Math.max(30_000, fuzzRuns() * 20);
  vi.setConfig({ testTimeout: ms, hookTimeout: ms });
}
