import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { type ModelRequest, OpsAgentError } from '@opsagent/core';
import {
  bedrockModelIdOf,
  type FakeBedrockServer,
  startFakeAnthropicServer,
  startFakeBedrockServer,
} from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRouter } from '../routing/router.js';
import { createAnthropicModel } from './anthropic.js';
import { type BedrockModelOptions, createBedrockModel } from './bedrock.js';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-test' };

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

async function failure(promise: Promise<unknown>): Promise<OpsAgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpsAgentError)) throw new Error(`expected an OpsAgentError, got ${error}`);
  return error;
}

describe('createBedrockModel', () => {
  let server: FakeBedrockServer;
  beforeEach(async () => {
    server = await startFakeBedrockServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const model = (extra: Partial<BedrockModelOptions> = {}) =>
    createBedrockModel({
      model: SONNET,
      region: 'eu-west-1',
      endpoint: server.url,
      credentials: CREDENTIALS,
      env: {},
      ...extra,
    });

  it('answers plain text through a SigV4-signed Converse call, with usage and cache reads', async () => {
    server.push({
      text: 'web1 is at 93%.',
      usage: { inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 900 },
    });
    const llm = model();
    expect(llm.name).toBe(`bedrock:${SONNET}`);
    const response = await llm.generate(request());
    expect(response).toEqual({
      text: 'web1 is at 93%.',
      toolCalls: [],
      stopReason: 'end',
      usage: { inputTokens: 100, outputTokens: 7, cachedInputTokens: 900 },
      model: SONNET,
    });
    const sent = server.requests[0]!;
    expect(bedrockModelIdOf(sent)).toBe(SONNET);
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
    );
    const body = sent.body as Record<string, unknown>;
    expect(body.system).toEqual([
      { text: 'You are an ops agent.' },
      { cachePoint: { type: 'default' } },
    ]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'How full is web1?' }] }]);
    expect(body.inferenceConfig).toEqual({ maxTokens: 4096 });
    expect(body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_disk',
            description: 'Disk usage of a host',
            inputSchema: { json: tools[0]!.inputSchema },
          },
        },
        {
          toolSpec: {
            name: 'get_load',
            description: 'Load of a host',
            inputSchema: { json: { type: 'object' } },
          },
        },
        { cachePoint: { type: 'default' } },
      ],
    });
  });

  it('round-trips a tool call as toolUse and toolResult blocks', async () => {
    server.push({
      text: 'Checking.',
      toolUses: [{ toolUseId: 'tooluse_1', name: 'get_disk', input: { host: 'web1' } }],
    });
    server.push({ text: 'web1 is at 93%.' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.stopReason).toBe('tool_calls');
    expect(first.toolCalls).toEqual([
      { id: 'tooluse_1', name: 'get_disk', input: { host: 'web1' } },
    ]);
    const second = await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'How full is web1?' },
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [{ callId: 'tooluse_1', name: 'get_disk', output: '93%', isError: false }],
          },
        ],
      }),
    );
    expect(second.text).toBe('web1 is at 93%.');
    expect((server.requests[1]!.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ text: 'How full is web1?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tooluse_1', name: 'get_disk', input: { host: 'web1' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_1', content: [{ text: '93%' }], status: 'success' } },
        ],
      },
    ]);
  });

  it('returns parallel tool calls and sends their results in one user message', async () => {
    server.push({
      toolUses: [
        { toolUseId: 'a', name: 'get_disk', input: { host: 'web1' } },
        { toolUseId: 'b', name: 'get_load', input: {} },
      ],
    });
    server.push({ text: 'done' });
    const llm = model();
    const first = await llm.generate(request());
    expect(first.toolCalls.map((c) => c.id)).toEqual(['a', 'b']);
    await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'Check web1' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [
              { callId: 'a', name: 'get_disk', output: '93%', isError: false },
              { callId: 'b', name: 'get_load', output: 'timed out', isError: true },
            ],
          },
        ],
      }),
    );
    const body = server.requests[1]?.body as { messages: Array<{ content: unknown[] }> };
    expect(body.messages).toHaveLength(3);
    expect(body.messages[1]?.content).toHaveLength(2);
    expect(body.messages[2]?.content).toEqual([
      { toolResult: { toolUseId: 'a', content: [{ text: '93%' }], status: 'success' } },
      { toolResult: { toolUseId: 'b', content: [{ text: 'timed out' }], status: 'error' } },
    ]);
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
    expect(body.toolConfig).toBeUndefined();
    expect(JSON.stringify(body.messages)).not.toContain('toolUse');
    expect(JSON.stringify(body.messages)).toContain('get_disk');
  });

  it('thinks on diagnosis without tools through additionalModelRequestFields', async () => {
    server.push({ reasoning: 'hmm', text: 'Root cause: disk full.' });
    const response = await model({ thinking: { budgetTokens: 2048 } }).generate(
      request({ task: 'diagnosis', tools: [], maxOutputTokens: 1000 }),
    );
    expect(response.text).toBe('Root cause: disk full.');
    expect(server.requests[0]?.body).toMatchObject({
      inferenceConfig: { maxTokens: 3048 },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
    });
  });

  it('answers after a throttling error when SDK retries are allowed', async () => {
    server.push({ error: { status: 429, type: 'ThrottlingException' } }, { text: 'ok now' });
    const response = await model({ maxAttempts: 2 }).generate(request());
    expect(response.text).toBe('ok now');
    expect(server.requests).toHaveLength(2);
  });

  it('maps Bedrock errors to the llmError codes', async () => {
    const cases: Array<[number, string, string]> = [
      [429, 'ThrottlingException', 'LLM_RATE_LIMITED'],
      [503, 'ServiceUnavailableException', 'LLM_OVERLOADED'],
      [500, 'InternalServerException', 'LLM_SERVER_ERROR'],
      [424, 'ModelErrorException', 'LLM_SERVER_ERROR'],
      [408, 'ModelTimeoutException', 'LLM_TIMEOUT'],
      [403, 'AccessDeniedException', 'LLM_AUTH'],
      [400, 'ValidationException', 'LLM_BAD_REQUEST'],
      [404, 'ResourceNotFoundException', 'LLM_BAD_REQUEST'],
    ];
    for (const [status, type] of cases) server.push({ error: { status, type } });
    const llm = model();
    for (const [status, type, code] of cases) {
      const error = await failure(llm.generate(request()));
      expect([type, error.code]).toEqual([type, code]);
      expect(error.category).toBe('third-party');
      expect(error.details).toMatchObject({ status, provider: 'bedrock' });
      expect(error.message).toContain(type);
    }
    // maxAttempts 1 by default: the router, not the SDK, decides what happens next.
    expect(server.requests).toHaveLength(cases.length);
  });

  it('maps a request the service rejects as unsigned to LLM_AUTH, with a hint', async () => {
    server.push({ text: 'never' });
    const unsigned = createBedrockModel({
      model: SONNET,
      client: new BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: server.url,
        maxAttempts: 1,
        credentials: CREDENTIALS,
        // A signer that signs nothing: the request goes out without an authorization header.
        signer: { sign: async (signable) => signable },
      }),
    });
    const error = await failure(unsigned.generate(request()));
    expect(error.code).toBe('LLM_AUTH');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/MissingAuthenticationToken.*AWS credentials/);
  });

  it('maps an abort mid-call to LLM_ABORTED, a slow answer to LLM_TIMEOUT, a refused connection to LLM_NETWORK', async () => {
    server.push({ text: 'late', delayMs: 5000 }, { text: 'late', delayMs: 5000 });
    const controller = new AbortController();
    const pending = model().generate(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('LLM_ABORTED');
    expect((await failure(model({ timeoutMs: 100 }).generate(request()))).code).toBe('LLM_TIMEOUT');
    const url = server.url;
    await server.close();
    const gone = model({ endpoint: url });
    expect((await failure(gone.generate(request()))).code).toBe('LLM_NETWORK');
    server = await startFakeBedrockServer();
  });

  it('takes region, endpoint and credentials from the environment', async () => {
    server.push({ text: 'hi' });
    const llm = createBedrockModel({
      model: HAIKU,
      env: {
        AWS_REGION: 'us-west-2',
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: server.url,
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
      },
    });
    expect((await llm.generate(request())).text).toBe('hi');
    expect(server.requests[0]?.headers.authorization).toContain('AKIDENV/');
    expect(server.requests[0]?.headers.authorization).toContain('/us-west-2/bedrock/');
    expect(bedrockModelIdOf(server.requests[0]!)).toBe(HAIKU);
  });
});

