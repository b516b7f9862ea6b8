import Anthropic from '@anthropic-ai/sdk';
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
import { inputObject, type SdkErrorClasses, sdkLogger, toLlmError } from './provider-errors.js';

/** Options of {@link createAnthropicModel}. */
export interface AnthropicModelOptions {
  /** Model id, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** API key; else `ANTHROPIC_API_KEY`. */
  apiKey?: string;
  /** Base URL without `/v1`; else `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`. */
  baseURL?: string;
  /** SDK retries per request; default 0 (the router retries and falls back). */
  maxRetries?: number;
  /** Time allowed for one request; default 120 s. */
  timeoutMs?: number;
  /** Output tokens when the request names none; default 4096. */
  maxOutputTokens?: number;
  /**
   * Extended thinking for `diagnosis` requests without tools. Default: on with 4096 budget tokens
   * for models that support it (Claude 3.7 Sonnet, Claude 4 and later); `false` turns it off.
   */
  thinking?: { budgetTokens: number } | false;
  /** fetch used by the SDK (tests, proxies). */
  fetch?: typeof fetch;
  /** Environment for the key and base URL; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives SDK warnings (never stdout); default: SDK logging off. */
  logger?: Logger;
  /** Config path named in the missing-key error; default `plugins.llm.providers.anthropic.apiKey`. */
  configPath?: string;
}

const PROVIDER = 'anthropic';
const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const THINKING_MODELS = /^claude-(?:3-7-sonnet|(?:opus|sonnet|haiku)-(?:[4-9]|\d{2})|mythos)/;
const ERROR_CLASSES: SdkErrorClasses = Anthropic;

/** True when `model` accepts `thinking: {type:'enabled'}`. */
export function anthropicSupportsThinking(model: string): boolean {
  return THINKING_MODELS.test(model);
}

function stopReason(reason: string | null): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'end';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}

function text(value: string): Anthropic.TextBlockParam {
  return { type: 'text', text: value === '' ? '(empty)' : value };
}

/**
 * Our messages as Messages API turns. Tool results become one user message of `tool_result`
 * blocks; consecutive same-role turns are merged (tool results first, as the API requires).
 * With `inlineTools`, tool calls and results are written as text instead: the API rejects
 * `tool_use` blocks in a request that defines no tools (the agent's final, tool-less round).
 */
export function toAnthropicMessages(
  messages: readonly ModelMessage[],
  inlineTools = false,
): Anthropic.MessageParam[] {
  const out: Array<{ role: 'user' | 'assistant'; content: Anthropic.ContentBlockParam[] }> = [];
  const add = (role: 'user' | 'assistant', blocks: Anthropic.ContentBlockParam[]) => {
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    if (message.role === 'user') {
      add('user', [text(message.content)]);
    } else if (message.role === 'assistant') {
      const calls = message.toolCalls ?? [];
      const blocks: Anthropic.ContentBlockParam[] = [];
      if (message.content !== '' || calls.length === 0) blocks.push(text(message.content));
      for (const call of calls) {
        blocks.push(
          inlineTools
            ? text(`[called tool ${call.name} with ${JSON.stringify(call.input ?? {})}]`)
            : { type: 'tool_use', id: call.id, name: call.name, input: inputObject(call.input) },
        );
      }
      add('assistant', blocks);
    } else {
      add(
        'user',
        message.results.map(
          (result): Anthropic.ContentBlockParam =>
            inlineTools
              ? text(
                  `<tool_result name="${result.name}"${result.isError ? ' error="true"' : ''}>\n${result.output}\n</tool_result>`,
                )
              : {
                  type: 'tool_result',
                  tool_use_id: result.callId,
                  content: result.output,
                  is_error: result.isError,
                },
        ),
      );
    }
  }
  return out;
}

/** The Messages API body for one request (system and last tool marked for prompt caching). */
export function anthropicRequestBody(
  request: ModelRequest,
  options: Pick<AnthropicModelOptions, 'model' | 'maxOutputTokens' | 'thinking'>,
): Anthropic.MessageCreateParamsNonStreaming {
  const maxTokens = request.maxOutputTokens ?? options.maxOutputTokens ?? 4096;
  const hasTools = request.tools.length > 0;
  const tools: Anthropic.Tool[] = request.tools.map((tool, index) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.inputSchema },
    ...(index === request.tools.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}),
  }));
  const historyHasTools = request.messages.some(
    (m) => m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0),
  );
  const thinking =
    options.thinking === false
      ? undefined
      : (options.thinking ??
        (anthropicSupportsThinking(options.model) ? { budgetTokens: 4096 } : undefined));
  // Thinking blocks would have to be echoed unchanged in a tool loop, and our normalised messages
  // do not carry them, so thinking is used only where no tool loop can follow.
  const think = request.task === 'diagnosis' && thinking !== undefined && !hasTools;
  return {
    model: options.model,
    max_tokens: think && thinking ? maxTokens + thinking.budgetTokens : maxTokens,
    ...(request.system !== ''
      ? { system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }] }
      : {}),
    messages: toAnthropicMessages(request.messages, !hasTools && historyHasTools),
    ...(hasTools ? { tools } : {}),
    ...(think && thinking
      ? { thinking: { type: 'enabled', budget_tokens: thinking.budgetTokens } }
      : {}),
  };
}

/** Our response from a Messages API response. */
export function fromAnthropicMessage(message: Anthropic.Message): ModelResponse {
  const toolCalls: ToolCall[] = [];
  let answer = '';
  for (const block of message.content) {
    if (block.type === 'text') answer += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, name: block.name, input: block.input });
    }
  }
  const usage = message.usage;
  // `input_tokens` counts neither cache reads nor cache writes: each is billed at its own price.
  const written = usage.cache_creation_input_tokens ?? 0;
  return {
    text: answer,
    toolCalls,
    stopReason: stopReason(message.stop_reason),
    usage: {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cachedInputTokens: usage.cache_read_input_tokens ?? 0,
      ...(written > 0 ? { cacheWriteInputTokens: written } : {}),
    },
    model: message.model,
  };
}

/**
 * A {@link LanguageModel} on the Anthropic Messages API (`@anthropic-ai/sdk`, non-streaming).
 * Throws `SECRET_MISSING` at creation when no key is configured.
 */
export function createAnthropicModel(options: AnthropicModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const apiKey = resolveSecret(
    {
      value: options.apiKey,
      env: ['ANTHROPIC_API_KEY'],
      configPath: options.configPath ?? 'plugins.llm.providers.anthropic.apiKey',
      description: 'Anthropic API key',
    },
    env,
  );
  const client = new Anthropic({
    apiKey,
    // Always explicit, so the SDK reads nothing from process.env behind our back.
    baseURL: options.baseURL || env.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.logger ? { logger: sdkLogger(options.logger) } : { logLevel: 'off' as const }),
  });
  return {
    name: `${PROVIDER}:${options.model}`,
    async generate(request) {
      const body = anthropicRequestBody(request, options);
      try {
        // `client.post` rather than `messages.create`: the latter console.warn()s on deprecated
        // model ids on every call, which would land in chat output (PROTOCOLS §7).
        const message = await client.post<Anthropic.Message>('/v1/messages', {
          body,
          ...(request.signal ? { signal: request.signal } : {}),
        });
        return fromAnthropicMessage(message);
      } catch (error) {
        throw toLlmError(error, {
          provider: PROVIDER,
          model: options.model,
          classes: ERROR_CLASSES,
          ...(request.signal ? { signal: request.signal } : {}),
        });
      }
    },
  };
}
