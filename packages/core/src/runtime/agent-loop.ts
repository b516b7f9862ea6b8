import { z } from 'zod';
import type {
  LanguageModel,
  ModelMessage,
  ModelTask,
  TokenUsage,
  ToolCall,
  ToolCallResult,
  ToolDefinition,
  UsageAttribution,
} from '../contracts/language-model.js';
import type { Logger } from '../contracts/logger.js';
import type { Principal } from '../contracts/roles.js';
import type { Tool } from '../contracts/tool.js';
import { errorMessage } from '../errors.js';
import type { SecretRedactor } from '../logging/redact.js';
import { withTimeout } from '../util/timeout.js';
import { fitToContext } from './context-budget.js';
import type { AgentLoopOptions } from './options.js';

const definitions = new WeakMap<object, ToolDefinition>();

/** The JSON Schema the model sees for a tool's zod input (converted once per tool object). */
export function toolDefinition(tool: Pick<Tool, 'name' | 'description' | 'input'>): ToolDefinition {
  const cached = definitions.get(tool);
  if (cached && cached.name === tool.name && cached.description === tool.description) {
    return cached;
  }
  const definition = convertTool(tool);
  definitions.set(tool, definition);
  return definition;
}

function convertTool(tool: Pick<Tool, 'name' | 'description' | 'input'>): ToolDefinition {
  const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return { name: tool.name, description: tool.description, inputSchema: schema };
}

/** What one turn needs. */
export interface TurnInput {
  model: LanguageModel;
  system: string;
  /** History plus the new user message. */
  messages: ModelMessage[];
  tools: ReadonlyMap<string, Tool>;
  options: AgentLoopOptions;
  principal: Principal;
  logger: Logger;
  redactor: SecretRedactor;
  signal: AbortSignal;
  /** The model task, for routing; default `chat`. */
  task?: ModelTask;
  /** What the model calls' usage counts towards (the conversation). */
  attribution?: UsageAttribution;
  /** Called before a round of tool calls runs, for progress display. */
  onToolCalls?(calls: ToolCall[]): Promise<void>;
  /** Called after each tool call, for the audit log. */
  onToolResult?(call: ToolCall, result: ToolCallResult, durationMs: number): Promise<void>;
}

/** What one turn produced. */
export interface TurnOutput {
  /** The final answer. */
  text: string;
  /** Messages to append to the history (assistant turns and tool results). */
  added: ModelMessage[];
  /** Model requests made. */
  rounds: number;
  /** Tokens used across all rounds, prompt-cache reads and writes counted apart as the provider reports them. */
  usage: Required<TokenUsage>;
}

/** Context window assumed for a model that states none. */
export const DEFAULT_CONTEXT_WINDOW = 128_000;
/** Tokens kept free for the answer when fitting the context. */
const OUTPUT_RESERVE = 4096;

/** Caps tool output for the model, saying how much was cut. */
export function capOutput(output: string, limit: number): string {
  if (output.length <= limit) return output;
  return `${output.slice(0, limit)}\n[output truncated: ${output.length - limit} more characters]`;
}

/** A tool call's result, and whether it failed because of its input (the model's to correct). */
interface CallOutcome {
  result: ToolCallResult;
  badInput: boolean;
}

async function runToolCall(call: ToolCall, input: TurnInput): Promise<CallOutcome> {
  const base = { callId: call.id, name: call.name };
  const bad = (output: string): CallOutcome => ({
    result: { ...base, isError: true, output },
    badInput: true,
  });
  const tool = input.tools.get(call.name);
  if (!tool) {
    return bad(`unknown tool "${call.name}"; available: ${[...input.tools.keys()].join(', ')}`);
  }
  if (call.inputError !== undefined) {
    return bad(
      `the arguments for ${tool.name} could not be read (${call.inputError}); call ${tool.name} again with a JSON object that matches its input schema`,
    );
  }
  const parsed = tool.input.safeParse(call.input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
      .join('; ');
    return bad(
      `invalid input for ${tool.name}: ${issues}; call ${tool.name} again with corrected arguments`,
    );
  }
  const timeoutMs = tool.timeoutMs ?? input.options.toolTimeoutMs;
  const logger = input.logger.child({ tool: tool.name });
  try {
    const result = await withTimeout(
      `tool ${tool.name}`,
      timeoutMs,
      (signal) => tool.run(parsed.data, { signal, logger, principal: input.principal }),
      input.signal,
    );
    const { output, isError } =
      typeof result === 'string' ? { output: result, isError: false } : result;
    return {
      result: {
        ...base,
        isError: isError ?? false,
        output: capOutput(input.redactor.redact(output), input.options.toolOutputLimit),
      },
      badInput: false,
    };
  } catch (error) {
    logger.warn({ err: error }, 'tool failed');
    return {
      result: {
        ...base,
        isError: true,
        output: input.redactor.redact(`${tool.name} failed: ${errorMessage(error)}`),
      },
      badInput: false,
    };
  }
}

