import { describe, expect, it } from 'vitest';
import type { LanguageModel, ModelMessage, ModelRequest } from '../contracts/language-model.js';
import { silentLogger } from '../logging/logger.js';
import { SecretRedactor } from '../logging/redact.js';
import { runTurn } from './agent-loop.js';
import { estimateContextTokens, fitToContext, messageTokens } from './context-budget.js';

const budget = (contextWindow: number) => ({
  contextWindow,
  reserveOutputTokens: 100,
  system: 'You are an ops agent.',
  tools: [],
});

const big = (label: string, chars: number) => `${label}:${'x'.repeat(chars)}`;

/** Two old exchanges with large tool outputs, then a new question. */
function history(): ModelMessage[] {
  return [
    { role: 'user', content: 'disk on web1?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'disk', input: { h: 1 } }] },
    {
      role: 'tool',
      results: [{ callId: 'a', name: 'disk', output: big('old', 6000), isError: false }],
    },
    { role: 'assistant', content: 'web1 is at 93%.' },
    { role: 'user', content: 'and web2?' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'b', name: 'disk', input: { h: 2 } }] },
    {
      role: 'tool',
      results: [{ callId: 'b', name: 'disk', output: big('new', 6000), isError: false }],
    },
    { role: 'assistant', content: 'web2 is at 40%.' },
    { role: 'user', content: 'which one should I clean?' },
  ];
}

const total = (messages: ModelMessage[]) => messages.reduce((s, m) => s + messageTokens(m), 0);

describe('fitToContext', () => {
  it('returns the messages untouched when they fit', () => {
    const messages = history();
    const fitted = fitToContext(messages, budget(100_000));
    expect(fitted.messages).toBe(messages);
    expect(fitted).toMatchObject({ shrunkOutputs: 0, droppedMessages: 0, overBudget: false });
  });

  it('shrinks the oldest tool output first, with a marker, and leaves the input unchanged', () => {
    const messages = history();
    const before = JSON.stringify(messages);
    // Room for everything but about 1,500 tokens: cutting the old output (2,000 tokens) is enough.
    const window = total(messages) + estimateContextTokens('You are an ops agent.') + 100 - 1500;
    const fitted = fitToContext(messages, budget(window));
    expect(JSON.stringify(messages)).toBe(before);
    expect(fitted).toMatchObject({ shrunkOutputs: 1, droppedMessages: 0, overBudget: false });
    const [oldTool, newTool] = fitted.messages.filter((m) => m.role === 'tool');
    expect(oldTool?.role === 'tool' && oldTool.results[0]?.output).toMatch(
      /^old:x{296}\n\[… 5704 characters cut here to fit the model's context window\]$/,
    );
    expect(newTool?.role === 'tool' && newTool.results[0]?.output).toBe(big('new', 6000));
    expect(fitted.estimatedTokens).toBeLessThanOrEqual(window - 100);
  });

  it('then leaves out the oldest exchanges, saying so, and keeps the newest question', () => {
    const messages: ModelMessage[] = [];
    for (let i = 0; i < 30; i++) {
      messages.push({ role: 'user', content: big(`question ${i}`, 900) });
      messages.push({ role: 'assistant', content: big(`answer ${i}`, 900) });
    }
    messages.push({ role: 'user', content: 'latest question' });
    const fitted = fitToContext(messages, budget(4000));
    expect(fitted.overBudget).toBe(false);
    expect(fitted.droppedMessages).toBeGreaterThan(0);
    expect(fitted.droppedMessages % 2).toBe(0);
    expect(fitted.messages[0]).toEqual({
      role: 'user',
      content: `[${fitted.droppedMessages} earlier messages were left out here to fit the model's context window]`,
    });
    expect(fitted.messages[1]?.role).toBe('user');
    expect(fitted.messages.at(-1)).toEqual({ role: 'user', content: 'latest question' });
    // Newest history is what stays.
    expect(JSON.stringify(fitted.messages)).toContain('answer 29');
    expect(JSON.stringify(fitted.messages)).not.toContain('question 0:');
  });

  it('never orphans tool results: a kept tool message keeps the call it answers', () => {
    const fitted = fitToContext(history(), budget(600));
    const calls = new Set(
      fitted.messages
        .flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []) : []))
        .map((c) => c.id),
    );
    for (const message of fitted.messages) {
      if (message.role === 'tool')
        for (const r of message.results) expect(calls.has(r.callId)).toBe(true);
    }
    expect(fitted.messages[0]?.role).toBe('user');
  });

  it('cuts a single huge message in its middle when nothing else is left to cut', () => {
    const paste = `HEAD${'y'.repeat(60_000)}TAIL`;
    const fitted = fitToContext([{ role: 'user', content: paste }], budget(5000));
    const content = fitted.messages[0]?.role === 'user' ? fitted.messages[0].content : '';
    expect(content.startsWith('HEAD')).toBe(true);
    expect(content.endsWith('TAIL')).toBe(true);
    expect(content).toMatch(/\[… \d+ characters cut here to fit the model's context window\]/);
    expect(fitted.overBudget).toBe(false);
  });

  it('counts the system prompt and tool definitions against the window', () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'x'.repeat(3000) }];
    expect(fitToContext(messages, budget(1200)).overBudget).toBe(false);
    const tools = [{ name: 't', description: 'd'.repeat(3000), inputSchema: { type: 'object' } }];
    const fitted = fitToContext(messages, { ...budget(1200), tools });
    expect(fitted.messages[0]).not.toEqual(messages[0]);
  });
});

describe('runTurn with a context window', () => {
  it("fits each request to the model's contextWindow, keeping the stored history whole", async () => {
    const requests: ModelRequest[] = [];
    const model: LanguageModel = {
      name: 'small',
      contextWindow: 3000,
      async generate(request) {
        requests.push(structuredClone({ ...request, signal: undefined }));
        return {
          text: 'answer',
          toolCalls: [],
          stopReason: 'end',
          usage: { inputTokens: 1, outputTokens: 1 },
          model: 'small',
        };
      },
    };
    const messages = history();
    const turn = await runTurn({
      model,
      system: 'sys',
      messages,
      tools: new Map(),
      options: { maxRounds: 2, toolTimeoutMs: 1000, toolOutputLimit: 10_000 },
      principal: { id: 'p', name: 'p', roles: ['admin'] },
      logger: silentLogger,
      redactor: new SecretRedactor(),
      signal: new AbortController().signal,
    });
    expect(turn.text).toBe('answer');
    const sent = JSON.stringify(requests[0]?.messages);
    expect(sent).toContain("cut here to fit the model's context window");
    expect(sent).toContain('which one should I clean?');
    expect(total(requests[0]!.messages)).toBeLessThan(3000);
    // The caller's history is not touched.
    expect(messages[2]?.role === 'tool' && messages[2].results[0]?.output).toBe(big('old', 6000));
  });
});
