/** What the model is asked to do; routing picks a model per task. */
export type ModelTask = 'chat' | 'triage' | 'analysis' | 'diagnosis';

/** A tool the model may call, as the model sees it. */
export interface ToolDefinition {
  /** Tool name. */
  name: string;
  /** What it does, for the model. */
  description: string;
  /** JSON Schema of the input (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** A call the model asked for. */
export interface ToolCall {
  /** Provider-assigned id that ties the result to the call. */
  id: string;
  /** Tool name. */
  name: string;
  /** Arguments as the model produced them; validated by the runtime before use. */
  input: unknown;
  /**
   * Set by a provider when the arguments could not be read (malformed JSON, not an object): the
   * runtime then answers the call with an error result the model can correct, and never runs it.
   */
  inputError?: string;
}

/** The result of one tool call, sent back to the model. */
export interface ToolCallResult {
  /** Id of the call it answers. */
  callId: string;
  /** Tool name. */
  name: string;
  /** Output text. */
  output: string;
  /** True when the call failed. */
  isError: boolean;
}

/** One message of the conversation, in the normalised shape every provider maps from. */
export type ModelMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; results: ToolCallResult[] };

/** What a request's usage and cost are counted towards (for metering; models ignore it). */
export interface UsageAttribution {
  /** Conversation key, e.g. `console|local|`. */
  conversation?: string;
  /** Incident id, for the monitor's triage. */
  incident?: string;
}

/** One request to a model. */
export interface ModelRequest {
  /** The task, for routing and for models that think harder on diagnosis. */
  task: ModelTask;
  /** System prompt. */
  system: string;
  /** The conversation so far, oldest first. */
  messages: ModelMessage[];
  /** Tools the model may call; empty for none. */
  tools: ToolDefinition[];
  /** Upper bound on output tokens. */
  maxOutputTokens?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** What the usage counts towards; set by the runtime, read by meters, ignored by providers. */
  attribution?: UsageAttribution;
}

/** Tokens used by one request. */
export interface TokenUsage {
  /** Input tokens billed at the normal rate. */
  inputTokens: number;
  /** Output tokens. */
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (not in `inputTokens`). */
  cachedInputTokens?: number;
  /**
   * Input tokens written to the provider's prompt cache (not in `inputTokens`); Anthropic and
   * Bedrock bill them above the input price. Absent when the provider reports none.
   */
  cacheWriteInputTokens?: number;
}

/** Why the model stopped. */
export type StopReason = 'end' | 'tool_calls' | 'max_tokens' | 'refusal' | 'other';

/** The model's answer to one request. */
export interface ModelResponse {
  /** Text of the answer (may be empty when only tools are called). */
  text: string;
  /** Tool calls to run, in order. */
  toolCalls: ToolCall[];
  /** Why it stopped. */
  stopReason: StopReason;
  /** Token usage. */
  usage: TokenUsage;
  /** The model that answered, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** Cost of this call in USD, when a usage meter priced it; counted in the runtime's metrics. */
  costUsd?: number;
}

/** A language model behind one interface: Anthropic, OpenAI, Gemini, a local server, a script. */
export interface LanguageModel {
  /** Name for logs and `doctor`, e.g. `anthropic:claude-sonnet-4-5`. */
  readonly name: string;
  /**
   * Context window in tokens, when known (a router gives the smallest of the models it may use).
   * The agent loop fits history and tool outputs into it; optional, so any model still fits.
   */
  readonly contextWindow?: number;
  /** Sends one request. Rejects on failure (with an OpsAgentError where possible). */
  generate(request: ModelRequest): Promise<ModelResponse>;
}
