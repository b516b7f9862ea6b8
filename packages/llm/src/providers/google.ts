import {
  ApiError,
  type Content,
  type FunctionDeclaration,
  type GenerateContentConfig,
  type GenerateContentResponse,
  GoogleGenAI,
  type Part,
} from '@google/genai';
import type {
  LanguageModel,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  StopReason,
  ToolCall,
  ToolCallResult,
  ToolDefinition,
} from '@opsagent/core';
import {
  errorMessage,
  isOpsAgentError,
  type OpsAgentError,
  resolveSecret,
  shortId,
} from '@opsagent/core';
import { type LlmErrorCode, llmError } from '../errors.js';

const PROVIDER = 'google';
/** Where the SDK goes when no base URL is configured. */
const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
/** Default bound on one request: long enough for a diagnosis with thinking. */
const DEFAULT_TIMEOUT_MS = 300_000;
/** Prefix of the ids we make up for function calls that came without one; never sent back. */
const SYNTHETIC_ID_PREFIX = 'gemini-call-';
/** Google's documented stand-in when a Gemini 3 function call is replayed without its signature. */
const SKIP_SIGNATURE = 'skip_thought_signature_validator';
/** How many thought signatures one model instance remembers for replay. */
const MAX_SIGNATURES = 2_000;

/** Options of {@link createGoogleModel}. */
export interface GoogleModelOptions {
  /** Model id, e.g. `gemini-2.5-flash`. */
  model: string;
  /** API key; else `GOOGLE_API_KEY`, then `GEMINI_API_KEY` (the SDK's order). */
  apiKey?: string;
  /** Base URL without the version, e.g. `http://127.0.0.1:8080`; else `GOOGLE_GEMINI_BASE_URL`. */
  baseURL?: string;
  /** API version path segment; the SDK's default (`v1` in 3.x) when not given. */
  apiVersion?: string;
  /** Bound on one request in milliseconds (default 300 000); exceeding it gives `LLM_TIMEOUT`. */
  timeoutMs?: number;
  /** Environment for the key and base URL (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Fetch implementation for the SDK (tests, proxies). */
  fetch?: typeof fetch;
}

/**
 * A {@link LanguageModel} backed by the Gemini API through `@google/genai` (`generateContent`,
 * function declarations, no streaming). Failures reject with the coded errors of `../errors.ts`.
 */
export function createGoogleModel(options: GoogleModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const apiKey = resolveSecret(
    {
      value: options.apiKey,
      env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
      configPath: 'plugins.llm.providers.google.apiKey',
      description: 'Google Gemini API key',
    },
    env,
  );
  const baseUrl = options.baseURL || env.GOOGLE_GEMINI_BASE_URL?.trim() || DEFAULT_BASE_URL;
  const client = new GoogleGenAI({
    apiKey,
    // Never Vertex AI, whatever GOOGLE_GENAI_USE_VERTEXAI says: this is the Gemini API provider.
    vertexai: false,
    httpOptions: {
      baseUrl,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  });
  const signatures = new SignatureMemory(MAX_SIGNATURES);
  const needsSignatures = isGemini3OrLater(options.model);

  const name = `${PROVIDER}:${options.model}`;
  return {
    name,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      if (request.signal?.aborted) {
        throw llmError('LLM_ABORTED', `${name}: request aborted before it was sent`, {
          provider: PROVIDER,
          cause: request.signal.reason,
        });
      }
      const config: GenerateContentConfig = {};
      if (request.system) config.systemInstruction = request.system;
      if (request.tools.length > 0) {
        config.tools = [{ functionDeclarations: request.tools.map(toFunctionDeclaration) }];
      }
      if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
      if (request.signal) config.abortSignal = request.signal;

      let response: GenerateContentResponse;
      try {
        response = await client.models.generateContent({
          model: options.model,
          contents: toContents(request.messages, signatures, needsSignatures),
          config,
        });
      } catch (error) {
        throw toLlmError(error, name, request.signal);
      }
      return fromResponse(response, options.model, signatures);
    },
  };
}

