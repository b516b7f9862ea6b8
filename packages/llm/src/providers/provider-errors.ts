import { isOpsAgentError, type Logger } from '@opsagent/core';
import { type LlmErrorCode, llmError } from '../errors.js';

/** The error classes both vendor SDKs (Stainless-generated) export. */
export interface SdkErrorClasses {
  APIError: abstract new (
    ...args: never[]
  ) => {
    status: number | undefined;
    headers: Headers | undefined;
    error: unknown;
    message: string;
  };
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/** Milliseconds from `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) {
    return Math.max(0, Number(ms));
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The vendor's error `type` from a JSON error body (`{error:{type}}` or `{type}`). */
function bodyErrorType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  const source = typeof inner === 'object' && inner !== null ? inner : body;
  const type = (source as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

function codeForStatus(status: number, type: string | undefined): LlmErrorCode {
  if (status === 529 || type === 'overloaded_error') return 'LLM_OVERLOADED';
  if (status === 429) return 'LLM_RATE_LIMITED';
  if (status === 408) return 'LLM_TIMEOUT';
  if (status >= 500) return 'LLM_SERVER_ERROR';
  if (status === 401 || status === 403) return 'LLM_AUTH';
  return 'LLM_BAD_REQUEST';
}

/**
 * Maps an SDK failure to a coded {@link llmError}. Errors that are not the SDK's (bugs, our own
 * OpsAgentErrors) are returned unchanged, so a programming error never looks like an outage.
 */
export function toLlmError(
  error: unknown,
  context: { provider: string; model: string; classes: SdkErrorClasses; signal?: AbortSignal },
): unknown {
  const { provider, model, classes } = context;
  if (isOpsAgentError(error)) return error;
  const at = `${provider}:${model}`;
  if (error instanceof classes.APIUserAbortError || context.signal?.aborted) {
    return llmError('LLM_ABORTED', `${at}: request aborted`, { cause: error, provider });
  }
  if (error instanceof classes.APIConnectionTimeoutError) {
    return llmError('LLM_TIMEOUT', `${at}: request timed out`, { cause: error, provider });
  }
  if (error instanceof classes.APIConnectionError) {
    return llmError('LLM_NETWORK', `${at}: connection failed: ${error.message}`, {
      cause: error,
      provider,
    });
  }
  if (error instanceof classes.APIError && typeof error.status === 'number') {
    const status = error.status;
    const code = codeForStatus(status, bodyErrorType(error.error));
    const wait = code === 'LLM_RATE_LIMITED' ? retryAfterMs(error.headers) : undefined;
    return llmError(code, `${at}: ${error.message}`, {
      cause: error,
      status,
      provider,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    });
  }
  return error;
}

/** The logger shape both SDKs accept (`logger` client option). */
export interface SdkLogger {
  error(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  debug(message: string, ...rest: unknown[]): void;
}

/** Routes SDK log lines to our logger (never to stdout). */
export function sdkLogger(logger: Logger): SdkLogger {
  const fields = (rest: unknown[]) => (rest.length > 0 ? { sdk: rest } : {});
  return {
    error: (message, ...rest) => logger.error(fields(rest), message),
    warn: (message, ...rest) => logger.warn(fields(rest), message),
    info: (message, ...rest) => logger.debug(fields(rest), message),
    debug: (message, ...rest) => logger.trace(fields(rest), message),
  };
}

/** A tool call's input as a JSON object (what both vendors require on the wire). */
export function inputObject(input: unknown): Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}
