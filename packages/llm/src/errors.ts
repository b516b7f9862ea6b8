import { OpsAgentError } from '@opsagent/core';

/**
 * Error codes every provider throws (as {@link OpsAgentError}, category `third-party`).
 * The router decides fallback from the code alone.
 */
export const LLM_ERROR_CODES = [
  'LLM_RATE_LIMITED',
  'LLM_OVERLOADED',
  'LLM_SERVER_ERROR',
  'LLM_TIMEOUT',
  'LLM_NETWORK',
  'LLM_AUTH',
  'LLM_BAD_REQUEST',
  'LLM_ABORTED',
] as const;

/** One provider error code. */
export type LlmErrorCode = (typeof LLM_ERROR_CODES)[number];

/** Codes where the same call may succeed later or on another model. */
export const RETRYABLE_LLM_CODES: ReadonlySet<LlmErrorCode> = new Set<LlmErrorCode>([
  'LLM_RATE_LIMITED',
  'LLM_OVERLOADED',
  'LLM_SERVER_ERROR',
  'LLM_TIMEOUT',
  'LLM_NETWORK',
]);

/** Thrown by the router when every candidate model failed (category `third-party`). */
export const LLM_ALL_FAILED = 'LLM_ALL_FAILED';
/** Thrown by the usage meter when a budget is exceeded and the behaviour is `refuse` (category `user`). */
export const LLM_BUDGET_EXCEEDED = 'LLM_BUDGET_EXCEEDED';

/** Facts attached to an LLM error. */
export interface LlmErrorOptions {
  /** The underlying error (SDK error, fetch error). */
  cause?: unknown;
  /** How long the provider asked us to wait (rate limits), in milliseconds. */
  retryAfterMs?: number;
  /** HTTP status, when there was one. */
  status?: number;
  /** Provider name, e.g. `anthropic`. */
  provider?: string;
}

/** Builds the {@link OpsAgentError} for a provider failure; `retryable` follows the code. */
export function llmError(
  code: LlmErrorCode,
  message: string,
  options: LlmErrorOptions = {},
): OpsAgentError {
  const details: Record<string, unknown> = {};
  if (options.retryAfterMs !== undefined) details.retryAfterMs = options.retryAfterMs;
  if (options.status !== undefined) details.status = options.status;
  if (options.provider !== undefined) details.provider = options.provider;
  return new OpsAgentError(code, message, {
    category: 'third-party',
    retryable: RETRYABLE_LLM_CODES.has(code),
    cause: options.cause,
    details,
  });
}

/** True when `code` is one of {@link LLM_ERROR_CODES}. */
export function isLlmErrorCode(code: string): code is LlmErrorCode {
  return (LLM_ERROR_CODES as readonly string[]).includes(code);
}
