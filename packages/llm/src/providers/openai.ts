import {
  type LanguageModel,
  type Logger,
  type ModelMessage,
  type ModelRequest,
  type ModelResponse,
  resolveSecret,
  type StopReason,
  type ToolCall,
} from '@opsagent/core';
import OpenAI from 'openai';
import { type SdkErrorClasses, sdkLogger, toLlmError } from './provider-errors.js';

/** Options of {@link createOpenAIModel}. */
export interface OpenAIModelOptions {
  /** Model id, e.g. `gpt-4.1` or a local model such as `qwen3:8b`. */
  model: string;
  /** API key; else `OPENAI_API_KEY`; with a custom base URL and no key, a placeholder. */
  apiKey?: string;
  /**
   * Base URL including `/v1`; else `OPENAI_BASE_URL`, else `https://api.openai.com/v1`.
   * Ollama: `http://localhost:11434/v1`; vLLM: `http://host:8000/v1`.
   */
  baseURL?: string;
  /** SDK retries per request; default 0 (the router retries and falls back). */
  maxRetries?: number;
  /** Time allowed for one request; default 120 s. */
  timeoutMs?: number;
  /** Output tokens when the request names none; default 4096. */
  maxOutputTokens?: number;
  /**
   * Body field for the output limit: `max_completion_tokens` (OpenAI; required by reasoning
   * models) or `max_tokens` (what most compatible servers know). Default: the first for
   * api.openai.com, the second for any other base URL.
   */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens';
  /** Provider prefix of the model name; default `openai` (e.g. `ollama` for a local server). */
  provider?: string;
  /** fetch used by the SDK (tests, proxies). */
  fetch?: typeof fetch;
  /** Environment for the key and base URL; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives SDK warnings (never stdout); default: SDK logging off. */
  logger?: Logger;
  /** Config path named in the missing-key error; default `plugins.llm.providers.openai.apiKey`. */
  configPath?: string;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Sent as the key to servers that need none (Ollama, vLLM, LM Studio ignore it). */
const PLACEHOLDER_KEY = 'opsagent-no-key';
const ERROR_CLASSES: SdkErrorClasses = OpenAI;

function stopReason(reason: string | null | undefined, hasCalls: boolean): StopReason {
  if (hasCalls) return 'tool_calls';
  switch (reason) {
    case 'stop':
      return 'end';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    default:
      return 'other';
  }
}

/**
 * Tool-call arguments as the model wrote them: the parsed JSON object, or, when they are not a
 * JSON object (local models produce truncated or unquoted JSON), `{}` with an `error` that the
 * runtime sends back to the model as a correctable tool error.
 */
export function parseToolArguments(raw: string): { input: unknown; error?: string } {
  if (raw.trim() === '') return { input: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { input: {}, error: `not valid JSON: ${reason}; received ${clip(raw)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { input: {}, error: `expected a JSON object, received ${clip(raw)}` };
  }
  return { input: value };
}

function clip(raw: string): string {
  return JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
}

/** Our messages as Chat Completions messages (one `tool` message per result). */
export function toOpenAIMessages(
  system: string,
  messages: readonly ModelMessage[],
): OpenAI.ChatCompletionMessageParam[] {
  const out: OpenAI.ChatCompletionMessageParam[] = [];
  if (system !== '') out.push({ role: 'system', content: system });
  for (const message of messages) {
    if (message.role === 'user') {
      out.push({ role: 'user', content: message.content });
    } else if (message.role === 'assistant') {
      const calls = message.toolCalls ?? [];
      out.push({
        role: 'assistant',
        content: message.content === '' && calls.length > 0 ? null : message.content,
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) },
              })),
            }
          : {}),
      });
    } else {
      for (const result of message.results) {
        out.push({
          role: 'tool',
          tool_call_id: result.callId,
          content: result.isError ? `Error: ${result.output}` : result.output,
        });
      }
    }
  }
  return out;
}

/** The Chat Completions body for one request. */
export function openAIRequestBody(
  request: ModelRequest,
  options: Pick<OpenAIModelOptions, 'model' | 'maxOutputTokens'> & {
    maxTokensField: 'max_completion_tokens' | 'max_tokens';
  },
): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const maxTokens = request.maxOutputTokens ?? options.maxOutputTokens ?? 4096;
  return {
    model: options.model,
    messages: toOpenAIMessages(request.system, request.messages),
    [options.maxTokensField]: maxTokens,
    // Omitted when empty: some compatible servers reject `tools: []`.
    ...(request.tools.length > 0
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: {
              name: tool.name,
              description: tool.description,
              parameters: tool.inputSchema,
            },
          })),
        }
      : {}),
  };
}

/** Our response from a Chat Completions response. */
export function fromOpenAICompletion(completion: OpenAI.ChatCompletion): ModelResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const toolCalls: ToolCall[] = [];
  for (const [index, call] of (message?.tool_calls ?? []).entries()) {
    if (call.type !== 'function' && call.type !== undefined) continue;
    const fn = (call as OpenAI.ChatCompletionMessageFunctionToolCall).function;
    const args = parseToolArguments(fn.arguments ?? '');
    toolCalls.push({
      // Some compatible servers omit ids; the loop needs one to pair results.
      id: call.id || `call_${index}`,
      name: fn.name,
      input: args.input,
      ...(args.error !== undefined ? { inputError: args.error } : {}),
    });
  }
  const refusal = message?.refusal;
  const cached = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const prompt = completion.usage?.prompt_tokens ?? 0;
  return {
    text: message?.content ?? refusal ?? '',
    toolCalls,
    stopReason: refusal ? 'refusal' : stopReason(choice?.finish_reason, toolCalls.length > 0),
    usage: {
      inputTokens: Math.max(0, prompt - cached),
      outputTokens: completion.usage?.completion_tokens ?? 0,
      cachedInputTokens: cached,
    },
    model: completion.model,
  };
}

/**
 * A {@link LanguageModel} on the Chat Completions API (`openai` SDK, non-streaming, function
 * calling), so it also drives OpenAI-compatible servers (Ollama, vLLM, LM Studio) via `baseURL`.
 * Throws `SECRET_MISSING` at creation when no key is configured for api.openai.com.
 */
export function createOpenAIModel(options: OpenAIModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const baseURL = options.baseURL || env.OPENAI_BASE_URL || undefined;
  const secret = {
    value: options.apiKey,
    env: ['OPENAI_API_KEY'],
    configPath: options.configPath ?? 'plugins.llm.providers.openai.apiKey',
    description: 'OpenAI API key',
  };
  const apiKey =
    baseURL === undefined
      ? resolveSecret(secret, env)
      : options.apiKey || env.OPENAI_API_KEY || PLACEHOLDER_KEY;
  const provider = options.provider ?? 'openai';
  const maxTokensField =
    options.maxTokensField ??
    (baseURL === undefined || new URL(baseURL).hostname === 'api.openai.com'
      ? 'max_completion_tokens'
      : 'max_tokens');
  const client = new OpenAI({
    apiKey,
    // Always explicit, so the SDK reads neither from process.env behind our back.
    baseURL: baseURL ?? DEFAULT_BASE_URL,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.logger ? { logger: sdkLogger(options.logger) } : { logLevel: 'off' as const }),
  });
  const bodyOptions = { ...options, maxTokensField };
  return {
    name: `${provider}:${options.model}`,
    async generate(request) {
      const body = openAIRequestBody(request, bodyOptions);
      try {
        const completion = await client.chat.completions.create(
          body,
          request.signal ? { signal: request.signal } : undefined,
        );
        return fromOpenAICompletion(completion);
      } catch (error) {
        throw toLlmError(error, {
          provider,
          model: options.model,
          classes: ERROR_CLASSES,
          ...(request.signal ? { signal: request.signal } : {}),
        });
      }
    },
  };
}
