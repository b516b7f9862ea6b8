import type { z } from 'zod';
import type { Logger } from './logger.js';
import type { Finding } from './source.js';

/** How much harm a mistaken run could do. Policy rules use it to decide who may approve. */
export type Risk = 'low' | 'medium' | 'high';

/** What a remediation is given when it runs. */
export interface RemediationContext {
  /** Aborted on timeout or shutdown. */
  signal: AbortSignal;
  /** Logger bound to the remediation. */
  logger: Logger;
  /** Id of the approval that allowed this run (for idempotency tokens). */
  approvalId: string;
}

/** The outcome of a run, dry run or verification. */
export interface RemediationResult {
  /** True when it did what it set out to do. */
  ok: boolean;
  /** What happened, for people and the audit log. */
  detail: string;
}

/**
 * Anything that changes the world (reboot, redeploy, restart a container, switch on a light).
 * It runs only through the approval flow, never directly from the model.
 */
export interface Remediation<Input extends z.ZodType = z.ZodType> {
  /** Unique name, `snake_case`, e.g. `restart_container`. */
  readonly name: string;
  /** What it does, written for people and the model. */
  readonly description: string;
  /** Schema of the exact input; validated before a proposal is stored. */
  readonly input: Input;
  /** Risk level, shown with every plan and used by policy. */
  readonly risk: Risk;
  /** Time allowed for `execute`, in ms; defaults to the agent's remediation timeout. */
  readonly timeoutMs?: number;
  /** One line saying exactly what will run and where, e.g. `restart container web on sagan`. */
  describe(input: z.output<Input>): string;
  /** For the monitor: the input that would fix `finding`, or undefined when it does not apply. */
  appliesTo?(finding: Finding): z.output<Input> | undefined;
  /** Makes the change. Runs at most once per approval. */
  execute(input: z.output<Input>, ctx: RemediationContext): Promise<RemediationResult>;
  /** Checks, without changing anything, that `execute` would be allowed and what it would do. */
  dryRun?(input: z.output<Input>, ctx: RemediationContext): Promise<RemediationResult>;
  /** After `execute`: checks the change took effect. */
  verify?(input: z.output<Input>, ctx: RemediationContext): Promise<RemediationResult>;
  /**
   * After a restart, for a run of this approval that was executing when the agent stopped:
   * finishes it without changing anything again (e.g. verifies a change it recorded as made) and
   * returns the outcome; undefined when it cannot tell whether the change was made, and the run is
   * then reported as interrupted. `execute` is never run again.
   */
  resume?(input: z.output<Input>, ctx: RemediationContext): Promise<RemediationResult | undefined>;
}

/** Identity helper that infers the input type from the schema. */
export function defineRemediation<Input extends z.ZodType>(
  remediation: Remediation<Input>,
): Remediation<Input> {
  return remediation;
}
