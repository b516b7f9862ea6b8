import type { ModelMessage, ToolDefinition } from '../contracts/language-model.js';

/**
 * Rough token count of a text: one token per 3 characters, on the safe side of what the vendors'
 * tokenizers produce for English prose (about 4) and JSON or logs (about 3).
 */
export function estimateContextTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

/** Per-message overhead (role, framing) in tokens. */
const MESSAGE_OVERHEAD = 4;
/** What a shrunk tool output keeps of its beginning, in characters. */
const SHRUNK_KEEP = 300;

/** Estimated tokens of one message. */
export function messageTokens(message: ModelMessage): number {
  if (message.role === 'user') return MESSAGE_OVERHEAD + estimateContextTokens(message.content);
  if (message.role === 'assistant') {
    let tokens = MESSAGE_OVERHEAD + estimateContextTokens(message.content);
    for (const call of message.toolCalls ?? []) {
      tokens +=
        MESSAGE_OVERHEAD + estimateContextTokens(call.name + JSON.stringify(call.input ?? {}));
    }
    return tokens;
  }
  let tokens = MESSAGE_OVERHEAD;
  for (const result of message.results)
    tokens += MESSAGE_OVERHEAD + estimateContextTokens(result.output);
  return tokens;
}

/** What {@link fitToContext} needs to know. */
export interface ContextBudget {
  /** The model's context window in tokens. */
  contextWindow: number;
  /** Tokens kept free for the answer. */
  reserveOutputTokens: number;
  /** The system prompt (counted, never cut). */
  system: string;
  /** Tool definitions sent with the request (counted, never cut). */
  tools: readonly ToolDefinition[];
}

/** The messages to send, and what was cut to make them fit. */
export interface FittedContext {
  messages: ModelMessage[];
  /** Tool outputs shortened. */
  shrunkOutputs: number;
  /** Messages of history left out. */
  droppedMessages: number;
  /** Estimated tokens of the request (prompt side) after fitting. */
  estimatedTokens: number;
  /** True when even the cut request is estimated over the budget. */
  overBudget: boolean;
}

function cutMarker(removed: number): string {
  return `[… ${removed} characters cut here to fit the model's context window]`;
}

/** `text` cut to about `keep` characters at its start, with a marker saying how much went. */
function shrink(text: string, keep: number): string {
  if (text.length <= keep + 120) return text;
  return `${text.slice(0, keep)}\n${cutMarker(text.length - keep)}`;
}

/**
 * Fits a conversation into the model's context window without ever cutting silently:
 *
 * 1. tool outputs shrink first, oldest first, each to its first lines and a marker saying how
 *    many characters were cut;
 * 2. then the oldest history is left out, whole exchanges from a user message on, replaced by one
 *    marker message saying how many messages were left out (the newest user message is kept);
 * 3. then, if one message is still too large (a huge paste or tool output), it is cut in the
 *    middle of its text, with a marker.
 *
 * Returns the input array itself when everything fits. Never mutates the input.
 */
export function fitToContext(
  messages: readonly ModelMessage[],
  budget: ContextBudget,
): FittedContext {
  const fixed =
    estimateContextTokens(budget.system) +
    budget.tools.reduce(
      (sum, tool) =>
        sum +
        estimateContextTokens(tool.name + tool.description + JSON.stringify(tool.inputSchema)),
      0,
    );
  const limit = budget.contextWindow - budget.reserveOutputTokens - fixed;
  const sizes = messages.map(messageTokens);
  let total = sizes.reduce((a, b) => a + b, 0);
  if (total <= limit) {
    return {
      messages: messages as ModelMessage[],
      shrunkOutputs: 0,
      droppedMessages: 0,
      estimatedTokens: total + fixed,
      overBudget: false,
    };
  }
  const out = messages.map((message) =>
    message.role === 'tool'
      ? { ...message, results: message.results.map((result) => ({ ...result })) }
      : { ...message },
  ) as ModelMessage[];
  let shrunkOutputs = 0;

  // 1. Tool outputs, oldest first.
  for (let i = 0; i < out.length && total > limit; i++) {
    const message = out[i];
    if (message?.role !== 'tool') continue;
    for (const result of message.results) {
      if (total <= limit) break;
      const shorter = shrink(result.output, SHRUNK_KEEP);
      if (shorter === result.output) continue;
      result.output = shorter;
      shrunkOutputs++;
    }
    const size = messageTokens(message);
    total += size - (sizes[i] ?? 0);
    sizes[i] = size;
  }

  // 2. Oldest history, whole exchanges: start at a later user message, keep the last one.
  let start = 0;
  const lastUser = out.findLastIndex((m) => m.role === 'user');
  while (total > limit && start < lastUser) {
    let next = start + 1;
    while (next < lastUser && out[next]?.role !== 'user') next++;
    for (let i = start; i < next; i++) total -= sizes[i] ?? 0;
    start = next;
  }
  let fitted = out.slice(start);
  const droppedMessages = start;
  if (droppedMessages > 0) {
    const marker: ModelMessage = {
      role: 'user',
      content: `[${droppedMessages} earlier message${droppedMessages === 1 ? ' was' : 's were'} left out here to fit the model's context window]`,
    };
    total += messageTokens(marker);
    fitted = [marker, ...fitted];
  }

  // 3. Still too large: cut the largest texts in their middle, biggest first.
  for (let guard = 0; total > limit && guard < fitted.length * 4; guard++) {
    let biggest = -1;
    let biggestSize = 0;
    fitted.forEach((message, index) => {
      const size = messageTokens(message);
      if (size > biggestSize) {
        biggest = index;
        biggestSize = size;
      }
    });
    const message = fitted[biggest];
    if (!message) break;
    const excess = total - limit;
    const cutText = (text: string): string => {
      const removeChars = Math.min(text.length, (excess + 40) * 3);
      if (removeChars < 200) return text;
      const head = Math.floor((text.length - removeChars) / 2);
      return `${text.slice(0, head)}\n${cutMarker(removeChars)}\n${text.slice(head + removeChars)}`;
    };
    let changed = false;
    if (message.role === 'tool') {
      const result = [...message.results].sort((a, b) => b.output.length - a.output.length)[0];
      if (result) {
        const cut = cutText(result.output);
        changed = cut !== result.output;
        if (changed) shrunkOutputs++;
        result.output = cut;
      }
    } else {
      const cut = cutText(message.content);
      changed = cut !== message.content;
      fitted[biggest] = { ...message, content: cut };
    }
    if (!changed) break;
    total = fitted.reduce((sum, m) => sum + messageTokens(m), 0);
  }

  return {
    messages: fitted,
    shrunkOutputs,
    droppedMessages,
    estimatedTokens: total + fixed,
    overBudget: total > limit,
  };
}
