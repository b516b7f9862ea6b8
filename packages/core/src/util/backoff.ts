/** How retry or reconnection attempts are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** Longest delay, in ms. */
  maxDelayMs: number;
}

/** The delay of attempt `n` (from 0) without jitter: `min(max, initial * 2^n)`. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
}

/**
 * Exponential backoff with "equal jitter": attempt `n` (from 0) waits between half and all of
 * {@link backoffCeiling}, so many clients that dropped together do not return together.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, options);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
