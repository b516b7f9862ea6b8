import {
  type BackoffOptions,
  backoffDelay,
  errorMessage,
  isOpsAgentError,
  OpsAgentError,
} from '@opsagent/core';
import { z } from 'zod';

/** `GET /v1/about`. */
export const aboutSchema = z.object({
  versions: z.array(z.string()).optional(),
  build: z.number().optional(),
  mode: z.string().optional(),
  version: z.string().optional(),
});

/** What `/v1/about` said. */
export type About = z.output<typeof aboutSchema>;

const sendStampSchema = z.object({
  timestamp: z.union([z.string().regex(/^\d+$/), z.number().int()]),
  errors: z
    .object({
      recipients: z
        .array(z.object({ number: z.string().optional(), reason: z.string().optional() }))
        .optional(),
    })
    .partial()
    .nullish(),
});

/** `POST /v2/send` answers `{timestamp}` (released) or `[{timestamp, errors}]` (newer). */
const sendReplySchema = z.union([sendStampSchema, z.array(sendStampSchema).min(1)]);

const errorBodySchema = z.object({ error: z.string() });

/** Options of {@link SignalApi}. */
export interface SignalApiOptions {
  /** Base URL of signal-cli-rest-api, e.g. `http://localhost:8080`. */
  url: string;
  /** The bot's number. */
  number: string;
  /** Time allowed for one request; default 15 s. */
  timeoutMs?: number;
  /** fetch; default the global one. */
  fetch?: typeof fetch;
  /** Retries of a send whose connection was refused (the API restarting); default 3. */
  sendRetries?: number;
  /** Retries of a send Signal rate-limited (HTTP 429); default 3. */
  rateLimitRetries?: number;
  /**
   * Longest wait before one retry of a rate-limited send, in ms, whatever `Retry-After` asks;
   * default 60 s.
   */
  maxRetryWaitMs?: number;
  /** Backoff of a rate-limited send without `Retry-After`; default 1 s doubling up to 30 s, jittered. */
  rateLimitBackoff?: Partial<BackoffOptions>;
  /** Seams for tests: how to wait (ends early when `signal` aborts), the time (ms since the epoch), and jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Outcome of a send: the message timestamp (its id) and recipients that failed. */
export interface SendOutcome {
  timestamp: number;
  failed: Array<{ number?: string | undefined; reason?: string | undefined }>;
}

/**
 * The wait `Retry-After` asks for, in ms: delay-seconds or an HTTP date (RFC 9110 10.2.3), never
 * negative. Undefined when the header is absent or neither form.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A thin typed client of the signal-cli-rest-api endpoints the channel uses. */
export class SignalApi {
  readonly url: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly sendRetries: number;
  private readonly rateLimitRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly backoff: BackoffOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  /**
   * Until when (ms since the epoch) sends wait: Signal rate-limits the account, not a recipient,
   * so a 429 holds back every send, not only the one that met it.
   */
  private pausedUntil = 0;

