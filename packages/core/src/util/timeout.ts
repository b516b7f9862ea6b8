import { OpsAgentError } from '../errors.js';

/**
 * Runs `task` with an AbortSignal that fires after `ms` or when `parent` aborts, and rejects with
 * a `TIMEOUT` error at the deadline even if the task ignores the signal.
 */
export async function withTimeout<T>(
  what: string,
  ms: number,
  task: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new OpsAgentError('TIMEOUT', `${what} timed out after ${ms} ms`, {
        category: 'system',
        retryable: true,
      });
      controller.abort(error);
      reject(error);
    }, ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
