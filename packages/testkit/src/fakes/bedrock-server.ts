import {
  type FakeHttpReply,
  type HttpFake,
  jsonReply,
  type RecordedRequest,
  startHttpFake,
} from './http-fake.js';

/** A tool call in a scripted Converse reply (a `toolUse` content block). */
export interface FakeBedrockToolUse {
  /** Defaults to `tooluse_fake_<n>`. */
  toolUseId?: string;
  name: string;
  /** The input document; sent as JSON. */
  input?: unknown;
}

/** Token usage in a scripted reply (wire names of `TokenUsage`). */
export interface FakeBedrockUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** A scripted Converse answer. */
export interface FakeBedrockMessage {
  /** A `reasoningContent` block sent first (extended thinking). */
  reasoning?: string;
  /** A `text` block, sent before the tool uses. */
  text?: string;
  /** `toolUse` blocks (several = parallel tool calls). */
  toolUses?: FakeBedrockToolUse[];
  /** Defaults to `tool_use` when there are tool uses, else `end_turn`. */
  stopReason?: string;
  usage?: FakeBedrockUsage;
  /** Waits this long before answering (the client may abort meanwhile). */
  delayMs?: number;
}

/**
 * A scripted error, e.g. `{ status: 429, type: 'ThrottlingException' }`. Sent the restJson1 way:
 * the status, header `x-amzn-errortype: <type>:<namespace>` and body `{"message": ...}`.
 */
export interface FakeBedrockError {
  status: number;
  /** Error shape name; derived from the status when not given. */
  type?: string;
  message?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** One step of the script: an answer, an error, or a function of the request. */
export type FakeBedrockStep =
  | FakeBedrockMessage
  | { error: FakeBedrockError }
  | ((request: RecordedRequest) => FakeBedrockMessage | { error: FakeBedrockError });

/** A fake Amazon Bedrock runtime (`POST /model/{modelId}/converse`, non-streaming). */
export type FakeBedrockServer = HttpFake<FakeBedrockStep>;

/** Error shapes Bedrock runtime's Converse declares, by the HTTP status it sends them with. */
const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};
const ERROR_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;

let counter = 0;

/** The model id a recorded Converse request was for (the path segment, decoded). */
export function bedrockModelIdOf(request: RecordedRequest): string | undefined {
  const match = CONVERSE_PATH.exec(request.path.split('?')[0] ?? '');
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

function errorReply(error: FakeBedrockError, requestId: string): FakeHttpReply {
  const type = error.type ?? ERROR_TYPES[error.status] ?? 'InternalServerException';
  return jsonReply(
    error.status,
    { message: error.message ?? `fake bedrock ${type}` },
    {
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': `${type}:${ERROR_NAMESPACE}`,
      ...error.headers,
    },
  );
}

function converseBody(step: FakeBedrockMessage): unknown {
  const content: unknown[] = [];
  if (step.reasoning !== undefined) {
    content.push({
      reasoningContent: { reasoningText: { text: step.reasoning, signature: 'fake-signature' } },
    });
  }
  if (step.text !== undefined && step.text !== '') content.push({ text: step.text });
  for (const use of step.toolUses ?? []) {
    content.push({
      toolUse: {
        toolUseId: use.toolUseId ?? `tooluse_fake_${++counter}`,
        name: use.name,
        input: use.input ?? {},
      },
    });
  }
  const usage = { inputTokens: 10, outputTokens: 5, ...step.usage };
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: step.stopReason ?? (step.toolUses?.length ? 'tool_use' : 'end_turn'),
    usage: {
      ...usage,
      totalTokens:
        usage.inputTokens +
        usage.outputTokens +
        (usage.cacheReadInputTokens ?? 0) +
        (usage.cacheWriteInputTokens ?? 0),
    },
    metrics: { latencyMs: step.delayMs ?? 1 },
  };
}

/**
 * Starts a fake Bedrock runtime on 127.0.0.1, speaking HTTP/2 over cleartext like the SDK's
 * default handler (prior knowledge, so `http://` endpoints work). Point `BedrockRuntimeClient` at `url` (its
 * `endpoint`, or `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`) with any credentials: the SigV4 signature is
 * not verified, but a request without an `AWS4-HMAC-SHA256` authorization header gets 403
 * (`MissingAuthenticationTokenException`), as the real service answers. Each Converse call takes
 * the next scripted step; an empty script answers 500.
 */
export function startFakeBedrockServer(steps: FakeBedrockStep[] = []): Promise<FakeBedrockServer> {
  return startHttpFake<FakeBedrockStep>({
    steps,
    basePath: '',
    // The SDK's default request handler for Bedrock runtime is HTTP/2 (NodeHttp2Handler).
    protocol: 'h2c',
    accepts: (request) => request.method === 'POST' && bedrockModelIdOf(request) !== undefined,
    handle: (next, request) => {
      const requestId = `fake-${++counter}`;
      if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
        return {
          reply: errorReply(
            {
              status: 403,
              type: 'MissingAuthenticationTokenException',
              message: 'Missing Authentication Token',
            },
            requestId,
          ),
        };
      }
      if (next === undefined) {
        return {
          reply: errorReply(
            { status: 500, message: 'fake bedrock server: no scripted response' },
            requestId,
          ),
        };
      }
      const step = typeof next === 'function' ? next(request) : next;
      if ('error' in step) {
        return { delayMs: step.error.delayMs, reply: errorReply(step.error, requestId) };
      }
      return {
        delayMs: step.delayMs,
        reply: jsonReply(200, converseBody(step), { 'x-amzn-requestid': requestId }),
      };
    },
  });
}
