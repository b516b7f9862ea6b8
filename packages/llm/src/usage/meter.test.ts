import {
  createManualClock,
  type LanguageModel,
  type ModelRequest,
  type TokenUsage,
} from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../routing/router.js';
import { UsageMeter } from './meter.js';

const request: ModelRequest = {
  task: 'analysis',
  system: 'sys',
  messages: [{ role: 'user', content: 'why is web1 down?' }],
  tools: [],
};

function fakeModel(model: string, usage: TokenUsage, clockAdvance?: () => void) {
  let calls = 0;
  const llm: LanguageModel = {
    name: `fake:${model}`,
    async generate() {
      calls += 1;
      clockAdvance?.();
      return { text: 'ok', toolCalls: [], stopReason: 'end', usage, model };
    },
  };
  return { llm, calls: () => calls };
}

describe('UsageMeter', () => {
  it('records cost from the catalog, including cached tokens, and latency', async () => {
    const clock = createManualClock(new Date('2026-03-01T10:00:00Z'));
    const sonnet = fakeModel(
      'claude-sonnet-4-5-20250929',
      { inputTokens: 10_000, cachedInputTokens: 100_000, outputTokens: 2_000 },
      () => clock.advance(1500),
    );
    const meter = new UsageMeter({ clock });
    await meter.wrap(sonnet.llm, { conversation: 'c1', incident: 'i1' }).generate(request);
    const [record] = meter.records();
    // 10k * $3 + 100k * $0.30 + 2k * $15, per million.
    expect(record).toMatchObject({
      model: 'claude-sonnet-4-5-20250929',
      task: 'analysis',
      latencyMs: 1500,
      day: '2026-03-01',
      conversation: 'c1',
      incident: 'i1',
      priced: true,
    });
    expect(record?.costUsd).toBeCloseTo(0.09, 10);
  });

  it('sums per conversation, per incident and per day', async () => {
    const clock = createManualClock(new Date('2026-03-01T23:00:00Z'));
    const haiku = fakeModel('claude-haiku-4-5', { inputTokens: 1_000_000, outputTokens: 0 });
    const meter = new UsageMeter({ clock });
    await meter.wrap(haiku.llm, { conversation: 'c1' }).generate(request);
    await meter.wrap(haiku.llm, { conversation: 'c1', incident: 'i9' }).generate(request);
    clock.advance(2 * 60 * 60 * 1000);
    await meter.wrap(haiku.llm, { conversation: 'c2' }).generate(request);
    expect(meter.conversation('c1')).toMatchObject({ calls: 2, costUsd: 2 });
    expect(meter.conversation('c2')).toMatchObject({ calls: 1, costUsd: 1 });
    expect(meter.incident('i9')).toMatchObject({ calls: 1, inputTokens: 1_000_000 });
    expect(meter.day('2026-03-01').costUsd).toBe(2);
    expect(meter.day().costUsd).toBe(1);
    expect(meter.total()).toMatchObject({ calls: 3, costUsd: 3 });
  });

  it('records a model missing from the catalog at zero cost, flagged unpriced', () => {
    const meter = new UsageMeter();
    const record = meter.record({
      model: 'llama3.1',
      task: 'chat',
      usage: { inputTokens: 5, outputTokens: 5 },
      latencyMs: 3,
    });
    expect(record).toMatchObject({ costUsd: 0, priced: false });
  });

  it('refuses with LLM_BUDGET_EXCEEDED once the conversation budget is spent', async () => {
    const opus = fakeModel('claude-opus-4-5', { inputTokens: 0, outputTokens: 40_000 }); // $1
    const meter = new UsageMeter({ budgets: { perConversationUsd: 1, onExceeded: 'refuse' } });
    const model = meter.wrap(opus.llm, { conversation: 'c1' });
    await model.generate(request);
    await expect(model.generate(request)).rejects.toMatchObject({
      code: 'LLM_BUDGET_EXCEEDED',
      category: 'user',
      details: { scope: 'conversation', limitUsd: 1 },
    });
    expect(opus.calls()).toBe(1);
    // Another conversation still has budget.
    await meter.wrap(opus.llm, { conversation: 'c2' }).generate(request);
    expect(opus.calls()).toBe(2);
  });

  it('downgrades to the cheap model once the daily budget is spent', async () => {
    const opus = fakeModel('claude-opus-4-5', { inputTokens: 0, outputTokens: 40_000 });
    const haiku = fakeModel('claude-haiku-4-5', { inputTokens: 1000, outputTokens: 100 });
    const meter = new UsageMeter({
      budgets: { perDayUsd: 1, onExceeded: 'downgrade' },
      downgradeTo: haiku.llm,
    });
    const model = meter.wrap(opus.llm);
    await model.generate(request);
    const response = await model.generate(request);
    expect(response.model).toBe('claude-haiku-4-5');
    expect([opus.calls(), haiku.calls()]).toEqual([1, 1]);
    expect(meter.day().calls).toBe(2);
  });

  it('needs a model to downgrade to', () => {
    expect(() => new UsageMeter({ budgets: { onExceeded: 'downgrade' } })).toThrow(
      expect.objectContaining({ code: 'LLM_BUDGET_INVALID' }),
    );
  });

  it('writes each call to the interaction log', async () => {
    const entries: Record<string, unknown>[] = [];
    const haiku = fakeModel('claude-haiku-4-5', { inputTokens: 1000, outputTokens: 100 });
    const meter = new UsageMeter({
      log: { enabled: true, path: 'mem', write: (entry) => entries.push(entry) },
    });
    await meter.wrap(haiku.llm, { conversation: 'c1' }).generate(request);
    expect(entries[0]).toMatchObject({
      model: 'claude-haiku-4-5',
      task: 'analysis',
      conversation: 'c1',
      usage: { inputTokens: 1000, outputTokens: 100 },
      request: { system: 'sys' },
      response: { text: 'ok' },
    });
    expect(entries[0]?.costUsd).toBeCloseTo(0.0015, 10);
  });
});

describe('UsageMeter with the router', () => {
  it('downgrades to the cheapest fast-tier model of a configured provider', async () => {
    const calls: string[] = [];
    const anthropic = (modelId: string): LanguageModel => ({
      name: `anthropic:${modelId}`,
      async generate() {
        calls.push(modelId);
        return {
          text: 'ok',
          toolCalls: [],
          stopReason: 'end',
          usage: { inputTokens: 0, outputTokens: 40_000 },
          model: modelId,
        };
      },
    });
    const router = createRouter({ models: { anthropic } });
    const meter = new UsageMeter({
      budgets: { perConversationUsd: 0.5, onExceeded: 'downgrade' },
      downgradeTo: router.tier('fast'),
    });
    const model = meter.wrap(router, { conversation: 'c1' });
    await model.generate({ ...request, task: 'diagnosis' });
    await model.generate({ ...request, task: 'diagnosis' });
    expect(calls).toEqual(['claude-opus-4-5', 'claude-haiku-4-5']);
  });
});
