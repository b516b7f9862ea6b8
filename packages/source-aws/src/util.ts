/** Runs `fn` over `items` with at most `limit` in flight; results in input order. Rejects on the first error. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** An ISO time without milliseconds, for people. */
export function isoTime(date: Date | undefined): string {
  return date && !Number.isNaN(date.getTime())
    ? date.toISOString().replace(/\.\d{3}Z$/, 'Z')
    : 'unknown';
}

/** A limiter: `limit(fn)` runs `fn` when fewer than `n` calls are running, in order of arrival. */
export function createLimiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing call hands its slot straight to the next waiter, so `running` never exceeds n.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Pages in a row that may come back with the same token before paging stops. */
export const STUCK_PAGES = 50;

/**
 * The pages of an SDK paginator, stopping when the service sends the same pagination token
 * `limit` times in a row: a service stuck on one page would otherwise be paged forever. (CloudWatch
 * Logs may send empty pages while more exist, so one repeat is not enough to stop.)
 */
export async function* untilStuck<Page>(
  pages: AsyncIterable<Page>,
  tokenOf: (page: Page) => string | undefined,
  limit = STUCK_PAGES,
): AsyncGenerator<Page> {
  let previous: string | undefined;
  let repeats = 0;
  for await (const page of pages) {
    yield page;
    const token = tokenOf(page);
    repeats = token !== undefined && token === previous ? repeats + 1 : 0;
    if (repeats >= limit) return;
    previous = token;
  }
}
