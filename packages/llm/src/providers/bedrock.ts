import {
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type SystemContentBlock,
  type Tool,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import {
  type AwsEnvCredentials,
  awsEnvCredentials,
  awsEnvEndpoint,
  errorMessage,
  isOpsAgentError,
  type LanguageModel,
  type Logger,
  type ModelMessage,
  type ModelRequest,
  type ModelResponse,
  type StopReason,
  type ToolCall,
} from '@opsagent/core';
import { type LlmErrorCode, llmError } from '../errors.js';
import { anthropicSupportsThinking } from './anthropic.js';
import { inputObject, sdkLogger } from './provider-errors.js';

/** AWS credentials given explicitly (else the SDK's default chain: env, profile, SSO, IMDS, ...). */
export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options of {@link createBedrockModel}. */
export interface BedrockModelOptions {
  /** Bedrock model or inference profile id, e.g. `us.anthropic.claude-sonnet-4-5-20250929-v1:0`. */
  model: string;
  /** AWS region; else `AWS_REGION`, then `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string;
  /**
   * Endpoint URL; else `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, then `AWS_ENDPOINT_URL` (from `env`),
   * else the regional AWS endpoint.
   */
  endpoint?: string;
  /**
   * Credentials; else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`) from
   * `env`, else the SDK's default provider chain with the profile and files `env` names
   * (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`), then instance roles.
   */
  credentials?: BedrockCredentials;
  /** SDK attempts per request (1 = no SDK retry); default 1: the router retries and falls back. */
  maxAttempts?: number;
  /** Time allowed for one request; default 120 s. */
  timeoutMs?: number;
  /** Output tokens when the request names none; default 4096. */
  maxOutputTokens?: number;
  /**
   * Extended thinking for `diagnosis` requests without tools (Claude 3.7 Sonnet, Claude 4 and
   * later; sent as `additionalModelRequestFields.thinking`). Default 4096 budget tokens for those
   * models; `false` turns it off.
   */
  thinking?: { budgetTokens: number } | false;
  /**
   * Cache points after the system prompt and the tool definitions. Default: on for Claude models
   * that support prompt caching on Bedrock (3.7 Sonnet, 4 and later), off for others.
   */
  promptCaching?: boolean;
  /**
   * Environment for region, endpoint and credentials; default `process.env`. The SDK client is
   * built from it alone: `process.env` is not consulted when an `env` is given.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives SDK warnings (never stdout); default: SDK logging off. */
  logger?: Logger;
  /** A prebuilt client (tests, custom middleware); the options above that configure one are ignored. */
  client?: BedrockRuntimeClient;
}

/** The SDK's JSON document type (tool inputs and schemas). */
type Json = NonNullable<ToolUseBlock['input']>;

const PROVIDER = 'bedrock';
const DEFAULT_REGION = 'us-east-1';

function stopReason(reason: string | undefined): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'end';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'refusal';
    default:
      return 'other';
  }
}

/** The Claude family part of a Bedrock id: `us.anthropic.claude-sonnet-4-5-2025...` -> `claude-sonnet-4-5-2025...`. */
function claudeName(model: string): string | undefined {
  const match = /(?:^|\.)anthropic\.(claude-[^:]+)/.exec(model);
  return match?.[1];
}

function text(value: string): ContentBlock {
  // Converse rejects blank text blocks.
  return { text: value.trim() === '' ? '(empty)' : value };
}

/**
 * Our messages as Converse messages: tool calls as `toolUse` blocks, results as one user message
 * of `toolResult` blocks, consecutive same-role turns merged (Converse wants them alternating).
 * With `inlineTools`, calls and results are written as text: Converse rejects `toolUse` and
 * `toolResult` blocks in a request without `toolConfig` (the agent's final, tool-less round).
 */
export function toConverseMessages(
  messages: readonly ModelMessage[],
  inlineTools = false,
): Message[] {
  const out: Array<{ role: 'user' | 'assistant'; content: ContentBlock[] }> = [];
  const add = (role: 'user' | 'assistant', blocks: ContentBlock[]) => {
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    if (message.role === 'user') {
      add('user', [text(message.content)]);
    } else if (message.role === 'assistant') {
      const calls = message.toolCalls ?? [];
      const blocks: ContentBlock[] = [];
      if (message.content.trim() !== '' || calls.length === 0) blocks.push(text(message.content));
      for (const call of calls) {
        blocks.push(
          inlineTools
            ? text(`[called tool ${call.name} with ${JSON.stringify(call.input ?? {})}]`)
            : {
                toolUse: {
                  toolUseId: call.id,
                  name: call.name,
                  input: inputObject(call.input) as Json,
                },
              },
        );
      }
      add('assistant', blocks);
    } else {
      add(
        'user',
        message.results.map(
          (result): ContentBlock =>
            inlineTools
              ? text(
                  `<tool_result name="${result.name}"${result.isError ? ' error="true"' : ''}>\n${result.output}\n</tool_result>`,
                )
              : {
                  toolResult: {
                    toolUseId: result.callId,
                    content: [{ text: result.output === '' ? '(empty)' : result.output }],
                    status: result.isError ? 'error' : 'success',
                  },
                },
        ),
      );
    }
  }
  return out;
}

