import {
  type LanguageModel,
  type ModelRequest,
  type ModelResponse,
  OpsAgentError,
  type ToolCall,
} from '@opsagent/core';

/** One scripted answer: a response, an error to throw, or a function of the request. */
export type ScriptStep =
  | Partial<ModelResponse>
  | { throws: Error }
  | ((request: ModelRequest) => Partial<ModelResponse> | Promise<Partial<ModelResponse>>);

/** A LanguageModel that replays a script and records every request it was sent. */
export interface ScriptedModel extends LanguageModel {
  /** Every request, in order (deep copies, safe to inspect). */
  readonly requests: ModelRequest[];
  /** Steps not yet used. */
  remaining(): number;
  /** Appends steps to the script. */
  push(...steps: ScriptStep[]): void;
}

/** A text answer. */
export function reply(text: string): Partial<ModelResponse> {
  return { text, toolCalls: [], stopReason: 'end' };
}

let callCounter = 0;

/** A response that calls one or more tools (in parallel). */
export function callTools(
  ...calls: Array<{ name: string; input?: unknown; id?: string }>
): Partial<ModelResponse> {
  const toolCalls: ToolCall[] = calls.map((c) => ({
    id: c.id ?? `call_${++callCounter}`,
    name: c.name,
    input: c.input ?? {},
  }));
  return { text: '', toolCalls, stopReason: 'tool_calls' };
}

/** A response that calls one tool. */
export function callTool(name: string, input: unknown = {}, id?: string): Partial<ModelResponse> {
  return callTools({ name, input, ...(id ? { id } : {}) });
}

/**
 * A scripted model: each `generate` takes the next step. When the script runs out it throws
 * `SCRIPT_EXHAUSTED`, so a test never silently gets an answer it did not write.
 */
export function createScriptedModel(
  steps: ScriptStep[] = [],
  options: { name?: string } = {},
): ScriptedModel {
  const queue = [...steps];
  const requests: ModelRequest[] = [];
  return {
    name: options.name ?? 'scripted',
    requests,
    remaining: () => queue.length,
    push: (...more) => {
      queue.push(...more);
    },
    async generate(request) {
      const { signal, ...rest } = request;
      requests.push(structuredClone(rest));
      if (signal?.aborted) throw signal.reason;
      const step = queue.shift();
      if (step === undefined) {
        throw new OpsAgentError(
          'SCRIPT_EXHAUSTED',
          `the scripted model has no step left for request ${requests.length}`,
        );
      }
      if (typeof step === 'object' && 'throws' in step) throw step.throws;
      const partial = typeof step === 'function' ? await step(request) : step;
      return {
        text: partial.text ?? '',
        toolCalls: partial.toolCalls ?? [],
        stopReason:
          partial.stopReason ?? ((partial.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'end'),
        usage: partial.usage ?? { inputTokens: 10, outputTokens: 5 },
        model: partial.model ?? options.name ?? 'scripted',
      };
    },
  };
}
