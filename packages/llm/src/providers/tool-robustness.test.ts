import {
  defineTool,
  type LanguageModel,
  runTurn,
  SecretRedactor,
  silentLogger,
  type Tool,
} from '@opsagent/core';
import {
  startFakeAnthropicServer,
  startFakeBedrockServer,
  startFakeOpenAIServer,
} from '@opsagent/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAnthropicModel } from './anthropic.js';
import { createBedrockModel } from './bedrock.js';
import { createOpenAIModel } from './openai.js';

function tools() {
  const ran: unknown[] = [];
  const getDisk = defineTool({
    name: 'get_disk',
    description: 'Disk usage of a host',
    input: z.object({ host: z.string(), mount: z.string().default('/') }),
    async run(input) {
      ran.push(input);
      return `${input.host} ${input.mount}: 93%`;
    },
  });
  // A loose schema: any object passes, so malformed arguments must be caught before validation.
  const hostStatus = defineTool({
    name: 'host_status',
    description: 'Status of this machine',
    input: z.object({ verbose: z.boolean().optional() }),
    async run(input) {
      ran.push(input);
      return 'all fine';
    },
  });
  return {
    ran,
    map: new Map<string, Tool>([
      ['get_disk', getDisk],
      ['host_status', hostStatus],
    ]),
  };
}

function turn(model: LanguageModel, toolMap: Map<string, Tool>, maxToolInputErrors?: number) {
  return runTurn({
    model,
    system: 'sys',
    messages: [{ role: 'user', content: 'How full is web1?' }],
    tools: toolMap,
    options: {
      maxRounds: 8,
      toolTimeoutMs: 5000,
      toolOutputLimit: 1000,
      ...(maxToolInputErrors !== undefined ? { maxToolInputErrors } : {}),
    },
    principal: { id: 'alice', name: 'Alice', roles: ['admin'] },
    logger: silentLogger,
    redactor: new SecretRedactor(),
    signal: new AbortController().signal,
  });
}

describe('tool arguments the model gets wrong come back as errors it can correct', () => {
  it('OpenAI-compatible: malformed JSON for a loose-schema tool is not run; corrected on the second try', async () => {
    const server = await startFakeOpenAIServer([
      { toolCalls: [{ id: 'c1', name: 'host_status', arguments: '{verbose: true' }] },
      { toolCalls: [{ id: 'c2', name: 'host_status', arguments: '{"verbose": true}' }] },
      { text: 'All fine.' },
    ]);
    try {
      const { ran, map } = tools();
      const result = await turn(
        createOpenAIModel({ model: 'llama3.1', baseURL: server.url, env: {} }),
        map,
      );
      expect(result.text).toBe('All fine.');
      expect(ran).toEqual([{ verbose: true }]);
      const second = server.requests[1]!.body as {
        messages: Array<{ role: string; content: string }>;
      };
      expect(second.messages.at(-1)?.role).toBe('tool');
      expect(second.messages.at(-1)?.content).toMatch(
        /^Error: the arguments for host_status could not be read \(not valid JSON: .*received "\{verbose: true"\)/,
      );
    } finally {
      await server.close();
    }
  });

  it('OpenAI-compatible: arguments that are JSON but not an object are refused', async () => {
    const server = await startFakeOpenAIServer([
      { toolCalls: [{ id: 'c1', name: 'get_disk', arguments: '["web1"]' }] },
      { toolCalls: [{ id: 'c2', name: 'get_disk', arguments: '{"host":"web1"}' }] },
      { text: 'done' },
    ]);
    try {
      const { ran, map } = tools();
      await turn(createOpenAIModel({ model: 'm', baseURL: server.url, env: {} }), map);
      expect(ran).toEqual([{ host: 'web1', mount: '/' }]);
      expect(JSON.stringify(server.requests[1]!.body)).toContain('expected a JSON object');
    } finally {
      await server.close();
    }
  });

  it('Anthropic: input failing the schema is corrected on the second try', async () => {
    const server = await startFakeAnthropicServer([
      { toolUses: [{ id: 't1', name: 'get_disk', input: { hostname: 'web1' } }] },
      { toolUses: [{ id: 't2', name: 'get_disk', input: { host: 'web1' } }] },
      { text: 'web1 is at 93%.' },
    ]);
    try {
      const { ran, map } = tools();
      const result = await turn(
        createAnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'k', baseURL: server.url }),
        map,
      );
      expect(result.text).toBe('web1 is at 93%.');
      expect(ran).toEqual([{ host: 'web1', mount: '/' }]);
      const second = server.requests[1]!.body as {
        messages: Array<{ content: Array<Record<string, unknown>> }>;
      };
      expect(second.messages.at(-1)?.content[0]).toMatchObject({
        type: 'tool_result',
        tool_use_id: 't1',
        is_error: true,
      });
      expect(String(second.messages.at(-1)?.content[0]?.content)).toMatch(
        /invalid input for get_disk: host: .*; call get_disk again with corrected arguments/,
      );
    } finally {
      await server.close();
    }
  });

  it('Bedrock: input failing the schema is corrected on the second try', async () => {
    const server = await startFakeBedrockServer([
      { toolUses: [{ toolUseId: 'b1', name: 'get_disk', input: { host: 42 } }] },
      { toolUses: [{ toolUseId: 'b2', name: 'get_disk', input: { host: 'web1' } }] },
      { text: 'web1 is at 93%.' },
    ]);
    try {
      const { ran, map } = tools();
      const result = await turn(
        createBedrockModel({
          model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
          endpoint: server.url,
          credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
        }),
        map,
      );
      expect(result.text).toBe('web1 is at 93%.');
      expect(ran).toEqual([{ host: 'web1', mount: '/' }]);
      expect(JSON.stringify(server.requests[1]!.body)).toMatch(
        /"toolUseId":"b1","content":\[\{"text":"invalid input for get_disk: host: [^"]*"\}\],"status":"error"/,
      );
    } finally {
      await server.close();
    }
  });

  it('stops offering tools after too many unusable calls and asks for an answer', async () => {
    const server = await startFakeOpenAIServer([
      { toolCalls: [{ name: 'get_disk', arguments: '{' }] },
      { toolCalls: [{ name: 'get_disk', arguments: '{"host": 1}' }] },
      { toolCalls: [{ name: 'no_such_tool', arguments: '{}' }] },
      { text: 'I could not check the disk.' },
    ]);
    try {
      const { ran, map } = tools();
      const result = await turn(
        createOpenAIModel({ model: 'm', baseURL: server.url, env: {} }),
        map,
        3,
      );
      expect(result.text).toBe('I could not check the disk.');
      expect(ran).toEqual([]);
      expect(server.requests).toHaveLength(4);
      const last = server.requests[3]!.body as {
        tools?: unknown;
        messages: Array<{ role: string; content: string }>;
      };
      expect(last.tools).toBeUndefined();
      expect(last.messages[0]?.content).toMatch(
        /Your tool calls had unusable arguments 3 times, so no more tools can be called/,
      );
    } finally {
      await server.close();
    }
  });
});