/**
 * One question, answered: the model is called, the tools it asks for run (in parallel when it asks
 * for several), results go back, until it answers or the round limit is reached. Then it is asked
 * to answer with what it has, with no tools.
 */
export async function runTurn(input: TurnInput): Promise<TurnOutput> {
  const definitions = [...input.tools.values()].map(toolDefinition);
  const messages = [...input.messages];
  const added: ModelMessage[] = [];
  const usage: Required<TokenUsage> = {
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
  };
  const push = (message: ModelMessage) => {
    messages.push(message);
    added.push(message);
  };
  const maxBadInputs = input.options.maxToolInputErrors ?? 3;
  const contextWindow =
    input.model.contextWindow ?? input.options.contextWindowTokens ?? DEFAULT_CONTEXT_WINDOW;
  let badInputs = 0;
  for (let round = 1; round <= input.options.maxRounds + 1; round++) {
    const tooManyBad = badInputs >= maxBadInputs;
    const last = round > input.options.maxRounds || tooManyBad;
    const system = last
      ? `${input.system}\n\n${
          tooManyBad
            ? `Your tool calls had unusable arguments ${badInputs} times, so no more tools can be called for this question.`
            : 'You have used all tool rounds for this question.'
        } Answer now with what you know, and say what you could not check.`
      : input.system;
    const tools = last ? [] : definitions;
    const fitted = fitToContext(messages, {
      contextWindow,
      reserveOutputTokens: Math.min(OUTPUT_RESERVE, Math.floor(contextWindow / 4)),
      system,
      tools,
    });
    if (fitted.shrunkOutputs > 0 || fitted.droppedMessages > 0) {
      input.logger.info(
        {
          contextWindow,
          shrunkOutputs: fitted.shrunkOutputs,
          droppedMessages: fitted.droppedMessages,
          estimatedTokens: fitted.estimatedTokens,
          overBudget: fitted.overBudget,
        },
        'context cut to fit the model (markers show where)',
      );
    }
    const response = await input.model.generate({
      task: input.task ?? 'chat',
      system,
      messages: fitted.messages,
      tools,
      signal: input.signal,
      ...(input.attribution ? { attribution: input.attribution } : {}),
    });
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    usage.cachedInputTokens += response.usage.cachedInputTokens ?? 0;
    usage.cacheWriteInputTokens += response.usage.cacheWriteInputTokens ?? 0;
    const calls = last ? [] : response.toolCalls;
    // What the model said goes back to it (next rounds, history) with known secrets hidden.
    push(
      input.redactor.redactDeep({
        role: 'assistant',
        content: response.text,
        ...(calls.length > 0 ? { toolCalls: calls } : {}),
      }),
    );
    if (calls.length === 0) {
      return {
        text: response.text.trim() || '(the model gave no answer)',
        added,
        rounds: round,
        usage,
      };
    }
    await input.onToolCalls?.(calls);
    const results = await Promise.all(
      calls.map(async (call) => {
        const started = performance.now();
        const { result, badInput } = await runToolCall(call, input);
        if (badInput) badInputs++;
        await input.onToolResult?.(call, result, performance.now() - started);
        return result;
      }),
    );
    if (badInputs > 0) {
      input.logger.debug({ badInputs, max: maxBadInputs }, 'tool calls with unusable arguments');
    }
    push({ role: 'tool', results });
  }
  // Unreachable: the last round is called without tools and returns above.
  return { text: '(no answer)', added, rounds: input.options.maxRounds + 1, usage };
}

/** Trims history to at most `limit` messages, starting at a user message so tool results are never orphaned. */
export function trimHistory(messages: ModelMessage[], limit: number): ModelMessage[] {
  let start = Math.max(0, messages.length - limit);
  while (start < messages.length && messages[start]?.role !== 'user') start++;
  return messages.slice(start);
}