/** Our tool definition as a Gemini function declaration; the schema goes as plain JSON Schema. */
export function toFunctionDeclaration(tool: ToolDefinition): FunctionDeclaration {
  // `parameters` takes Google's OpenAPI subset; `parametersJsonSchema` takes JSON Schema as is.
  const { $schema: _ignored, ...schema } = tool.inputSchema;
  return { name: tool.name, description: tool.description, parametersJsonSchema: schema };
}

/** Normalised messages as Gemini `contents`; adjacent turns of one role are merged. */
function toContents(
  messages: readonly ModelMessage[],
  signatures: SignatureMemory,
  needsSignatures: boolean,
): Content[] {
  const contents: Content[] = [];
  const push = (role: 'user' | 'model', parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };
  let lastCalls: readonly ToolCall[] = [];
  for (const message of messages) {
    if (message.role === 'user') {
      push('user', message.content ? [{ text: message.content }] : []);
    } else if (message.role === 'assistant') {
      const parts: Part[] = message.content ? [{ text: message.content }] : [];
      lastCalls = message.toolCalls ?? [];
      lastCalls.forEach((call, index) => {
        const part: Part = {
          functionCall: { ...wireId(call.id), name: call.name, args: asArgs(call.input) },
        };
        const signature =
          signatures.get(call.id) ?? (needsSignatures && index === 0 ? SKIP_SIGNATURE : undefined);
        if (signature) part.thoughtSignature = signature;
        parts.push(part);
      });
      push('model', parts);
    } else {
      push('user', orderLike(message.results, lastCalls).map(toFunctionResponse));
    }
  }
  return contents;
}

function toFunctionResponse(result: ToolCallResult): Part {
  return {
    functionResponse: {
      ...wireId(result.callId),
      name: result.name,
      // Gemini reads `output` as the result and `error` as a failure.
      response: result.isError ? { error: result.output } : { output: result.output },
    },
  };
}

/** Results in the order of the calls they answer (Gemini pairs unnamed calls by position). */
function orderLike(
  results: readonly ToolCallResult[],
  calls: readonly ToolCall[],
): ToolCallResult[] {
  const rank = new Map(calls.map((call, index) => [call.id, index]));
  return [...results].sort(
    (a, b) =>
      (rank.get(a.callId) ?? Number.MAX_SAFE_INTEGER) -
      (rank.get(b.callId) ?? Number.MAX_SAFE_INTEGER),
  );
}

/** The id to put on the wire: Gemini's own ids go back, made-up ones do not. */
function wireId(id: string): { id?: string } {
  return id.startsWith(SYNTHETIC_ID_PREFIX) ? {} : { id };
}

function asArgs(input: unknown): Record<string, unknown> {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    return input as Record<string, unknown>;
  }
  return input === undefined ? {} : { value: input };
}

function fromResponse(
  response: GenerateContentResponse,
  model: string,
  signatures: SignatureMemory,
): ModelResponse {
  const candidate = response.candidates?.[0];
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.functionCall) {
      const id = part.functionCall.id || syntheticId();
      toolCalls.push({
        id,
        name: part.functionCall.name ?? '',
        input: part.functionCall.args ?? {},
      });
      if (part.thoughtSignature) signatures.set(id, part.thoughtSignature);
    } else if (part.text && !part.thought) {
      text += part.text;
    }
  }
  const usage = response.usageMetadata;
  const cached = usage?.cachedContentTokenCount ?? 0;
  return {
    text,
    toolCalls,
    stopReason: stopReason(candidate?.finishReason, toolCalls.length > 0, response),
    usage: {
      inputTokens: Math.max(
        0,
        (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0) - cached,
      ),
      outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      ...(cached > 0 ? { cachedInputTokens: cached } : {}),
    },
    model: response.modelVersion ?? model,
  };
}

/** A made-up call id for a call Gemini sent without one; it stays with the call in history. */
function syntheticId(): string {
  return `${SYNTHETIC_ID_PREFIX}${shortId(10)}`;
}

function stopReason(
  finishReason: string | undefined,
  hasCalls: boolean,
  response: GenerateContentResponse,
): StopReason {
  if (hasCalls) return 'tool_calls';
  if (finishReason === undefined) return response.promptFeedback?.blockReason ? 'refusal' : 'other';
  switch (finishReason) {
    case 'STOP':
      return 'end';
    case 'MAX_TOKENS':
      return 'max_tokens';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'refusal';
    default:
      return 'other';
  }
}

