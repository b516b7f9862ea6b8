import type { ModelRequest, OpsAgentError } from '@opsagent/core';
import {
  createGeminiServer,
  type GeminiServer,
  geminiError,
  geminiErrorBody,
  geminiRateLimited,
} from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoogleModel } from './google.js';

const DISK_TOOL = {
  name: 'get_disk',
  description: 'Disk usage of a host',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { host: { type: 'string' } },
    required: ['host'],
    additionalProperties: false,
  },
};

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    task: 'chat',
    system: 'You are an ops agent.',
    messages: [{ role: 'user', content: 'How full is web1?' }],
    tools: [],
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<OpsAgentError> {
  try {
    await promise;
  } catch (error) {
    return error as OpsAgentError;
  }
  throw new Error('expected a rejection');
}

describe('createGoogleModel', () => {
  let server: GeminiServer;

  beforeEach(async () => {
    server = await createGeminiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const model = (options: { timeoutMs?: number } = {}) =>
    createGoogleModel({ model: 'gemini-2.5-flash', apiKey: 'k1', baseURL: server.url, ...options });

  it('answers a plain question with text, usage and the system instruction on the wire', async () => {
    server.enqueue({
      text: 'web1 is at 93%.',
      usage: { promptTokenCount: 80, candidatesTokenCount: 12, cachedContentTokenCount: 30 },
    });
    const llm = model();
    const response = await llm.generate(request({ maxOutputTokens: 256 }));

    expect(llm.name).toBe('google:gemini-2.5-flash');
    expect(response).toEqual({
      text: 'web1 is at 93%.',
      toolCalls: [],
      stopReason: 'end',
      usage: { inputTokens: 50, outputTokens: 12, cachedInputTokens: 30 },
      model: 'fake-gemini',
    });
    const [sent] = server.requests;
    expect(sent?.path).toBe('/v1/models/gemini-2.5-flash:generateContent');
    expect(sent?.headers['x-goog-api-key']).toBe('k1');
    expect(sent?.body.systemInstruction).toEqual({
      role: 'user',
      parts: [{ text: 'You are an ops agent.' }],
    });
    expect(sent?.body.contents).toEqual([{ role: 'user', parts: [{ text: 'How full is web1?' }] }]);
    expect(sent?.body.generationConfig).toEqual({ maxOutputTokens: 256 });
    expect(sent?.body.tools).toBeUndefined();
  });

  it('maps MAX_TOKENS and safety stops', async () => {
    server.enqueue(
      { text: 'cut', finishReason: 'MAX_TOKENS' },
      { text: '', finishReason: 'SAFETY' },
    );
    const llm = model();
    expect((await llm.generate(request())).stopReason).toBe('max_tokens');
    expect((await llm.generate(request())).stopReason).toBe('refusal');
  });

  it('round-trips a tool call: declarations, functionCall echo and functionResponse', async () => {
    server.enqueue(
      {
        text: 'Checking.',
        functionCalls: [{ name: 'get_disk', args: { host: 'web1' }, thoughtSignature: 'sig-1' }],
      },
      { text: 'web1 is at 93%.' },
    );
    const llm = model();
    const first = await llm.generate(request({ tools: [DISK_TOOL] }));

    expect(first.stopReason).toBe('tool_calls');
    expect(first.text).toBe('Checking.');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0]!;
    expect(call).toMatchObject({ name: 'get_disk', input: { host: 'web1' } });
    expect(call.id).toMatch(/^gemini-call-/);
    expect(server.requests[0]?.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_disk',
            description: 'Disk usage of a host',
            parametersJsonSchema: {
              type: 'object',
              properties: { host: { type: 'string' } },
              required: ['host'],
              additionalProperties: false,
            },
          },
        ],
      },
    ]);

    const second = await llm.generate(
      request({
        tools: [DISK_TOOL],
        messages: [
          { role: 'user', content: 'How full is web1?' },
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [{ callId: call.id, name: 'get_disk', output: '93%', isError: false }],
          },
        ],
      }),
    );

    expect(second).toMatchObject({ text: 'web1 is at 93%.', stopReason: 'end', toolCalls: [] });
    expect(server.requests[1]?.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'How full is web1?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          // The made-up id stays home; the thought signature goes back with the call.
          { functionCall: { name: 'get_disk', args: { host: 'web1' } }, thoughtSignature: 'sig-1' },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_disk', response: { output: '93%' } } }],
      },
    ]);
  });

  it('returns two parallel function calls and answers both in call order', async () => {
    server.enqueue(
      {
        functionCalls: [
          { name: 'get_disk', args: { host: 'web1' }, id: 'fc-1' },
          { name: 'get_disk', args: { host: 'web2' }, id: 'fc-2' },
        ],
      },
      { text: 'Both fine.' },
    );
    const llm = model();
    const first = await llm.generate(request({ tools: [DISK_TOOL] }));

    expect(first.toolCalls).toEqual([
      { id: 'fc-1', name: 'get_disk', input: { host: 'web1' } },
      { id: 'fc-2', name: 'get_disk', input: { host: 'web2' } },
    ]);
    expect(first.stopReason).toBe('tool_calls');

    await llm.generate(
      request({
        tools: [DISK_TOOL],
        messages: [
          { role: 'user', content: 'Check web1 and web2' },
          { role: 'assistant', content: '', toolCalls: first.toolCalls },
          {
            role: 'tool',
            results: [
              { callId: 'fc-2', name: 'get_disk', output: 'no such host', isError: true },
              { callId: 'fc-1', name: 'get_disk', output: '40%', isError: false },
            ],
          },
        ],
      }),
    );
    const contents = server.requests[1]?.body.contents;
    expect(contents?.[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { id: 'fc-1', name: 'get_disk', args: { host: 'web1' } } },
        { functionCall: { id: 'fc-2', name: 'get_disk', args: { host: 'web2' } } },
      ],
    });
    expect(contents?.[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { id: 'fc-1', name: 'get_disk', response: { output: '40%' } } },
        {
          functionResponse: { id: 'fc-2', name: 'get_disk', response: { error: 'no such host' } },
        },
      ],
    });
  });

  it('replays Gemini 3 calls without a known signature with the documented skip value', async () => {
    server.enqueue({ text: 'ok' });
    const llm = createGoogleModel({ model: 'gemini-3-flash', apiKey: 'k', baseURL: server.url });
    await llm.generate(
      request({
        messages: [
          { role: 'user', content: 'check' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { id: 'a', name: 'get_disk', input: { host: 'web1' } },
              { id: 'b', name: 'get_disk', input: { host: 'web2' } },
            ],
          },
          {
            role: 'tool',
            results: [
              { callId: 'a', name: 'get_disk', output: '1%', isError: false },
              { callId: 'b', name: 'get_disk', output: '2%', isError: false },
            ],
          },
        ],
      }),
    );
    const parts = server.requests[0]?.body.contents?.[1]?.parts;
    expect(parts?.[0]?.thoughtSignature).toBe('skip_thought_signature_validator');
    expect(parts?.[1]?.thoughtSignature).toBeUndefined();
  });

  it('maps 429 with RetryInfo to LLM_RATE_LIMITED with retryAfterMs, without retrying', async () => {
    server.enqueue(geminiRateLimited(7.5));
    const error = await rejection(model().generate(request()));

    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.category).toBe('third-party');
    expect(error.details).toEqual({ retryAfterMs: 7500, status: 429, provider: 'google' });
    expect(server.requests).toHaveLength(1);
  });

  it('maps 500 to LLM_SERVER_ERROR and 503 to LLM_OVERLOADED', async () => {
    server.enqueue(
      geminiError(500, 'An internal error has occurred.'),
      geminiError(503, 'The model is overloaded. Please try again later.'),
    );
    const llm = model();
    const internal = await rejection(llm.generate(request()));
    expect(internal.code).toBe('LLM_SERVER_ERROR');
    expect(internal.message).toContain('An internal error has occurred.');
    expect(internal.details.status).toBe(500);
    expect((await rejection(llm.generate(request()))).code).toBe('LLM_OVERLOADED');
    expect(server.requests).toHaveLength(2);
  });

  it('maps 401, 403 and 400 API_KEY_INVALID to LLM_AUTH, other 400s to LLM_BAD_REQUEST', async () => {
    server.enqueue(
      geminiError(401),
      geminiError(403, 'Permission denied'),
      geminiError(400, 'Invalid JSON payload received.'),
    );
    const llm = model();
    expect((await rejection(llm.generate(request()))).code).toBe('LLM_AUTH');
    expect((await rejection(llm.generate(request()))).code).toBe('LLM_AUTH');
    const bad = await rejection(llm.generate(request()));
    expect(bad.code).toBe('LLM_BAD_REQUEST');
    expect(bad.retryable).toBe(false);

    const guarded = await createGeminiServer({ apiKey: 'right' });
    try {
      const wrongKey = createGoogleModel({
        model: 'gemini-2.5-flash',
        apiKey: 'wrong',
        baseURL: guarded.url,
      });
      const error = await rejection(wrongKey.generate(request()));
      expect(error.code).toBe('LLM_AUTH');
      expect(error.details.status).toBe(400);
    } finally {
      await guarded.close();
    }
  });

  it('rejects with LLM_ABORTED when the caller aborts mid-call', async () => {
    server.enqueue({ text: 'too late', delayMs: 5_000 });
    const controller = new AbortController();
    const pending = model().generate(request({ signal: controller.signal }));
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort();

    const error = await rejection(pending);
    expect(error.code).toBe('LLM_ABORTED');
    expect(error.retryable).toBe(false);
  });

  it('rejects with LLM_TIMEOUT when the server is slower than timeoutMs', async () => {
    server.enqueue({ text: 'slow', delayMs: 5_000 });
    const error = await rejection(model({ timeoutMs: 100 }).generate(request()));
    expect(error.code).toBe('LLM_TIMEOUT');
  });

  it('rejects with LLM_NETWORK when nothing listens', async () => {
    const url = server.url;
    await server.close();
    server = await createGeminiServer();
    const llm = createGoogleModel({ model: 'gemini-2.5-flash', apiKey: 'k', baseURL: url });
    const error = await rejection(llm.generate(request()));
    expect(error.code).toBe('LLM_NETWORK');
    expect(error.retryable).toBe(true);
  });

  it('reads the key and base URL from an injected env object', async () => {
    server.enqueue({ text: 'hi' }, { text: 'hi again' });
    const fromGemini = createGoogleModel({
      model: 'gemini-2.5-flash',
      env: { GEMINI_API_KEY: 'gemini-key', GOOGLE_GEMINI_BASE_URL: server.url },
    });
    expect((await fromGemini.generate(request())).text).toBe('hi');
    expect(server.requests[0]?.headers['x-goog-api-key']).toBe('gemini-key');

    const fromGoogle = createGoogleModel({
      model: 'gemini-2.5-flash',
      env: {
        GOOGLE_API_KEY: 'google-key',
        GEMINI_API_KEY: 'gemini-key',
        GOOGLE_GEMINI_BASE_URL: server.url,
      },
    });
    await fromGoogle.generate(request());
    expect(server.requests[1]?.headers['x-goog-api-key']).toBe('google-key');
  });

  it('throws SECRET_MISSING naming both variables when no key is configured', () => {
    expect(() => createGoogleModel({ model: 'gemini-2.5-flash', env: {} })).toThrow(
      /GOOGLE_API_KEY or GEMINI_API_KEY/,
    );
  });

  it('serves the v1beta path and the error body shape of the real API', async () => {
    server.enqueue({
      status: 404,
      body: geminiErrorBody(404, 'NOT_FOUND', 'models/x is not found'),
    });
    const llm = createGoogleModel({
      model: 'x',
      apiKey: 'k',
      baseURL: server.url,
      apiVersion: 'v1beta',
    });
    const error = await rejection(llm.generate(request()));
    expect(server.requests[0]?.path).toBe('/v1beta/models/x:generateContent');
    expect(error.code).toBe('LLM_BAD_REQUEST');
    expect(error.message).toContain('models/x is not found');
  });
});
