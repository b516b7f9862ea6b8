import type { Severity } from '../contracts/source.js';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** True for the three severities a finding may carry (plugins written in JavaScript may err). */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** True when `severity` is `min` or worse. */
export function atLeast(severity: Severity, min: Severity): boolean {
  return RANK[severity] >= RANK[min];
}

/** True when `severity` is strictly worse than `than`. */
export function worse(severity: Severity, than: Severity): boolean {
  return RANK[severity] > RANK[than];
}