/**
 * The coded error for what the SDK or fetch threw. Anything else (a bug, the SDK refusing a
 * request shape client-side) is returned unchanged, so a programming error never looks like an
 * outage (as in `provider-errors.ts`).
 */
function toLlmError(error: unknown, at: string, signal?: AbortSignal): unknown {
  if (isOpsAgentError(error)) return error;
  const provider = PROVIDER;
  if (signal?.aborted) {
    return llmError('LLM_ABORTED', `${at}: request aborted`, { provider, cause: error });
  }
  if (error instanceof ApiError) return fromApiError(error, at);
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return llmError('LLM_TIMEOUT', `${at}: request timed out`, { provider, cause: error });
  }
  if (error instanceof TypeError || hasSystemCode(error)) {
    return llmError('LLM_NETWORK', `${at}: connection failed: ${causeMessage(error)}`, {
      provider,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return llmError('LLM_SERVER_ERROR', `${at}: unreadable response: ${error.message}`, {
      provider,
      cause: error,
    });
  }
  return error;
}

/** Google's error body, which the SDK embeds as JSON in `ApiError.message`. */
interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; reason?: string; retryDelay?: string }>;
  };
}

function fromApiError(error: ApiError, at: string): OpsAgentError {
  const status = error.status;
  const body = parseBody(error.message);
  const detail = body.error?.message ?? error.message;
  const grpcStatus = body.error?.status ?? '';
  const reasons = (body.error?.details ?? []).map((d) => d.reason ?? '');
  const message = `${at}: ${status}${grpcStatus ? ` ${grpcStatus}` : ''}: ${detail}`;
  const options = { provider: PROVIDER, status, cause: error };

  let code: LlmErrorCode;
  if (status === 429) {
    const retryAfterMs = retryDelayMs(body);
    return llmError('LLM_RATE_LIMITED', message, {
      ...options,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 401 || status === 403 || reasons.includes('API_KEY_INVALID')) code = 'LLM_AUTH';
  else if (status === 503 || /overloaded/i.test(detail)) code = 'LLM_OVERLOADED';
  else if (status === 408 || status === 504) code = 'LLM_TIMEOUT';
  else if (status >= 500) code = 'LLM_SERVER_ERROR';
  else code = 'LLM_BAD_REQUEST';
  return llmError(code, message, options);
}

function parseBody(message: string): GoogleErrorBody {
  try {
    const parsed: unknown = JSON.parse(message);
    return parsed !== null && typeof parsed === 'object' ? (parsed as GoogleErrorBody) : {};
  } catch {
    return {};
  }
}

/** `RetryInfo.retryDelay` (a protobuf Duration such as `"37s"` or `"1.5s"`) in milliseconds. */
function retryDelayMs(body: GoogleErrorBody): number | undefined {
  for (const detail of body.error?.details ?? []) {
    if (!detail['@type']?.endsWith('google.rpc.RetryInfo') || !detail.retryDelay) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay.trim());
    if (match?.[1]) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

function hasSystemCode(error: unknown): boolean {
  return (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** `fetch failed` alone says little; the cause (ECONNREFUSED, ...) says what happened. */
function causeMessage(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined
    ? errorMessage(error)
    : `${errorMessage(error)} (${errorMessage(cause)})`;
}

/** True for model ids whose function calls need thought signatures replayed. */
function isGemini3OrLater(model: string): boolean {
  const match = /^(?:models\/)?gemini-(\d+)/.exec(model);
  return match?.[1] !== undefined && Number(match[1]) >= 3;
}

/** Thought signatures by call id, oldest dropped first. */
class SignatureMemory {
  readonly #max: number;
  readonly #byId = new Map<string, string>();

  constructor(max: number) {
    this.#max = max;
  }

  get(id: string): string | undefined {
    return this.#byId.get(id);
  }

  set(id: string, signature: string): void {
    this.#byId.set(id, signature);
    if (this.#byId.size > this.#max) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
  }
}