/** The Converse input for one request. */
export function converseInput(
  request: ModelRequest,
  options: Pick<BedrockModelOptions, 'model' | 'maxOutputTokens' | 'thinking' | 'promptCaching'>,
): ConverseCommandInput {
  const claude = claudeName(options.model);
  const modern = claude !== undefined && anthropicSupportsThinking(claude);
  const caching = options.promptCaching ?? modern;
  const maxTokens = request.maxOutputTokens ?? options.maxOutputTokens ?? 4096;
  const hasTools = request.tools.length > 0;
  const historyHasTools = request.messages.some(
    (m) => m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0),
  );
  const thinking =
    options.thinking === false
      ? undefined
      : (options.thinking ?? (modern ? { budgetTokens: 4096 } : undefined));
  // As with the Anthropic API, thinking blocks would have to be replayed in a tool loop, so
  // thinking is used only where no tool loop can follow.
  const think = request.task === 'diagnosis' && thinking !== undefined && !hasTools;
  const system: SystemContentBlock[] =
    request.system === ''
      ? []
      : [
          { text: request.system },
          ...(caching ? [{ cachePoint: { type: 'default' as const } }] : []),
        ];
  const tools: Tool[] = request.tools.map((tool) => ({
    toolSpec: {
      name: tool.name,
      description: tool.description,
      inputSchema: { json: { type: 'object', ...tool.inputSchema } as Json },
    },
  }));
  if (caching && tools.length > 0) tools.push({ cachePoint: { type: 'default' } });
  return {
    modelId: options.model,
    messages: toConverseMessages(request.messages, !hasTools && historyHasTools),
    ...(system.length > 0 ? { system } : {}),
    inferenceConfig: {
      maxTokens: think && thinking ? maxTokens + thinking.budgetTokens : maxTokens,
    },
    ...(hasTools ? { toolConfig: { tools } } : {}),
    ...(think && thinking
      ? {
          additionalModelRequestFields: {
            thinking: { type: 'enabled', budget_tokens: thinking.budgetTokens },
          },
        }
      : {}),
  };
}

/** Our response from a Converse output. */
export function fromConverseOutput(output: ConverseCommandOutput, model: string): ModelResponse {
  const toolCalls: ToolCall[] = [];
  let answer = '';
  for (const block of output.output?.message?.content ?? []) {
    if (block.text !== undefined) answer += block.text;
    else if (block.toolUse !== undefined) {
      toolCalls.push({
        id: block.toolUse.toolUseId ?? `tooluse_${toolCalls.length}`,
        name: block.toolUse.name ?? '',
        input: block.toolUse.input ?? {},
      });
    }
  }
  const usage = output.usage;
  // Converse reports `inputTokens` without the cache reads and writes (`totalTokens` is the sum
  // of all four); each is billed at its own price.
  const written = usage?.cacheWriteInputTokens ?? 0;
  return {
    text: answer,
    toolCalls,
    stopReason: toolCalls.length > 0 ? 'tool_calls' : stopReason(output.stopReason),
    usage: {
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
      cachedInputTokens: usage?.cacheReadInputTokens ?? 0,
      ...(written > 0 ? { cacheWriteInputTokens: written } : {}),
    },
    model,
  };
}

