import type { z } from 'zod';
import type { Logger } from './logger.js';
import type { Principal } from './roles.js';

/** What a tool is given when it runs. */
export interface ToolContext {
  /** Aborted on timeout or when the turn is cancelled; long work must honour it. */
  signal: AbortSignal;
  /** Logger bound to the tool. */
  logger: Logger;
  /** The person whose question led to this call, when there is one. */
  principal?: Principal;
}

/** What a tool returns: text for the model, optionally flagged as an error it can recover from. */
export interface ToolResult {
  /** Output shown to the model (capped by the runtime). */
  output: string;
  /** True when the tool failed; the model sees the output as an error. */
  isError?: boolean;
}

/**
 * A read-only investigation the model may call. Read-only is part of the contract: a tool
 * that changes anything must be a Remediation instead.
 */
export interface Tool<Input extends z.ZodType = z.ZodType> {
  /** Unique name the model calls it by, `snake_case`. */
  readonly name: string;
  /** What it does and when to use it, written for the model. */
  readonly description: string;
  /** Schema of the input; converted to JSON Schema only at the model boundary. */
  readonly input: Input;
  /** Time allowed, in ms; defaults to the agent's tool timeout. */
  readonly timeoutMs?: number;
  /** Runs the tool. Throwing is allowed: the runtime turns it into an error result. */
  run(input: z.output<Input>, ctx: ToolContext): Promise<ToolResult | string>;
}

/** Identity helper that infers the input type from the schema. */
export function defineTool<Input extends z.ZodType>(tool: Tool<Input>): Tool<Input> {
  return tool;
}
