import { isOpsAgentError, type ModelRequest, OpsAgentError } from '@opsagent/core';
import { type FakeAnthropicServer, startFakeAnthropicServer } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAnthropicModel } from './anthropic.js';

const tools = [
  {
    name: 'get_disk',
    description: 'Disk usage of a host',
    inputSchema: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] },
  },
  { name: 'get_load', description: 'Load of a host', inputSchema: { type: 'object' } },
];

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    task: 'chat',
    system: 'You are an ops agent.',
    messages: [{ role: 'user', content: 'How full is web1?' }],
    tools,
    ...overrides,
  };
}

function apiKeyOf(headers: Record<string, string> | undefined): string | undefined {
  return headers?.['x-api-key'] ?? headers?.authorization?.replace(/^Bearer /, '');
}

async function failure(promise: Promise<unknown>): Promise<OpsAgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpsAgentError)) throw new Error(`expected an OpsAgentError, got ${error}`);
  return error;
}

describe('createAnthropicModel', () => {
  let server: FakeAnthropicServer;
  beforeEach(async () => {
    server = await startFakeAnthropicServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const model = (extra: Record<string, unknown> = {}) =>
    createAnthropicModel({
      model: 'claude-sonnet-4-5',
      apiKey: 'sk-test',
      baseURL: server.url,
      ...extra,
    });

  it('answers plain text with usage, cache reads and stop reason', async () => {
    server.push({
      text: 'web1 is at 93%.',
      usage: { input_tokens: 100, output_tokens: 7, cache_read_input_tokens: 900 },
    });
    const warn = vi.spyOn(console, 'warn');
    const llm = model();
    expect(llm.name).toBe('anthropic:claude-sonnet-4-5');
    const response = await llm.generate(request());
    // claude-sonnet-4-5 is on the SDK's deprecated list; its console warning must not appear.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(response).toEqual({
      text: 'web1 is at 93%.',
      toolCalls: [],
      stopReason: 'end',
      usage: { inputTokens: 100, outputTokens: 7, cachedInputTokens: 900 },
      model: 'claude-sonnet-4-5',
    });
    const sent = server.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token (0.x used x-api-key) and its own anthropic-version.
    expect(apiKeyOf(sent?.headers)).toBe('sk-test');
    expect(sent?.headers['anthropic-version']).toBeTruthy();
    const body = sent?.body as Record<string, unknown>;
    expect(body.system).toEqual([
      { type: 'text', text: 'You are an ops agent.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.tools).toEqual([
      {
        name: 'get_disk',
        description: 'Disk usage of a host',
        input_schema: tools[0]?.inputSchema,
      },
      {
        name: 'get_load',
        description: 'Load of a host',
        input_schema: { type: 'object' },
        cache_control: { type: 'ephemeral' },
      },
    ]);
    expect(body.thinking).toBeUndefined();
  });

  it('round-trips a tool call as tool_use and tool_result blocks', async () => {
    server.push({
      text: 'Checking.',
      toolUses: [{ id: 'toolu_1', name: 'get_disk', input: { host: 'web1' } }],
    });
    server.push({ text: 'web1 is at 93%.' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.text).toBe('Checking.');
    expect(first.stopReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([{ id: 'toolu_1', name: 'get_disk', input: { host: 'web1' } }]);

    const second = await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'How full is web1?' },
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [{ callId: 'toolu_1', name: 'get_disk', output: '93%', isError: false }],
          },
        ],
      }),
    );
    expect(second.text).toBe('web1 is at 93%.');
    const body = server.requests[1]?.body as { messages: unknown };
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'How full is web1?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_disk', input: { host: 'web1' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '93%', is_error: false }],
      },
    ]);
  });

  it('returns parallel tool calls and sends their results in one user message', async () => {
    server.push({
      toolUses: [
        { id: 'toolu_a', name: 'get_disk', input: { host: 'web1' } },
        { id: 'toolu_b', name: 'get_load', input: { host: 'web2' } },
      ],
    });
    server.push({ text: 'done' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.text).toBe('');
    expect(first.toolCalls.map((c) => c.id)).toEqual(['toolu_a', 'toolu_b']);
    await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'Check web1 and web2' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [
              { callId: 'toolu_a', name: 'get_disk', output: '93%', isError: false },
              { callId: 'toolu_b', name: 'get_load', output: 'timed out', isError: true },
            ],
          },
        ],
      }),
    );
    const body = server.requests[1]?.body as {
      messages: Array<{ role: string; content: unknown[] }>;
    };
    expect(body.messages).toHaveLength(3);
    expect(body.messages[1]?.content).toHaveLength(2);
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_a', content: '93%', is_error: false },
        { type: 'tool_result', tool_use_id: 'toolu_b', content: 'timed out', is_error: true },
      ],
    });
  });

  it('writes tool history as text when the request defines no tools', async () => {
    server.push({ text: 'final' });
    await model().generate(
      request({
        tools: [],
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 't1', name: 'get_disk', input: {} }],
          },
          {
            role: 'tool',
            results: [{ callId: 't1', name: 'get_disk', output: '93%', isError: false }],
          },
        ],
      }),
    );
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body.tools).toBeUndefined();
    expect(JSON.stringify(body.messages)).not.toContain('tool_use');
    expect(JSON.stringify(body.messages)).toContain('get_disk');
  });

  it('thinks on diagnosis without tools, and not with tools', async () => {
    server.push({ thinking: 'hmm', text: 'Root cause: disk full.' }, { text: 'ok' });
    const llm = model({ thinking: { budgetTokens: 2048 } });
    const diagnosis = await llm.generate(
      request({ task: 'diagnosis', tools: [], maxOutputTokens: 1000 }),
    );
    expect(diagnosis.text).toBe('Root cause: disk full.');
    expect(server.requests[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      max_tokens: 3048,
    });
    await llm.generate(request({ task: 'diagnosis' }));
    expect(server.requests[1]?.body).not.toHaveProperty('thinking');
  });

  it('maps 429 with retry-after to LLM_RATE_LIMITED with retryAfterMs', async () => {
    server.push({ error: { status: 429, headers: { 'retry-after': '7' } } });
    const error = await failure(model().generate(request()));
    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(error.category).toBe('third-party');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ retryAfterMs: 7000, status: 429, provider: 'anthropic' });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 500 to LLM_SERVER_ERROR, 529 to LLM_OVERLOADED, 401 to LLM_AUTH, 400 to LLM_BAD_REQUEST', async () => {
    server.push(
      { error: { status: 500 } },
      { error: { status: 529 } },
      { error: { status: 401 } },
      { error: { status: 400 } },
    );
    const llm = model();
    expect((await failure(llm.generate(request()))).code).toBe('LLM_SERVER_ERROR');
    expect((await failure(llm.generate(request()))).code).toBe('LLM_OVERLOADED');
    const auth = await failure(llm.generate(request()));
    expect(auth.code).toBe('LLM_AUTH');
    expect(auth.retryable).toBe(false);
    expect((await failure(llm.generate(request()))).code).toBe('LLM_BAD_REQUEST');
    expect(server.requests).toHaveLength(4);
  });

  it('maps an abort mid-call to LLM_ABORTED', async () => {
    server.push({ text: 'late', delayMs: 5000 });
    const controller = new AbortController();
    const pending = model().generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('LLM_ABORTED');
  });

  it('maps a refused connection to LLM_NETWORK and a slow answer to LLM_TIMEOUT', async () => {
    server.push({ text: 'late', delayMs: 2000 });
    const slow = model({ timeoutMs: 100 });
    expect((await failure(slow.generate(request()))).code).toBe('LLM_TIMEOUT');
    const url = server.url;
    await server.close();
    const gone = createAnthropicModel({ model: 'claude-x', apiKey: 'k', baseURL: url });
    expect((await failure(gone.generate(request()))).code).toBe('LLM_NETWORK');
    server = await startFakeAnthropicServer();
  });

  it('takes the key and base URL from the env option', async () => {
    server.push({ text: 'hi' });
    const llm = createAnthropicModel({
      model: 'claude-haiku-4-5',
      env: { ANTHROPIC_API_KEY: 'sk-env', ANTHROPIC_BASE_URL: server.url },
    });
    expect((await llm.generate(request())).text).toBe('hi');
    expect(apiKeyOf(server.requests[0]?.headers)).toBe('sk-env');
  });

  it('names both the env var and the config path when the key is missing', () => {
    let thrown: unknown;
    try {
      createAnthropicModel({ model: 'claude-x', env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(isOpsAgentError(thrown, 'SECRET_MISSING')).toBe(true);
    expect((thrown as Error).message).toMatch(
      /ANTHROPIC_API_KEY.*plugins\.llm\.providers\.anthropic\.apiKey/,
    );
  });
});
