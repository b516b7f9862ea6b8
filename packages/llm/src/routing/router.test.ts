import {
  createManualClock,
  isOpsAgentError,
  type LanguageModel,
  type Logger,
  type ModelRequest,
  type ModelResponse,
} from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { ModelCatalog } from '../catalog/catalog.js';
import { type LlmErrorCode, llmError } from '../errors.js';
import { createRouter, type ModelFactory } from './router.js';

const request = (task: ModelRequest['task'] = 'chat'): ModelRequest => ({
  task,
  system: 'You are an ops agent.',
  messages: [{ role: 'user', content: 'status?' }],
  tools: [],
});

type Step = LlmErrorCode | 'ok' | { code: 'LLM_RATE_LIMITED'; retryAfterMs: number };

/** A provider whose models answer from a per-model script (then `ok` forever), recording calls. */
function fakeProvider(provider: string, scripts: Record<string, Step[]> = {}) {
  const calls: string[] = [];
  const factory: ModelFactory = (modelId): LanguageModel => ({
    name: `${provider}:${modelId}`,
    async generate(): Promise<ModelResponse> {
      calls.push(modelId);
      const step = scripts[modelId]?.shift() ?? 'ok';
      if (step === 'ok') {
        return {
          text: `answer from ${modelId}`,
          toolCalls: [],
          stopReason: 'end',
          usage: { inputTokens: 10, outputTokens: 5 },
          model: modelId,
        };
      }
      if (typeof step === 'object') {
        throw llmError(step.code, 'slow down', { retryAfterMs: step.retryAfterMs, provider });
      }
      throw llmError(step, `${step} from ${provider}`, { provider });
    },
  });
  return { factory, calls };
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (a: unknown, b?: string) => {
      warnings.push(typeof a === 'string' ? a : (b ?? ''));
    },
    error: () => {},
    child: () => logger,
  };
  return { logger, warnings };
}

const routes = {
  chat: ['alpha:a1', 'beta:b1'],
  triage: ['beta:b-fast', 'alpha:a-fast'],
  analysis: ['alpha:a-strong'],
  diagnosis: ['alpha:a-think', 'alpha:a1', 'beta:b1'],
};

