import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bedrockModelIdOf,
  createGeminiServer,
  startFakeAnthropicServer,
  startFakeBedrockServer,
  startFakeOpenAIServer,
} from '@opsagent/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-llm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `opsagent chat` with a question on stdin; async, so fakes in this process keep serving. */
function chat(
  question: string,
  env: Record<string, string>,
  options: { args?: string[]; cwd?: string } = {},
) {
  return runCli(options.args ?? ['chat'], {
    cwd: options.cwd ?? dir,
    env: cliEnv(dir, env),
    input: `${question}\n`,
  });
}

describe('opsagent chat with a model provider from the environment', () => {
  it('answers through Anthropic, calling a tool of the local preset', async () => {
    const server = await startFakeAnthropicServer([
      { toolUses: [{ name: 'host_status', input: {} }] },
      { text: 'This machine is mostly idle.' },
    ]);
    try {
      const result = await chat('how busy is this machine?', {
        ANTHROPIC_API_KEY: 'sk-ant-test-key-123',
        ANTHROPIC_BASE_URL: server.url,
      });
      expect(result.stdout).toContain('This machine is mostly idle.');
      expect(result.stdout).toContain('Running host_status');
      expect(result.code).toBe(0);
      expect(server.requests).toHaveLength(2);
      expect(JSON.stringify(server.requests[1]!.body)).toContain('tool_result');
      expect(JSON.stringify(server.requests[1]!.body)).toContain('Memory');
      // The interaction log records both calls, with the key redacted.
      const log = readFileSync(join(dir, 'data', 'llm.jsonl'), 'utf8');
      expect(log.trim().split('\n').length).toBeGreaterThanOrEqual(2);
      expect(log).not.toContain('sk-ant-test-key-123');
    } finally {
      await server.close();
    }
  });

  it('answers through an OpenAI-compatible server given only OPENAI_BASE_URL', async () => {
    const server = await startFakeOpenAIServer([
      { toolCalls: [{ name: 'disk_usage', input: {} }] },
      { text: 'The root disk has plenty of room.' },
    ]);
    try {
      const result = await chat('is the disk full?', {
        OPENAI_BASE_URL: server.url,
        OPSAGENT_MODEL: 'openai:llama3.1',
      });
      expect(result.stdout).toContain('The root disk has plenty of room.');
      expect(server.requests).toHaveLength(2);
      expect((server.requests[0]!.body as { model: string }).model).toBe('llama3.1');
    } finally {
      await server.close();
    }
  });

  it('answers through Gemini given GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL', async () => {
    const server = await createGeminiServer();
    server.enqueue(
      { functionCalls: [{ name: 'host_status', args: {} }] },
      { text: 'Load is low.' },
    );
    try {
      const result = await chat('what is the load?', {
        GEMINI_API_KEY: 'gem-test-key-123',
        GOOGLE_GEMINI_BASE_URL: server.url,
      });
      expect(result.stdout).toContain('Load is low.');
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('answers through Bedrock with AWS credentials and OPSAGENT_MODEL=bedrock:...', async () => {
    const server = await startFakeBedrockServer([
      { toolUses: [{ name: 'host_status', input: {} }] },
      { text: 'Bedrock says: mostly idle.' },
    ]);
    try {
      const result = await chat('how busy is this machine?', {
        AWS_ACCESS_KEY_ID: 'AKIDCLITEST',
        AWS_SECRET_ACCESS_KEY: 'cli-secret-access-key-123',
        AWS_REGION: 'eu-central-1',
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: server.url,
        OPSAGENT_MODEL: 'bedrock:eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      });
      expect(result.stdout).toContain('Bedrock says: mostly idle.');
      expect(server.requests).toHaveLength(2);
      expect(bedrockModelIdOf(server.requests[0]!)).toBe(
        'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      );
      expect(server.requests[0]!.headers.authorization).toContain('/eu-central-1/bedrock/');
      expect(JSON.stringify(server.requests[1]!.body)).toContain('toolResult');
      const log = readFileSync(join(dir, 'data', 'llm.jsonl'), 'utf8');
      expect(log).not.toContain('cli-secret-access-key-123');
    } finally {
      await server.close();
    }
  });

  it('falls back to the next provider when the first answers 500', async () => {
    const anthropic = await startFakeAnthropicServer([
      { error: { status: 500 } },
      { error: { status: 500 } },
    ]);
    const openai = await startFakeOpenAIServer([{ text: 'Answered by the fallback.' }]);
    try {
      const result = await chat('hello?', {
        ANTHROPIC_API_KEY: 'sk-ant-test-key-123',
        ANTHROPIC_BASE_URL: anthropic.url,
        OPENAI_API_KEY: 'sk-openai-test-123',
        OPENAI_BASE_URL: openai.url,
      });
      expect(result.stdout).toContain('Answered by the fallback.');
      expect(anthropic.requests.length).toBeGreaterThanOrEqual(1);
      expect(openai.requests).toHaveLength(1);
    } finally {
      await anthropic.close();
      await openai.close();
    }
  });
});

describe('opsagent with a plugins.llm section in opsagent.yaml', () => {
  /** A folder with an opsagent.yaml whose llm section is `llm` (YAML, indented under plugins). */
  function project(name: string, llm: string): string {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'opsagent.yaml'),
      `preset: local\nstore:\n  type: memory\nplugins:\n  llm:\n${llm.replace(/^/gm, '    ')}\n`,
    );
    return folder;
  }

  it('answers through a configured local provider, then reports the cost in chat', async () => {
    const server = await startFakeOpenAIServer([
      { toolCalls: [{ name: 'host_status', input: {} }], usage: { prompt_tokens: 1200 } },
      { text: 'All quiet on this machine.', usage: { prompt_tokens: 1500, completion_tokens: 40 } },
    ]);
    try {
      const cwd = project(
        'local-provider',
        [
          'providers:',
          '  ollama:',
          '    type: openai',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: YAML interpolated by opsagent
          '    baseURL: ${LOCAL_LLM_URL}',
          'catalog:',
          '  - id: llama3.1',
          '    provider: ollama',
          '    contextWindow: 128000',
          '    maxOutputTokens: 8192',
          '    pricing: { inputPerMTok: 0.5, outputPerMTok: 1 }',
          '    tier: fast',
          'routes:',
          '  chat: [ollama:llama3.1]',
          'fromEnv: false',
        ].join('\n'),
      );
      const result = await chat(
        'how is this machine?\ncost',
        {
          LOCAL_LLM_URL: server.url,
          ANTHROPIC_API_KEY: 'sk-ant-unused-key',
          // A data folder of its own: today's usage of the other tests would be restored.
          OPSAGENT_DATA_DIR: join(cwd, 'data'),
        },
        { cwd },
      );
      expect(result.stdout).toContain('All quiet on this machine.');
      expect(server.requests).toHaveLength(2);
      expect((server.requests[0]!.body as { model: string }).model).toBe('llama3.1');
      // 2,700 input x $0.5/M + 45 output x $1/M = $0.0014 (the fake counts 5 output tokens for the first call).
      expect(result.stdout).toMatch(
        /This conversation +\$0\.0014: 2 calls, 2,700 input \/ 45 output tokens/,
      );
      expect(result.stdout).toMatch(/Today \(UTC\) +\$0\.0014: 2 calls/);
      expect(result.code).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('doctor prints one line per configured provider', async () => {
    const anthropic = await startFakeAnthropicServer();
    try {
      const cwd = project(
        'doctor',
        [
          'providers:',
          '  anthropic:',
          `    baseURL: ${anthropic.url}`,
          '  google: {}',
          '  bedrock:',
          '    region: eu-west-1',
        ].join('\n'),
      );
      const result = await chat(
        '',
        {
          ANTHROPIC_API_KEY: 'sk-ant-doctor-key',
          AWS_ACCESS_KEY_ID: 'AKIDDOCTOR',
          AWS_SECRET_ACCESS_KEY: 'doctor-secret',
        },
        { cwd, args: ['doctor'] },
      );
      expect(result.stdout).toMatch(
        /✓ model +providers: anthropic \(config\), google \(config\), bedrock \(config\)/,
      );
      expect(result.stdout).toMatch(/✓ llm anthropic +key from ANTHROPIC_API_KEY; .* reachable/);
      expect(result.stdout).toMatch(
        /✗ llm google +no API key: set GEMINI_API_KEY or plugins\.llm\.providers\.google\.apiKey/,
      );
      expect(result.stdout).toMatch(
        /✓ llm bedrock +AWS credentials resolve .*region eu-west-1.*not checked/,
      );
      expect(result.stdout).not.toContain('sk-ant-doctor-key');
      expect(result.code).toBe(1);
    } finally {
      await anthropic.close();
    }
  });

  it('rejects a broken llm section naming the field and the fix', async () => {
    const cwd = project('broken', ['providers:', '  bedrock:', '    apiKey: nope'].join('\n'));
    const result = await chat('hello', {}, { cwd });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/plugins\.llm\.providers\.bedrock\.apiKey/);
    expect(result.stderr).toMatch(/bedrock uses AWS credentials/);
  });
});
