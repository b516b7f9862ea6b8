import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LanguageModel, ModelResponse } from '../contracts/language-model.js';
import { defineTool } from '../contracts/tool.js';
import { silentLogger } from '../logging/logger.js';
import { SecretRedactor } from '../logging/redact.js';
import { runTurn } from './agent-loop.js';

describe('runTurn usage', () => {
  it('sums input, output, cache-read and cache-write tokens over every round', async () => {
    const responses: ModelResponse[] = [
      {
        text: '',
        toolCalls: [{ id: 'c1', name: 'uptime', input: {} }],
        stopReason: 'tool_calls',
        usage: { inputTokens: 10, outputTokens: 5, cacheWriteInputTokens: 1000 },
        model: 'm',
      },
      {
        text: 'up 3 days',
        toolCalls: [],
        stopReason: 'end',
        usage: { inputTokens: 20, outputTokens: 7, cachedInputTokens: 1000 },
        model: 'm',
      },
    ];
    const model: LanguageModel = {
      name: 'm',
      async generate() {
        const next = responses.shift();
        if (!next) throw new Error('no more responses');
        return next;
      },
    };
    const uptime = defineTool({
      name: 'uptime',
      description: 'uptime of this machine',
      input: z.object({}),
      run: async () => 'up 3 days',
    });
    const turn = await runTurn({
      model,
      system: 'sys',
      messages: [{ role: 'user', content: 'uptime?' }],
      tools: new Map([[uptime.name, uptime]]),
      options: { maxRounds: 4, toolTimeoutMs: 1000, toolOutputLimit: 10_000 },
      principal: { id: 'p', name: 'p', roles: ['admin'] },
      logger: silentLogger,
      redactor: new SecretRedactor(),
      signal: new AbortController().signal,
    });
    expect(turn.text).toBe('up 3 days');
    expect(turn.rounds).toBe(2);
    expect(turn.usage).toEqual({
      inputTokens: 30,
      outputTokens: 12,
      cachedInputTokens: 1000,
      cacheWriteInputTokens: 1000,
    });
  });
});