  constructor(private readonly options: SignalApiOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.sendRetries = options.sendRetries ?? 3;
    this.rateLimitRetries = Math.max(0, Math.floor(options.rateLimitRetries ?? 3));
    this.maxRetryWaitMs = Math.max(0, options.maxRetryWaitMs ?? 60_000);
    this.backoff = { initialDelayMs: 1_000, maxDelayMs: 30_000, ...options.rateLimitBackoff };
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** `/v1/about`; throws `SIGNAL_API_UNREACHABLE` when nothing answers. */
  async about(signal?: AbortSignal): Promise<About> {
    const body = await this.request(
      'GET',
      '/v1/about',
      undefined,
      signal,
      'SIGNAL_API_UNREACHABLE',
    );
    const parsed = aboutSchema.safeParse(body);
    if (!parsed.success) {
      throw new OpsAgentError(
        'SIGNAL_API_INVALID',
        `${this.url}/v1/about did not answer like signal-cli-rest-api; check SIGNAL_API_URL`,
        { category: 'user' },
      );
    }
    return parsed.data;
  }

  /** Registered and linked accounts (`GET /v1/accounts`). */
  async accounts(signal?: AbortSignal): Promise<string[]> {
    const body = await this.request('GET', '/v1/accounts', undefined, signal);
    const parsed = z.array(z.string()).safeParse(body);
    if (!parsed.success) {
      throw new OpsAgentError(
        'SIGNAL_API_INVALID',
        `${this.url}/v1/accounts did not return a list of numbers`,
        {
          category: 'third-party',
        },
      );
    }
    return parsed.data;
  }

  /**
   * `POST /v2/send` to one recipient (a number, uuid or `group.<id>`). `signal` (the channel
   * stopping) ends a wait before a retry: the send then fails with `SIGNAL_SEND_ABORTED`, unsent.
   */
  async send(
    recipient: string,
    message: string,
    textMode: 'styled' | 'normal',
    signal?: AbortSignal,
  ): Promise<SendOutcome> {
    const payload = {
      number: this.options.number,
      recipients: [recipient],
      message,
      text_mode: textMode,
    };
    // Retried, because the message cannot have been sent:
    // - a refused connection never reached the API (it is restarting): short backoff;
    // - HTTP 429: signal-cli-rest-api answers it when Signal refused the message, so nothing went
    //   out. Wait as `Retry-After` says (capped at `maxRetryWaitMs`), else backoff with jitter.
    // Never retried, because the message may have been sent: a timeout or a 5xx after the request
    // went out (signal-cli may have delivered it before failing). A retry could send it twice, so
    // the error goes to the caller (the runtime logs it; the reply stays in the history).
    let body: unknown;
    let refusedRetries = 0;
    let limitedRetries = 0;
    let waitedMs = 0;
    const wait = async (ms: number) => {
      await this.sleep(ms, signal);
      if (signal?.aborted) {
        throw new OpsAgentError(
          'SIGNAL_SEND_ABORTED',
          'the Signal channel stopped while a send waited to be retried; this message was not sent',
          { category: 'system', retryable: true },
        );
      }
    };
    for (;;) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) await wait(pause);
      try {
        body = await this.request('POST', '/v2/send', payload);
        break;
      } catch (error) {
        if (refused(error) && refusedRetries < this.sendRetries) {
          await wait(250 * 2 ** refusedRetries);
          refusedRetries += 1;
          continue;
        }
        if (!isOpsAgentError(error, 'SIGNAL_RATE_LIMITED')) throw error;
        if (limitedRetries >= this.rateLimitRetries) {
          throw new OpsAgentError(
            'SIGNAL_RATE_LIMITED',
            `${error.message}. Still rate-limited after ${limitedRetries} ${limitedRetries === 1 ? 'retry' : 'retries'} over ${Math.round(waitedMs / 1000)} s; this message was not sent`,
            {
              category: 'third-party',
              retryable: true,
              cause: error,
              details: { ...error.details, retries: limitedRetries, waitedMs },
            },
          );
        }
        const asked = error.details?.retryAfterMs;
        const waitMs = Math.min(
          this.maxRetryWaitMs,
          typeof asked === 'number'
            ? asked
            : backoffDelay(limitedRetries, this.backoff, this.random),
        );
        limitedRetries += 1;
        waitedMs += waitMs;
        this.pausedUntil = Math.max(this.pausedUntil, this.now() + waitMs);
      }
    }
    const parsed = sendReplySchema.safeParse(body);
    if (!parsed.success) {
      throw new OpsAgentError(
        'SIGNAL_API_INVALID',
        'signal-cli-rest-api answered a send without a timestamp',
        {
          category: 'third-party',
        },
      );
    }
    const stamps = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    return {
      timestamp: Number(stamps[0]!.timestamp),
      failed: stamps.flatMap((s) => s.errors?.recipients ?? []),
    };
  }

  /** Starts (`PUT`) or stops (`DELETE`) the typing indicator for a recipient. */
  async typing(recipient: string, on: boolean): Promise<void> {
    await this.request(
      on ? 'PUT' : 'DELETE',
      `/v1/typing-indicator/${encodeURIComponent(this.options.number)}`,
      {
        recipient,
      },
    );
  }

  /** `GET /v1/receive/<number>` in normal/native mode: waits up to `timeoutSeconds`, returns the frames. */
  async receive(timeoutSeconds: number, signal: AbortSignal): Promise<unknown[]> {
    const path = `/v1/receive/${encodeURIComponent(this.options.number)}?timeout=${timeoutSeconds}`;
    const body = await this.request(
      'GET',
      path,
      undefined,
      signal,
      'SIGNAL_RECEIVE_FAILED',
      (timeoutSeconds + 30) * 1000,
    );
    if (!Array.isArray(body)) {
      throw new OpsAgentError(
        'SIGNAL_API_INVALID',
        'signal-cli-rest-api answered a receive poll without a JSON array',
        {
          category: 'third-party',
          retryable: true,
        },
      );
    }
    return body;
  }

  /** The WebSocket URL of `/v1/receive/<number>`. */
  receiveSocketUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/v1/receive/${encodeURIComponent(this.options.number)}`;
  }

  private async request(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
    unreachableCode = 'SIGNAL_REQUEST_FAILED',
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : causeText(error);
      throw new OpsAgentError(
        unreachableCode,
        `cannot reach signal-cli-rest-api at ${this.url} (${method} ${path.split('?')[0]}: ${why}); is it running, and is SIGNAL_API_URL right?`,
        { category: 'third-party', retryable: true, cause: error },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = text;
    }
    if (!res.ok) {
      const detail = errorBodySchema.safeParse(json);
      let message = detail.success ? detail.data.error : text.slice(0, 200) || res.statusText;
      if (res.status === 429) {
        message += `; Signal rate-limited ${this.options.number}: wait, or solve the challenge (POST /v1/accounts/<number>/rate-limit-challenge)`;
      }
      const retryAfterMs =
        res.status === 429
          ? parseRetryAfter(res.headers.get('retry-after'), this.now())
          : undefined;
      throw new OpsAgentError(
        res.status === 429 ? 'SIGNAL_RATE_LIMITED' : 'SIGNAL_REQUEST_FAILED',
        `signal-cli-rest-api ${method} ${path.split('?')[0]} failed with HTTP ${res.status}: ${message}`,
        {
          category: res.status >= 500 || res.status === 429 ? 'third-party' : 'user',
          retryable: res.status >= 500 || res.status === 429,
          details: {
            status: res.status,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
        },
      );
    }
    return json;
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { cause?: { code?: string } } } | undefined)?.cause?.cause;
  return cause?.code === 'ECONNREFUSED';
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? errorMessage(error);
}
