import {
  type FakeHttpError,
  type HttpFake,
  jsonReply,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.js';

/** A tool call in a scripted Anthropic reply. */
export interface FakeAnthropicToolUse {
  /** Defaults to `toolu_fake_<n>`. */
  id?: string;
  name: string;
  input?: unknown;
}

/**
 * Token usage in a scripted reply (wire names). As the API does, the reply always carries the
 * cache counts (0 by default) and `cache_creation`, the writes by TTL (all 5-minute by default).
 */
export interface FakeAnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** A scripted Messages API answer. */
export interface FakeAnthropicMessage {
  /** Text block, sent before the tool_use blocks. */
  text?: string;
  /** A thinking block sent first (with a fake signature). */
  thinking?: string;
  /** tool_use blocks (several = parallel tool calls). */
  toolUses?: FakeAnthropicToolUse[];
  /** Defaults to `tool_use` when there are tool uses, else `end_turn`. */
  stopReason?: string;
  usage?: FakeAnthropicUsage;
  /** Defaults to the request's model. */
  model?: string;
  /** Waits this long before answering (the client may abort meanwhile). */
  delayMs?: number;
}

/** A scripted HTTP error, e.g. `{ status: 429, headers: { 'retry-after': '7' } }`. */
export interface FakeAnthropicError extends FakeHttpError {
  /** Body `error.type`, when `body` is not given; derived from the status otherwise. */
  type?: string;
  /** Body `error.message`, when `body` is not given. */
  message?: string;
  delayMs?: number;
}

/** One step of the script: an answer, an error, or a function of the request. */
export type FakeAnthropicStep =
  | FakeAnthropicMessage
  | { error: FakeAnthropicError }
  | ((request: RecordedRequest) => FakeAnthropicMessage | { error: FakeAnthropicError });

/** A fake Anthropic Messages API (`POST /v1/messages`, non-streaming). */
export type FakeAnthropicServer = HttpFake<FakeAnthropicStep>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

let counter = 0;

function messageBody(step: FakeAnthropicMessage, request: RecordedRequest): unknown {
  const requested = (request.body as { model?: unknown } | undefined)?.model;
  const content: unknown[] = [];
  if (step.thinking !== undefined) {
    content.push({ type: 'thinking', thinking: step.thinking, signature: 'fake-signature' });
  }
  if (step.text !== undefined && step.text !== '') content.push({ type: 'text', text: step.text });
  for (const use of step.toolUses ?? []) {
    content.push({
      type: 'tool_use',
      id: use.id ?? `toolu_fake_${++counter}`,
      name: use.name,
      input: use.input ?? {},
    });
  }
  return {
    id: `msg_fake_${++counter}`,
    type: 'message',
    role: 'assistant',
    model: step.model ?? (typeof requested === 'string' ? requested : 'claude-fake'),
    content,
    stop_reason: step.stopReason ?? (step.toolUses?.length ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ...step.usage,
      cache_creation: step.usage?.cache_creation ?? {
        ephemeral_5m_input_tokens: step.usage?.cache_creation_input_tokens ?? 0,
        ephemeral_1h_input_tokens: 0,
      },
    },
  };
}

/**
 * Starts a fake Anthropic API on 127.0.0.1. Point the SDK at `url` (its `baseURL`, no `/v1`).
 * Each `POST /v1/messages` takes the next scripted step; an empty script answers 500.
 */
export function startFakeAnthropicServer(
  steps: FakeAnthropicStep[] = [],
): Promise<FakeAnthropicServer> {
  return startHttpFake<FakeAnthropicStep>({
    steps,
    basePath: '',
    accepts: (request) => request.method === 'POST' && request.path.startsWith('/v1/messages'),
    // `GET /v1/models` (what `opsagent doctor` calls): one model, without consuming a step.
    fixed: (request) =>
      request.method === 'GET' && request.path.split('?')[0] === '/v1/models'
        ? jsonReply(200, {
            data: [
              {
                type: 'model',
                id: 'claude-sonnet-4-5-20250929',
                display_name: 'Claude Sonnet 4.5',
                created_at: '2025-09-29T00:00:00Z',
              },
            ],
            has_more: false,
            first_id: 'claude-sonnet-4-5-20250929',
            last_id: 'claude-sonnet-4-5-20250929',
          })
        : undefined,
    handle: (next, request) => {
      const requestId = { 'request-id': `req_fake_${++counter}` };
      if (next === undefined) {
        return {
          reply: jsonReply(
            500,
            {
              type: 'error',
              error: { type: 'api_error', message: 'fake anthropic server: no scripted response' },
            },
            requestId,
          ),
        };
      }
      const step = typeof next === 'function' ? next(request) : next;
      if ('error' in step) {
        const { status, headers, body, type, message, delayMs } = step.error;
        return {
          delayMs,
          reply: jsonReply(
            status,
            body ?? {
              type: 'error',
              error: {
                type: type ?? ERROR_TYPES[status] ?? 'api_error',
                message: message ?? `fake error ${status}`,
              },
            },
            { ...requestId, ...headers },
          ),
        };
      }
      return {
        delayMs: step.delayMs,
        reply: jsonReply(200, messageBody(step, request), requestId),
      };
    },
  });
}