describe('Bedrock behind the router', () => {
  it('falls back from a Bedrock 500 to the next model', async () => {
    const bedrock = await startFakeBedrockServer([{ error: { status: 500 } }]);
    const anthropic = await startFakeAnthropicServer([{ text: 'from anthropic' }]);
    try {
      const router = createRouter({
        models: {
          bedrock: (id) =>
            createBedrockModel({ model: id, endpoint: bedrock.url, credentials: CREDENTIALS }),
          anthropic: (id) =>
            createAnthropicModel({ model: id, apiKey: 'k', baseURL: anthropic.url }),
        },
        routes: { chat: [`bedrock:${SONNET}`, 'anthropic:claude-sonnet-4-5'] },
      });
      const response = await router.generate(request());
      expect(response.text).toBe('from anthropic');
      expect(bedrock.requests).toHaveLength(1);
    } finally {
      await bedrock.close();
      await anthropic.close();
    }
  });

  it('moves on from a throttled Bedrock model to the next one, which answers', async () => {
    const bedrock = await startFakeBedrockServer([
      { error: { status: 429, type: 'ThrottlingException' } },
      { text: 'from haiku' },
    ]);
    try {
      const router = createRouter({
        models: {
          bedrock: (id) =>
            createBedrockModel({ model: id, endpoint: bedrock.url, credentials: CREDENTIALS }),
        },
        routes: { chat: [`bedrock:${SONNET}`, `bedrock:${HAIKU}`] },
      });
      const response = await router.generate(request());
      expect(response.text).toBe('from haiku');
      expect(bedrock.requests.map(bedrockModelIdOf)).toEqual([SONNET, HAIKU]);
    } finally {
      await bedrock.close();
    }
  });
});
