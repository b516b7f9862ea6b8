/** Who is at fault, so callers and logs can tell a typo from an outage. */
export type ErrorCategory = 'user' | 'system' | 'third-party';

/** Options of {@link OpsAgentError}. */
export interface OpsAgentErrorOptions {
  /** Who is at fault; defaults to `system`. */
  category?: ErrorCategory;
  /** True when the same call may succeed if tried again later. */
  retryable?: boolean;
  /** The underlying error. */
  cause?: unknown;
  /** Structured facts about the failure (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * The one error class of opsagent: a stable string `code` that tests and callers match on,
 * a category, whether a retry may help, and the cause.
 */
export class OpsAgentError extends Error {
  /** Stable identifier, e.g. `PLUGIN_DUPLICATE`; never reworded. */
  readonly code: string;
  /** Who is at fault. */
  readonly category: ErrorCategory;
  /** True when the same call may succeed later. */
  readonly retryable: boolean;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: OpsAgentErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsAgentError';
    this.code = code;
    this.category = options.category ?? 'system';
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** True for an {@link OpsAgentError}, optionally with the given code. */
export function isOpsAgentError(error: unknown, code?: string): error is OpsAgentError {
  return error instanceof OpsAgentError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for logs and error results. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
