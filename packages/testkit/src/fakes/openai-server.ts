import {
  type FakeHttpError,
  type HttpFake,
  jsonReply,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.js';

/** A tool call in a scripted Chat Completions reply. */
export interface FakeOpenAIToolCall {
  /** Defaults to `call_fake_<n>`. */
  id?: string;
  name: string;
  /** Arguments object, JSON-encoded on the wire. */
  input?: unknown;
  /** Raw `arguments` string, sent as is (e.g. malformed JSON); wins over `input`. */
  arguments?: string;
}

/** Token usage in a scripted reply (wire names). */
export interface FakeOpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  cached_tokens?: number;
}

/** A scripted Chat Completions answer. */
export interface FakeOpenAIMessage {
  text?: string;
  /** Tool calls (several = parallel tool calls). */
  toolCalls?: FakeOpenAIToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  usage?: FakeOpenAIUsage;
  /** Defaults to the request's model. */
  model?: string;
  /** Waits this long before answering (the client may abort meanwhile). */
  delayMs?: number;
}

/** A scripted HTTP error, e.g. `{ status: 429, headers: { 'retry-after': '7' } }`. */
export interface FakeOpenAIError extends FakeHttpError {
  /** Body `error.type` / `error.code`, when `body` is not given. */
  type?: string;
  code?: string;
  message?: string;
  delayMs?: number;
}

/** One step of the script: an answer, an error, or a function of the request. */
export type FakeOpenAIStep =
  | FakeOpenAIMessage
  | { error: FakeOpenAIError }
  | ((request: RecordedRequest) => FakeOpenAIMessage | { error: FakeOpenAIError });

/** A fake OpenAI(-compatible) Chat Completions API (`POST /v1/chat/completions`, non-streaming). */
export type FakeOpenAIServer = HttpFake<FakeOpenAIStep>;

let counter = 0;

function completionBody(step: FakeOpenAIMessage, request: RecordedRequest): unknown {
  const requested = (request.body as { model?: unknown } | undefined)?.model;
  const toolCalls = (step.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_fake_${++counter}`,
    type: 'function',
    function: { name: call.name, arguments: call.arguments ?? JSON.stringify(call.input ?? {}) },
  }));
  const usage = { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 0, ...step.usage };
  return {
    id: `chatcmpl-fake-${++counter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: step.model ?? (typeof requested === 'string' ? requested : 'gpt-fake'),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: step.text ?? null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: step.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
    usage: {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens },
    },
  };
}

/**
 * Starts a fake OpenAI-compatible server on 127.0.0.1. Point the SDK at `url` (its `baseURL`,
 * ending in `/v1`). Each `POST /v1/chat/completions` takes the next scripted step; an empty script
 * answers 500.
 */
export function startFakeOpenAIServer(steps: FakeOpenAIStep[] = []): Promise<FakeOpenAIServer> {
  return startHttpFake<FakeOpenAIStep>({
    steps,
    basePath: '/v1',
    accepts: (request) =>
      request.method === 'POST' && request.path.startsWith('/v1/chat/completions'),
    // `GET /v1/models` (what `opsagent doctor` calls), without consuming a step.
    fixed: (request) =>
      request.method === 'GET' && request.path.split('?')[0] === '/v1/models'
        ? jsonReply(200, {
            object: 'list',
            data: [{ id: 'gpt-fake', object: 'model', created: 0, owned_by: 'opsagent-fake' }],
          })
        : undefined,
    handle: (next, request) => {
      const requestId = { 'x-request-id': `req_fake_${++counter}` };
      if (next === undefined) {
        return {
          reply: jsonReply(
            500,
            {
              error: {
                message: 'fake openai server: no scripted response',
                type: 'server_error',
                param: null,
                code: null,
              },
            },
            requestId,
          ),
        };
      }
      const step = typeof next === 'function' ? next(request) : next;
      if ('error' in step) {
        const { status, headers, body, type, code, message, delayMs } = step.error;
        return {
          delayMs,
          reply: jsonReply(
            status,
            body ?? {
              error: {
                message: message ?? `fake error ${status}`,
                type: type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
                param: null,
                code: code ?? (status === 429 ? 'rate_limit_exceeded' : null),
              },
            },
            { ...requestId, ...headers },
          ),
        };
      }
      return {
        delayMs: step.delayMs,
        reply: jsonReply(200, completionBody(step, request), requestId),
      };
    },
  });
}
