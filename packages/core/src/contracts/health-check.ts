import type { Logger } from './logger.js';

/** The outcome of one `opsagent doctor` check. */
export interface HealthCheckResult {
  /** `ok`, `warn` (works, but something is missing), or `fail` (will not work). */
  status: 'ok' | 'warn' | 'fail';
  /** One line for people: what was found and, when not ok, the fix. */
  detail: string;
}

/**
 * A check `opsagent doctor` runs: credentials present, an endpoint reachable, a number registered.
 * It must not change anything.
 */
export interface HealthCheck {
  /** Short name shown first on the line, e.g. `slack auth`, `signal api`. */
  readonly name: string;
  /** Runs the check; aborted when it takes too long. Throwing counts as `fail`. */
  run(ctx: { signal: AbortSignal; logger: Logger }): Promise<HealthCheckResult>;
}
