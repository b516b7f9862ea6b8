/** How reconnection attempts are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms; default 1 s. */
  initialDelayMs: number;
  /** Longest delay, in ms; default 60 s. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": attempt `n` (from 0) waits between half and all of
 * `min(max, initial * 2^n)`, so many clients that dropped together do not return together.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
