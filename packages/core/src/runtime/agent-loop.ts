import { z } from 'zod';
import type {
  LanguageModel,
  ModelMessage,
  ModelTask,
  ToolCall,
  ToolCallResult,
  ToolDefinition,
} from '../contracts/language-model.js';
import type { Logger } from '../contracts/logger.js';
import type { Principal } from '../contracts/roles.js';
import type { Tool } from '../contracts/tool.js';
import { errorMessage } from '../errors.js';
import type { SecretRedactor } from '../logging/redact.js';
import { withTimeout } from '../util/timeout.js';
import type { AgentLoopOptions } from './options.js';

/** The JSON Schema the model sees for a tool's zod input. */
export function toolDefinition(tool: Pick<Tool, 'name' | 'description' | 'input'>): ToolDefinition {
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
  /** Tokens used across all rounds. */
  usage: { inputTokens: number; outputTokens: number };
}

/** Caps tool output for the model, saying how much was cut. */
export function capOutput(output: string, limit: number): string {
  if (output.length <= limit) return output;
  return `${output.slice(0, limit)}\n[output truncated: ${output.length - limit} more characters]`;
}

async function runToolCall(call: ToolCall, input: TurnInput): Promise<ToolCallResult> {
  const base = { callId: call.id, name: call.name };
  const tool = input.tools.get(call.name);
  if (!tool) {
    return {
      ...base,
      isError: true,
      output: `unknown tool "${call.name}"; available: ${[...input.tools.keys()].join(', ')}`,
    };
  }
  const parsed = tool.input.safeParse(call.input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
      .join('; ');
    return { ...base, isError: true, output: `invalid input for ${tool.name}: ${issues}` };
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
      ...base,
      isError: isError ?? false,
      output: capOutput(input.redactor.redact(output), input.options.toolOutputLimit),
    };
  } catch (error) {
    logger.warn({ err: error }, 'tool failed');
    return {
      ...base,
      isError: true,
      output: input.redactor.redact(`${tool.name} failed: ${errorMessage(error)}`),
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
  const usage = { inputTokens: 0, outputTokens: 0 };
  const push = (message: ModelMessage) => {
    messages.push(message);
    added.push(message);
  };
  for (let round = 1; round <= input.options.maxRounds + 1; round++) {
    const last = round > input.options.maxRounds;
    const response = await input.model.generate({
      task: input.task ?? 'chat',
      system: last
        ? `${input.system}\n\nYou have used all tool rounds for this question. Answer now with what you know, and say what you could not check.`
        : input.system,
      messages,
      tools: last ? [] : definitions,
      signal: input.signal,
    });
    usage.inputTokens += response.usage.inputTokens;
    usage.outputTokens += response.usage.outputTokens;
    const calls = last ? [] : response.toolCalls;
    push({
      role: 'assistant',
      content: response.text,
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
    });
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
        const result = await runToolCall(call, input);
        await input.onToolResult?.(call, result, performance.now() - started);
        return result;
      }),
    );
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