const CODE_BY_NAME: Readonly<Record<string, LlmErrorCode>> = {
  ThrottlingException: 'LLM_RATE_LIMITED',
  ModelNotReadyException: 'LLM_RATE_LIMITED',
  ServiceQuotaExceededException: 'LLM_RATE_LIMITED',
  TooManyRequestsException: 'LLM_RATE_LIMITED',
  ServiceUnavailableException: 'LLM_OVERLOADED',
  InternalServerException: 'LLM_SERVER_ERROR',
  ModelErrorException: 'LLM_SERVER_ERROR',
  ModelStreamErrorException: 'LLM_SERVER_ERROR',
  ModelTimeoutException: 'LLM_TIMEOUT',
  AccessDeniedException: 'LLM_AUTH',
  UnrecognizedClientException: 'LLM_AUTH',
  InvalidSignatureException: 'LLM_AUTH',
  MissingAuthenticationTokenException: 'LLM_AUTH',
  ExpiredTokenException: 'LLM_AUTH',
  IncompleteSignatureException: 'LLM_AUTH',
  CredentialsProviderError: 'LLM_AUTH',
  ValidationException: 'LLM_BAD_REQUEST',
  ResourceNotFoundException: 'LLM_BAD_REQUEST',
  ConflictException: 'LLM_BAD_REQUEST',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

function codeForStatus(status: number): LlmErrorCode {
  if (status === 429) return 'LLM_RATE_LIMITED';
  if (status === 503) return 'LLM_OVERLOADED';
  if (status === 408 || status === 504) return 'LLM_TIMEOUT';
  if (status >= 500) return 'LLM_SERVER_ERROR';
  if (status === 401 || status === 403) return 'LLM_AUTH';
  return 'LLM_BAD_REQUEST';
}

function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('ERR_HTTP2'))) {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an AWS SDK failure to a coded {@link llmError}: by the service error's name, else its
 * HTTP status; socket errors are `LLM_NETWORK`; a missing credential chain is `LLM_AUTH`.
 */
export function toBedrockError(
  error: unknown,
  context: { model: string; signal?: AbortSignal; timedOut?: boolean },
): unknown {
  if (isOpsAgentError(error)) return error;
  const at = `${PROVIDER}:${context.model}`;
  if (context.timedOut) {
    return llmError('LLM_TIMEOUT', `${at}: request timed out`, {
      cause: error,
      provider: PROVIDER,
    });
  }
  if (context.signal?.aborted || (error as { name?: unknown })?.name === 'AbortError') {
    return llmError('LLM_ABORTED', `${at}: request aborted`, { cause: error, provider: PROVIDER });
  }
  const name = (error as { name?: unknown })?.name;
  const status =
    error instanceof BedrockRuntimeServiceException
      ? error.$metadata.httpStatusCode
      : (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const byName = typeof name === 'string' ? CODE_BY_NAME[name] : undefined;
  if (byName !== undefined || typeof status === 'number') {
    const code = byName ?? codeForStatus(status ?? 500);
    const hint =
      code === 'LLM_AUTH'
        ? ' (check the AWS credentials and that the model is enabled for this account and region)'
        : '';
    return llmError(
      code,
      `${at}: ${typeof name === 'string' ? `${name}: ` : ''}${errorMessage(error)}${hint}`,
      {
        cause: error,
        provider: PROVIDER,
        ...(typeof status === 'number' ? { status } : {}),
      },
    );
  }
  const socket = networkCode(error);
  if (socket !== undefined || name === 'TimeoutError') {
    return llmError(
      name === 'TimeoutError' ? 'LLM_TIMEOUT' : 'LLM_NETWORK',
      `${at}: connection failed: ${errorMessage(error)}`,
      { cause: error, provider: PROVIDER },
    );
  }
  return error;
}

/**
 * The region, endpoint and credentials a Bedrock model would use (also for `doctor`), all from
 * the options and `env`, never from `process.env` when it differs.
 */
export function bedrockSettings(
  options: Pick<BedrockModelOptions, 'region' | 'endpoint' | 'credentials' | 'env'>,
): {
  region: string;
  endpoint?: string;
  credentials: BedrockCredentials | (() => Promise<AwsEnvCredentials>);
  credentialSource: string;
} {
  const env = options.env ?? process.env;
  const region = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
  const endpoint = options.endpoint || awsEnvEndpoint(env, 'BEDROCK_RUNTIME');
  const fromEnv = options.credentials
    ? { credentials: options.credentials, source: 'config' }
    : awsEnvCredentials(env, defaultProvider);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    credentials: fromEnv.credentials,
    credentialSource: fromEnv.source,
  };
}

/**
 * A {@link LanguageModel} on Amazon Bedrock's Converse API (`@aws-sdk/client-bedrock-runtime`,
 * non-streaming, tool use): Claude (or any Converse model) through AWS credentials, no API key.
 */
export function createBedrockModel(options: BedrockModelOptions): LanguageModel {
  const settings = bedrockSettings(options);
  const client =
    options.client ??
    new BedrockRuntimeClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      credentials: settings.credentials,
      // The endpoint comes from the options or the injected env, never from process.env.
      ignoreConfiguredEndpointUrls: true,
      maxAttempts: options.maxAttempts ?? 1,
      ...(options.logger ? { logger: sdkLogger(options.logger) } : {}),
    });
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    name: `${PROVIDER}:${options.model}`,
    async generate(request) {
      const input = converseInput(request, options);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      if (request.signal?.aborted) {
        throw llmError('LLM_ABORTED', `${PROVIDER}:${options.model}: request aborted`, {
          provider: PROVIDER,
        });
      }
      try {
        const output = await client.send(new ConverseCommand(input), { abortSignal: signal });
        return fromConverseOutput(output, options.model);
      } catch (error) {
        throw toBedrockError(error, {
          model: options.model,
          ...(request.signal ? { signal: request.signal } : {}),
          timedOut: timeout.aborted && !request.signal?.aborted,
        });
      }
    },
  };
}