describe('createRouter', () => {
  it('picks the model list of the request task', async () => {
    const alpha = fakeProvider('alpha');
    const beta = fakeProvider('beta');
    const router = createRouter({ models: { alpha: alpha.factory, beta: beta.factory }, routes });
    expect(router.name).toBe('router');
    expect((await router.generate(request('triage'))).model).toBe('b-fast');
    expect((await router.generate(request('analysis'))).model).toBe('a-strong');
    expect((await router.generate(request('diagnosis'))).model).toBe('a-think');
    expect(router.candidates('chat')).toEqual(['alpha:a1', 'beta:b1']);
  });

  it('states the smallest context window of the chat models it may use, for the agent loop', () => {
    const catalog = new ModelCatalog([
      {
        id: 'small-local',
        provider: 'ollama',
        contextWindow: 8192,
        maxOutputTokens: 2048,
        pricing: { inputPerMTok: 0, outputPerMTok: 0 },
        capabilities: { tools: true, thinking: false },
        tier: 'fast',
      },
    ]);
    const models = {
      ollama: fakeProvider('ollama').factory,
      anthropic: fakeProvider('anthropic').factory,
    };
    const router = createRouter({
      models,
      catalog,
      routes: { chat: ['anthropic:claude-sonnet-4-5', 'ollama:small-local', 'openai:gpt-4.1'] },
    });
    expect(router.contextWindow).toBe(8192);
    expect(
      createRouter({ models, catalog, routes: { chat: ['anthropic:claude-sonnet-4-5'] } })
        .contextWindow,
    ).toBe(200_000);
    // Unknown models state nothing; the loop then uses its default.
    expect(
      createRouter({ models, catalog, routes: { chat: ['ollama:mystery'] } }).contextWindow,
    ).toBeUndefined();
  });

  it('accepts a Map of factories and skips models of unregistered providers', async () => {
    const beta = fakeProvider('beta');
    const router = createRouter({ models: new Map([['beta', beta.factory]]), routes });
    expect(router.candidates('chat')).toEqual(['beta:b1']);
    expect((await router.generate(request('chat'))).model).toBe('b1');
  });

  it('uses the default routes with bare catalog ids resolved to their provider', async () => {
    const anthropic = fakeProvider('anthropic');
    const router = createRouter({ models: { anthropic: anthropic.factory } });
    expect((await router.generate(request('triage'))).model).toBe('claude-haiku-4-5');
    expect(router.candidates('diagnosis')[0]).toBe('anthropic:claude-opus-4-5');
  });

  it('rejects a route entry it cannot place', () => {
    expect(() => createRouter({ models: {}, routes: { chat: ['llama3.1'] } })).toThrow(
      expect.objectContaining({ code: 'LLM_ROUTE_INVALID' }),
    );
  });

  it('throws LLM_NO_MODEL when no configured provider serves the task', async () => {
    const router = createRouter({ models: {}, routes });
    await expect(router.generate(request())).rejects.toMatchObject({ code: 'LLM_NO_MODEL' });
  });

  for (const code of [
    'LLM_RATE_LIMITED',
    'LLM_OVERLOADED',
    'LLM_SERVER_ERROR',
    'LLM_TIMEOUT',
    'LLM_NETWORK',
  ] as const) {
    it(`falls back to the next model on ${code}`, async () => {
      const alpha = fakeProvider('alpha', { a1: [code] });
      const beta = fakeProvider('beta');
      const router = createRouter({ models: { alpha: alpha.factory, beta: beta.factory }, routes });
      const response = await router.generate(request());
      expect(response.model).toBe('b1');
      expect(alpha.calls).toEqual(['a1']);
    });
  }

  it('disables a provider on an auth error with one warning naming the env var', async () => {
    const anthropic = fakeProvider('anthropic', { 'claude-opus-4-5': ['LLM_AUTH'] });
    const openai = fakeProvider('openai');
    const { logger, warnings } = recordingLogger();
    const router = createRouter({
      models: { anthropic: anthropic.factory, openai: openai.factory },
      logger,
    });
    expect((await router.generate(request('diagnosis'))).model).toBe('gpt-5');
    // Every model of the provider is skipped now, on every task.
    expect((await router.generate(request('diagnosis'))).model).toBe('gpt-5');
    expect((await router.generate(request('triage'))).model).toBe('gpt-4.1-mini');
    expect(anthropic.calls).toEqual(['claude-opus-4-5']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ANTHROPIC_API_KEY');
    expect(router.providers()).toContainEqual({
      provider: 'anthropic',
      disabled: true,
      circuit: 'closed',
    });
  });

  for (const code of ['LLM_BAD_REQUEST', 'LLM_ABORTED'] as const) {
    it(`surfaces ${code} without trying another model`, async () => {
      const alpha = fakeProvider('alpha', { a1: [code] });
      const beta = fakeProvider('beta');
      const router = createRouter({ models: { alpha: alpha.factory, beta: beta.factory }, routes });
      await expect(router.generate(request())).rejects.toMatchObject({ code });
      expect(beta.calls).toEqual([]);
    });
  }

  it('honours retry-after once, through the injected sleep, then retries the same model', async () => {
    const alpha = fakeProvider('alpha', { a1: [{ code: 'LLM_RATE_LIMITED', retryAfterMs: 2000 }] });
    const beta = fakeProvider('beta');
    const waits: number[] = [];
    const router = createRouter({
      models: { alpha: alpha.factory, beta: beta.factory },
      routes,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect((await router.generate(request())).model).toBe('a1');
    expect(waits).toEqual([2000]);
    expect(alpha.calls).toEqual(['a1', 'a1']);
    expect(beta.calls).toEqual([]);
  });

  it('moves on after one retry-after wait, and does not wait beyond maxRetryWaitMs', async () => {
    const alpha = fakeProvider('alpha', {
      a1: [
        { code: 'LLM_RATE_LIMITED', retryAfterMs: 1000 },
        { code: 'LLM_RATE_LIMITED', retryAfterMs: 1000 },
        { code: 'LLM_RATE_LIMITED', retryAfterMs: 60_000 },
      ],
    });
    const beta = fakeProvider('beta');
    const waits: number[] = [];
    const router = createRouter({
      models: { alpha: alpha.factory, beta: beta.factory },
      routes,
      maxRetryWaitMs: 5000,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect((await router.generate(request())).model).toBe('b1');
    expect(waits).toEqual([1000]);
    expect((await router.generate(request())).model).toBe('b1');
    expect(waits).toEqual([1000]);
    expect(alpha.calls).toEqual(['a1', 'a1', 'a1']);
  });

  it('opens the circuit after N consecutive failures, then half-opens after the cool-down', async () => {
    const clock = createManualClock();
    const alpha = fakeProvider('alpha', {
      a1: ['LLM_SERVER_ERROR', 'LLM_SERVER_ERROR', 'LLM_SERVER_ERROR'],
    });
    const beta = fakeProvider('beta');
    const { logger, warnings } = recordingLogger();
    const router = createRouter({
      models: { alpha: alpha.factory, beta: beta.factory },
      routes,
      clock,
      logger,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 30_000 },
    });
    await router.generate(request());
    await router.generate(request());
    expect(alpha.calls).toHaveLength(2);
    expect(warnings.some((w) => w.includes('circuit opened'))).toBe(true);
    expect(router.providers().find((p) => p.provider === 'alpha')?.circuit).toBe('open');

    // Open: alpha is skipped without a call.
    expect((await router.generate(request())).model).toBe('b1');
    expect(alpha.calls).toHaveLength(2);

    // Half-open: one trial; it fails, so the circuit reopens at once.
    clock.advance(30_000);
    expect(router.providers().find((p) => p.provider === 'alpha')?.circuit).toBe('half-open');
    await router.generate(request());
    expect(alpha.calls).toHaveLength(3);
    await router.generate(request());
    expect(alpha.calls).toHaveLength(3);

    // Half-open again: the trial succeeds and the circuit closes.
    clock.advance(30_000);
    expect((await router.generate(request())).model).toBe('a1');
    expect(router.providers().find((p) => p.provider === 'alpha')?.circuit).toBe('closed');
  });

  it('throws LLM_ALL_FAILED listing every model and why', async () => {
    const alpha = fakeProvider('alpha', { 'a-think': ['LLM_TIMEOUT'], a1: ['LLM_OVERLOADED'] });
    const beta = fakeProvider('beta', { b1: ['LLM_NETWORK'] });
    const router = createRouter({ models: { alpha: alpha.factory, beta: beta.factory }, routes });
    const error = await router.generate(request('diagnosis')).catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'LLM_ALL_FAILED')).toBe(true);
    if (!isOpsAgentError(error)) throw error;
    expect(error.category).toBe('third-party');
    expect(error.details.attempts).toEqual([
      { model: 'alpha:a-think', code: 'LLM_TIMEOUT', reason: 'LLM_TIMEOUT from alpha' },
      { model: 'alpha:a1', code: 'LLM_OVERLOADED', reason: 'LLM_OVERLOADED from alpha' },
      { model: 'beta:b1', code: 'LLM_NETWORK', reason: 'LLM_NETWORK from beta' },
    ]);
    expect(error.message).toContain('alpha:a-think (LLM_TIMEOUT');
    expect(error.message).toContain('beta:b1 (LLM_NETWORK');
  });

  it('tier() tries the cheapest fast models of registered providers first', async () => {
    // Input plus output price: gpt-4.1-mini ($0.40 + $1.60) before gpt-5-mini ($0.25 + $2).
    const openai = fakeProvider('openai', { 'gpt-4.1-mini': ['LLM_SERVER_ERROR'] });
    const router = createRouter({ models: { openai: openai.factory } });
    const fast = router.tier('fast');
    expect(fast.name).toBe('router:fast');
    expect((await fast.generate(request())).model).toBe('gpt-5-mini');
    expect(openai.calls).toEqual(['gpt-4.1-mini', 'gpt-5-mini']);
  });

  it('throws LLM_ABORTED when the signal is already aborted', async () => {
    const alpha = fakeProvider('alpha');
    const router = createRouter({ models: { alpha: alpha.factory }, routes });
    const controller = new AbortController();
    controller.abort();
    await expect(
      router.generate({ ...request(), signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'LLM_ABORTED' });
    expect(alpha.calls).toEqual([]);
  });
});
