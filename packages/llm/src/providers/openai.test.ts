import {
  defineTool,
  isOpsAgentError,
  type ModelRequest,
  OpsAgentError,
  runTurn,
  SecretRedactor,
  silentLogger,
} from '@opsagent/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpenAIModel } from './openai.js';

const tools = [
  {
    name: 'get_disk',
    description: 'Disk usage of a host',
    inputSchema: { type: 'object', properties: { host: { type: 'string' } }, required: ['host'] },
  },
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

async function failure(promise: Promise<unknown>): Promise<OpsAgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpsAgentError)) throw new Error(`expected an OpsAgentError, got ${error}`);
  return error;
}

describe('createOpenAIModel', () => {
  let server: FakeOpenAIServer;
  beforeEach(async () => {
    server = await startFakeOpenAIServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const model = (extra: Record<string, unknown> = {}) =>
    createOpenAIModel({ model: 'gpt-test', apiKey: 'sk-test', baseURL: server.url, ...extra });

  it('answers plain text with usage, cached tokens and stop reason', async () => {
    server.push({
      text: 'web1 is at 93%.',
      usage: { prompt_tokens: 1000, completion_tokens: 7, cached_tokens: 900 },
    });
    const llm = model();
    expect(llm.name).toBe('openai:gpt-test');
    expect(await llm.generate(request())).toEqual({
      text: 'web1 is at 93%.',
      toolCalls: [],
      stopReason: 'end',
      usage: { inputTokens: 100, outputTokens: 7, cachedInputTokens: 900 },
      model: 'gpt-test',
    });
    const sent = server.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.body).toMatchObject({
      model: 'gpt-test',
      max_tokens: 4096,
      messages: [
        { role: 'system', content: 'You are an ops agent.' },
        { role: 'user', content: 'How full is web1?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_disk',
            description: 'Disk usage of a host',
            parameters: tools[0]?.inputSchema,
          },
        },
      ],
    });
  });

  it('round-trips a tool call as assistant tool_calls and a tool message', async () => {
    server.push({ toolCalls: [{ id: 'call_1', name: 'get_disk', input: { host: 'web1' } }] });
    server.push({ text: 'web1 is at 93%.' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.stopReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([{ id: 'call_1', name: 'get_disk', input: { host: 'web1' } }]);
    await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'How full is web1?' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [{ callId: 'call_1', name: 'get_disk', output: '93%', isError: false }],
          },
        ],
      }),
    );
    const body = server.requests[1]?.body as { messages: unknown[] };
    expect(body.messages.slice(1)).toEqual([
      { role: 'user', content: 'How full is web1?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_disk', arguments: '{"host":"web1"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '93%' },
    ]);
  });

  it('returns parallel tool calls and sends one tool message per result', async () => {
    server.push({
      toolCalls: [
        { id: 'call_a', name: 'get_disk', input: { host: 'web1' } },
        { id: 'call_b', name: 'get_disk', input: { host: 'web2' } },
      ],
    });
    server.push({ text: 'done' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.toolCalls.map((c) => c.input)).toEqual([{ host: 'web1' }, { host: 'web2' }]);
    await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'Check web1 and web2' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [
              { callId: 'call_a', name: 'get_disk', output: '93%', isError: false },
              { callId: 'call_b', name: 'get_disk', output: 'unreachable', isError: true },
            ],
          },
        ],
      }),
    );
    const body = server.requests[1]?.body as { messages: unknown[] };
    expect(body.messages.slice(3)).toEqual([
      { role: 'tool', tool_call_id: 'call_a', content: '93%' },
      { role: 'tool', tool_call_id: 'call_b', content: 'Error: unreachable' },
    ]);
  });

  it('turns malformed tool arguments into an error result the model can correct (runTurn)', async () => {
    server.push(
      { toolCalls: [{ id: 'call_bad', name: 'get_disk', arguments: '{"host": "web1"' }] },
      { toolCalls: [{ id: 'call_ok', name: 'get_disk', input: { host: 'web1' } }] },
      { text: 'web1 is at 93%.' },
    );
    const ran: unknown[] = [];
    const getDisk = defineTool({
      name: 'get_disk',
      description: 'Disk usage of a host',
      input: z.object({ host: z.string() }),
      async run(input) {
        ran.push(input);
        return '93%';
      },
    });
    const turn = await runTurn({
      model: model(),
      system: 'sys',
      messages: [{ role: 'user', content: 'How full is web1?' }],
      tools: new Map([['get_disk', getDisk]]),
      options: { maxRounds: 4, toolTimeoutMs: 5000, toolOutputLimit: 1000 },
      principal: { id: 'alice', name: 'Alice', roles: ['admin'] },
      logger: silentLogger,
      redactor: new SecretRedactor(),
      signal: new AbortController().signal,
    });
    expect(turn.text).toBe('web1 is at 93%.');
    expect(ran).toEqual([{ host: 'web1' }]);
    const firstResult = turn.added[1];
    expect(firstResult?.role).toBe('tool');
    if (firstResult?.role !== 'tool') throw new Error('expected tool results');
    expect(firstResult.results[0]).toMatchObject({ callId: 'call_bad', isError: true });
    expect(firstResult.results[0]?.output).toMatch(
      /arguments for get_disk could not be read \(not valid JSON/,
    );
    const second = server.requests[1]?.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_bad' });
    expect(String(second.messages.at(-1)?.content)).toMatch(/^Error: the arguments for get_disk/);
  });

  it('maps 429 with retry-after to LLM_RATE_LIMITED with retryAfterMs', async () => {
    server.push({ error: { status: 429, headers: { 'retry-after': '3' } } });
    const error = await failure(model().generate(request()));
    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(error.category).toBe('third-party');
    expect(error.details).toMatchObject({ retryAfterMs: 3000, status: 429, provider: 'openai' });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 500 to LLM_SERVER_ERROR, 401 to LLM_AUTH, 400 to LLM_BAD_REQUEST', async () => {
    server.push({ error: { status: 500 } }, { error: { status: 401 } }, { error: { status: 400 } });
    const llm = model();
    expect((await failure(llm.generate(request()))).code).toBe('LLM_SERVER_ERROR');
    expect((await failure(llm.generate(request()))).code).toBe('LLM_AUTH');
    expect((await failure(llm.generate(request()))).code).toBe('LLM_BAD_REQUEST');
    expect(server.requests).toHaveLength(3);
  });

  it('maps an abort mid-call to LLM_ABORTED', async () => {
    server.push({ text: 'late', delayMs: 5000 });
    const controller = new AbortController();
    const pending = model().generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('LLM_ABORTED');
  });

  it('takes the key and base URL from the env option', async () => {
    server.push({ text: 'hi' });
    const llm = createOpenAIModel({
      model: 'gpt-test',
      env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: server.url },
    });
    expect((await llm.generate(request())).text).toBe('hi');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-env');
  });

  it('sends a placeholder key to a local server when none is configured', async () => {
    server.push({ text: 'hi' });
    const llm = createOpenAIModel({
      model: 'qwen3:8b',
      provider: 'ollama',
      baseURL: server.url,
      env: {},
    });
    expect(llm.name).toBe('ollama:qwen3:8b');
    expect((await llm.generate(request())).text).toBe('hi');
    expect(server.requests[0]?.headers.authorization).toMatch(/^Bearer \S+/);
  });

  it('names both the env var and the config path when the key is missing', () => {
    let thrown: unknown;
    try {
      createOpenAIModel({ model: 'gpt-test', env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(isOpsAgentError(thrown, 'SECRET_MISSING')).toBe(true);
    expect((thrown as Error).message).toMatch(
      /OPENAI_API_KEY.*plugins\.llm\.providers\.openai\.apiKey/,
    );
  });
});
