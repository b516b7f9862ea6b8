import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CommandContext,
  createManualClock,
  isOpsAgentError,
  type ModelRequest,
  type OutboundMessage,
  silentLogger,
} from '@opsagent/core';
import {
  startFakeAnthropicServer,
  startFakeBedrockServer,
  startFakeOpenAIServer,
} from '@opsagent/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveProviders } from './providers.js';
import { type LlmConfig, llmConfigSchema, parseSize } from './schema.js';
import { createLlm } from './setup.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-llm-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (section: unknown): LlmConfig => llmConfigSchema.parse(section);

function issues(section: unknown): string[] {
  const result = llmConfigSchema.safeParse(section);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const ask = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  task: 'chat',
  system: 'sys',
  messages: [{ role: 'user', content: 'hello?' }],
  tools: [],
  ...overrides,
});

function commandContext(args: string[] = []): CommandContext {
  return {
    args,
    message: {
      channel: 'console',
      address: { chat: 'local' },
      sender: { id: 'local' },
      text: `cost ${args.join(' ')}`,
    } as CommandContext['message'],
    principal: { id: 'local', name: 'you', roles: ['admin'] },
    address: { chat: 'local' },
    logger: silentLogger,
    signal: new AbortController().signal,
  };
}

function render(message: OutboundMessage | string): string {
  if (typeof message === 'string') return message;
  return message.blocks
    .map((block) =>
      block.type === 'text'
        ? block.text
        : block.type === 'section'
          ? [
              `# ${block.section.title}`,
              ...block.section.fields.map((f) => `${f.label}: ${f.value}`),
            ].join('\n')
          : '',
    )
    .join('\n');
}

describe('llm config section', () => {
  it('is valid empty, with defaults', () => {
    const config = parse({});
    expect(config.providers).toEqual({});
    expect(config.fromEnv).toBe(true);
    expect(config.budgets.onExceeded).toBe('refuse');
    expect(config.interactionLog).toEqual({ enabled: true, maxSize: 10 * 1024 * 1024, keep: 5 });
    expect(config.circuitBreaker).toEqual({ failureThreshold: 3, cooldown: 60_000 });
  });

  it('names the field and the fix for each mistake', () => {
    expect(issues({ providers: { ollama: { baseURL: 'http://127.0.0.1:11434/v1' } } })).toEqual([
      expect.stringMatching(/^providers\.ollama\.type: provider "ollama" needs a type: .*openai/),
    ]);
    expect(issues({ providers: { bedrock: { apiKey: 'k' } } })).toEqual([
      expect.stringMatching(/^providers\.bedrock\.apiKey: bedrock uses AWS credentials/),
    ]);
    expect(issues({ providers: { anthropic: { region: 'eu-west-1' } } })).toEqual([
      expect.stringMatching(/^providers\.anthropic\.region: region is a bedrock setting/),
    ]);
    expect(issues({ providers: { bedrock: { accessKeyId: 'AKID' } } })).toEqual([
      expect.stringMatching(/^providers\.bedrock\.secretAccessKey: .*give both or neither/),
    ]);
    expect(issues({ providers: { openai: { baseURL: 'not a url' } } })).toEqual([
      'providers.openai.baseURL: expected an http(s) URL',
    ]);
    expect(issues({ routes: { triage: ['anthropc:claude-haiku-4-5'] } })).toEqual([
      expect.stringMatching(/^routes\.triage\.0: unknown provider "anthropc"/),
    ]);
    expect(issues({ routes: { chat: ['llama3.1'] } })).toEqual([
      expect.stringMatching(
        /^routes\.chat\.0: "llama3\.1" is not in the model catalog; write it as provider:modelId/,
      ),
    ]);
    expect(issues({ budgets: { perDayUsd: -1 } })[0]).toMatch(/^budgets\.perDayUsd: /);
    expect(issues({ budgets: { onExceeded: 'panic' } })[0]).toMatch(/^budgets\.onExceeded: /);
    expect(issues({ interactionLog: { maxSize: '10XB' } })).toEqual([
      'interactionLog.maxSize: expected a size like "10MiB", "500KB" or a number of bytes',
    ]);
    expect(issues({ providers: { Bad: {} } })[0]).toMatch(/provider names are lower case/);
    expect(issues({ budget: {} })[0]).toMatch(/budget/);
  });

  it('accepts a full section: local provider, catalog entry, routes, budgets, log', () => {
    const config = parse({
      providers: {
        ollama: { type: 'openai', baseURL: 'http://127.0.0.1:11434/v1', timeout: '2m' },
        bedrock: { region: 'eu-central-1' },
      },
      catalog: [
        {
          id: 'llama3.1',
          provider: 'ollama',
          contextWindow: 128000,
          maxOutputTokens: 8192,
          pricing: { inputPerMTok: 0, outputPerMTok: 0 },
          tier: 'fast',
        },
      ],
      routes: { triage: ['llama3.1', 'anthropic:claude-haiku-4-5'] },
      budgets: { perConversationUsd: 0.5, perDayUsd: 5, onExceeded: 'downgrade' },
      interactionLog: { maxSize: '1MiB', keep: 2 },
    });
    expect(config.providers.ollama?.timeout).toBe(120_000);
    expect(config.interactionLog.maxSize).toBe(1024 * 1024);
  });

  it('parses sizes', () => {
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('500 KB')).toBe(500_000);
    expect(parseSize(2048)).toBe(2048);
    expect(parseSize('0')).toBeUndefined();
    expect(parseSize('lots')).toBeUndefined();
  });
});

describe('resolveProviders', () => {
  it('takes config entries first, then what the environment configures', () => {
    const providers = resolveProviders(
      parse({ providers: { ollama: { type: 'openai', baseURL: 'http://127.0.0.1:1/v1' } } }),
      { ANTHROPIC_API_KEY: 'sk-ant', GEMINI_API_KEY: 'g' },
    );
    expect(providers.map((p) => [p.name, p.type, p.source, p.credential])).toEqual([
      ['ollama', 'openai', 'config', 'none needed for a local server'],
      ['anthropic', 'anthropic', 'env', 'ANTHROPIC_API_KEY'],
      ['google', 'google', 'env', 'GEMINI_API_KEY'],
    ]);
  });

  it('uses no environment provider with fromEnv: false, and skips disabled entries', () => {
    const providers = resolveProviders(
      parse({ fromEnv: false, providers: { anthropic: { enabled: false }, openai: {} } }),
      { ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oa' },
    );
    expect(providers.map((p) => [p.name, p.credential])).toEqual([['openai', 'OPENAI_API_KEY']]);
  });

  it('uses Bedrock from the environment only when asked for', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 's' };
    expect(resolveProviders(parse({}), env)).toEqual([]);
    expect(
      resolveProviders(parse({}), {
        ...env,
        OPSAGENT_MODEL: 'bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      }).map((p) => [p.name, p.credential]),
    ).toEqual([['bedrock', 'AWS_ACCESS_KEY_ID (region us-east-1)']]);
  });
});

describe('createLlm', () => {
  it('routes to a config provider, and never sends OPENAI_API_KEY to a custom-named local server', async () => {
    const local = await startFakeOpenAIServer([{ text: 'from the local model' }]);
    try {
      const llm = createLlm({
        config: parse({
          providers: { ollama: { type: 'openai', baseURL: local.url } },
          routes: { chat: ['ollama:llama3.1'] },
        }),
        env: { OPENAI_API_KEY: 'sk-real-openai-key' },
        dataDir: join(dir, 'route'),
      });
      const response = await llm.model!.generate(ask());
      expect(response.text).toBe('from the local model');
      expect(local.requests[0]?.headers.authorization).not.toContain('sk-real-openai-key');
      expect((local.requests[0]!.body as { model: string }).model).toBe('llama3.1');
    } finally {
      await local.close();
    }
  });

  it('puts OPSAGENT_MODEL first, over model:, and falls back along the route', async () => {
    const anthropic = await startFakeAnthropicServer([
      { error: { status: 529 } },
      { text: 'from haiku' },
    ]);
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'sk-config-key', baseURL: anthropic.url } },
          model: 'anthropic:claude-opus-4-5',
          routes: { chat: ['anthropic:claude-haiku-4-5'] },
        }),
        env: { OPSAGENT_MODEL: 'anthropic:claude-sonnet-4-5' },
        dataDir: join(dir, 'preferred'),
      });
      expect(llm.router?.candidates('chat')).toEqual([
        'anthropic:claude-sonnet-4-5',
        'anthropic:claude-haiku-4-5',
      ]);
      expect((await llm.model!.generate(ask())).text).toBe('from haiku');
      expect(anthropic.requests.map((r) => (r.body as { model: string }).model)).toEqual([
        'claude-sonnet-4-5',
        'claude-haiku-4-5',
      ]);
      // The key from config is redacted from the interaction log.
      const log = readFileSync(join(dir, 'preferred', 'llm.jsonl'), 'utf8');
      expect(log).toContain('claude-haiku-4-5');
      expect(log).not.toContain('sk-config-key');
    } finally {
      await anthropic.close();
    }
  });

  it('disables a provider whose key is rejected, warning where the key comes from, and falls back', async () => {
    const anthropic = await startFakeAnthropicServer([{ error: { status: 401 } }]);
    const openai = await startFakeOpenAIServer([{ text: 'from openai' }]);
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_fields: unknown, message?: string) => {
        warnings.push(message ?? '');
      },
      child: () => logger,
    };
    try {
      const llm = createLlm({
        config: parse({
          providers: {
            anthropic: { apiKey: 'sk-bad', baseURL: anthropic.url },
            openai: { apiKey: 'sk-oa', baseURL: openai.url },
          },
        }),
        env: {},
        dataDir: join(dir, 'auth'),
        logger,
      });
      expect((await llm.model!.generate(ask())).text).toBe('from openai');
      expect(warnings).toContain(
        'LLM provider anthropic rejected our credentials and is disabled until restart; check ANTHROPIC_API_KEY or plugins.llm.providers.anthropic.apiKey',
      );
    } finally {
      await anthropic.close();
      await openai.close();
    }
  });

  it('refuses once the conversation budget is spent', async () => {
    const anthropic = await startFakeAnthropicServer([
      { text: 'expensive', usage: { input_tokens: 100_000, output_tokens: 10_000 } },
    ]);
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          budgets: { perConversationUsd: 0.1 },
        }),
        env: {},
        dataDir: join(dir, 'refuse'),
      });
      const request = ask({ attribution: { conversation: 'console|local|' } });
      await llm.model!.generate(request);
      const error = await llm.model!.generate(request).catch((e: unknown) => e);
      expect(isOpsAgentError(error, 'LLM_BUDGET_EXCEEDED')).toBe(true);
      expect((error as Error).message).toMatch(/conversation's LLM budget of \$0\.10 is spent/);
      // Another conversation still has budget.
      anthropic.push({ text: 'other conversation' });
      const other = await llm.model!.generate(ask({ attribution: { conversation: 'other' } }));
      expect(other.text).toBe('other conversation');
    } finally {
      await anthropic.close();
    }
  });

  it('downgrades to the cheapest fast model once the daily budget is spent', async () => {
    const anthropic = await startFakeAnthropicServer([
      { text: 'sonnet', usage: { input_tokens: 1_000_000, output_tokens: 0 } },
      { text: 'haiku now' },
    ]);
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          budgets: { perDayUsd: 1, onExceeded: 'downgrade' },
        }),
        env: {},
        dataDir: join(dir, 'downgrade'),
      });
      await llm.model!.generate(ask());
      expect((await llm.model!.generate(ask())).text).toBe('haiku now');
      expect((anthropic.requests[1]!.body as { model: string }).model).toBe('claude-haiku-4-5');
    } finally {
      await anthropic.close();
    }
  });

  it("restores today's usage from the interaction log, so the daily budget survives a restart", async () => {
    const anthropic = await startFakeAnthropicServer([
      { text: 'first', usage: { input_tokens: 300_000, output_tokens: 0 } },
      { text: 'never' },
    ]);
    try {
      const clock = createManualClock(new Date());
      const options = {
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          budgets: { perDayUsd: 0.5 },
        }),
        env: {},
        dataDir: join(dir, 'restart'),
        clock,
      };
      const before = createLlm(options);
      await before.model!.generate(ask({ attribution: { conversation: 'console|local|' } }));
      // A torn line (crash mid-write) and a failed call are skipped.
      writeFileSync(join(dir, 'restart', 'llm.jsonl'), '{"at":"torn', { flag: 'a' });
      const after = createLlm(options);
      expect(after.meter.day()).toMatchObject({ calls: 1, inputTokens: 300_000, costUsd: 0.9 });
      expect(after.meter.conversation('console|local|').calls).toBe(0);
      const error = await after.model!.generate(ask()).catch((e: unknown) => e);
      expect(isOpsAgentError(error, 'LLM_BUDGET_EXCEEDED')).toBe(true);
      expect(anthropic.requests).toHaveLength(1);
      // Tomorrow starts from zero.
      clock.advance(24 * 3_600_000);
      expect(createLlm(options).meter.day().calls).toBe(0);
    } finally {
      await anthropic.close();
    }
  });

  it('writes no interaction log when it is turned off, and has no model without providers', async () => {
    const anthropic = await startFakeAnthropicServer([{ text: 'hi' }]);
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          interactionLog: { enabled: false },
        }),
        env: {},
        dataDir: join(dir, 'nolog'),
      });
      await llm.model!.generate(ask());
      expect(existsSync(join(dir, 'nolog', 'llm.jsonl'))).toBe(false);
      expect(createLlm({ env: {}, dataDir: join(dir, 'none') }).model).toBeUndefined();
    } finally {
      await anthropic.close();
    }
  });

  it('answers `cost` with this conversation, today, budgets and incidents, from the meter', async () => {
    const anthropic = await startFakeAnthropicServer([
      { text: 'a', usage: { input_tokens: 1000, output_tokens: 100 } },
      { text: 'b', usage: { input_tokens: 2000, output_tokens: 200 } },
      { text: 'triage', usage: { input_tokens: 500, output_tokens: 50 } },
    ]);
    try {
      const clock = createManualClock(new Date('2026-11-21T10:00:00Z'));
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          budgets: { perDayUsd: 2 },
        }),
        env: {},
        dataDir: join(dir, 'cost'),
        clock,
      });
      const cost = llm.commands.find((c) => c.name === 'cost')!;
      expect(render(await cost.run(commandContext()))).toContain(
        'This conversation: no model calls',
      );
      await llm.model!.generate(ask({ attribution: { conversation: 'console|local|' } }));
      await llm.model!.generate(ask({ attribution: { conversation: 'slack|C1|' } }));
      await llm.model!.generate(ask({ task: 'triage', attribution: { incident: 'inc-42' } }));
      const text = render(await cost.run(commandContext()));
      // Sonnet 4.5: 1000 x $3/M + 100 x $15/M = $0.0045.
      expect(text).toContain('This conversation: $0.0045: 1 call, 1,000 input / 100 output tokens');
      expect(text).toMatch(/Today \(UTC\): \$0\.0\d+: 3 calls/);
      expect(text).toMatch(/Daily budget: \$0\.0\d+ of \$2\.00 \(\$1\.9\d+ left\)/);
      // Haiku 4.5 for triage: 500 x $1/M + 50 x $5/M = $0.00075.
      expect(text).toContain('# Incidents (triage)\ninc-42: $0.0008: 1 call');
      expect(render(await cost.run(commandContext(['inc-42'])))).toBe(
        'Incident inc-42: $0.0008: 1 call, 500 input / 50 output tokens.',
      );
      expect(render(await cost.run(commandContext(['inc-nope'])))).toMatch(
        /No model usage recorded for incident inc-nope/,
      );
      expect(anthropic.requests).toHaveLength(3);
    } finally {
      await anthropic.close();
    }
  });
});

describe('prompt-cache pricing through the wire', () => {
  // Sonnet 4.5 (direct, and the global Bedrock profile): input $3, cache write $3.75 (1.25x),
  // cache read $0.30 (0.1x), output $15 per million tokens.
  const WRITE_COST = (200 * 3 + 10_000 * 3.75 + 50 * 15) / 1e6; // $0.03885
  const READ_COST = (200 * 3 + 10_000 * 0.3 + 50 * 15) / 1e6; // $0.00435

  async function twoCalls(llm: ReturnType<typeof createLlm>, logDir: string) {
    const conversation = 'console|local|';
    await llm.model!.generate(ask({ attribution: { conversation } }));
    await llm.model!.generate(ask({ attribution: { conversation } }));
    const records = llm.meter.records();
    expect(records.map((r) => r.usage)).toEqual([
      { inputTokens: 200, outputTokens: 50, cachedInputTokens: 0, cacheWriteInputTokens: 10_000 },
      { inputTokens: 200, outputTokens: 50, cachedInputTokens: 10_000 },
    ]);
    expect(records[0]?.costUsd).toBeCloseTo(WRITE_COST, 10);
    expect(records[1]?.costUsd).toBeCloseTo(READ_COST, 10);
    // llm.jsonl carries the count and the cost.
    const lines = readFileSync(join(logDir, 'llm.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { usage: Record<string, number>; costUsd: number });
    expect(lines.map((l) => l.usage.cacheWriteInputTokens)).toEqual([10_000, undefined]);
    expect(lines[0]?.costUsd).toBeCloseTo(WRITE_COST, 10);
    // The `cost` command shows the writes and the total.
    const cost = llm.commands.find((c) => c.name === 'cost')!;
    const text = render(await cost.run(commandContext()));
    expect(text).toContain(
      `This conversation: $${(WRITE_COST + READ_COST).toFixed(4)}: 2 calls, 400 input (+10,000 cached, +10,000 written to cache) / 100 output tokens`,
    );
    const total = llm.meter.total();
    expect(total).toMatchObject({ cacheWriteInputTokens: 10_000, cachedInputTokens: 10_000 });
  }

  it('prices Anthropic cache_creation_input_tokens at the cache-write price', async () => {
    const anthropic = await startFakeAnthropicServer([
      {
        text: 'a',
        usage: { input_tokens: 200, output_tokens: 50, cache_creation_input_tokens: 10_000 },
      },
      {
        text: 'b',
        usage: { input_tokens: 200, output_tokens: 50, cache_read_input_tokens: 10_000 },
      },
    ]);
    const logDir = join(dir, 'cache-anthropic');
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'k', baseURL: anthropic.url } },
          model: 'anthropic:claude-sonnet-4-5',
        }),
        env: {},
        dataDir: logDir,
      });
      await twoCalls(llm, logDir);
    } finally {
      await anthropic.close();
    }
  });

  it('prices Bedrock cacheWriteInputTokens at the cache-write price', async () => {
    const bedrock = await startFakeBedrockServer([
      { text: 'a', usage: { inputTokens: 200, outputTokens: 50, cacheWriteInputTokens: 10_000 } },
      { text: 'b', usage: { inputTokens: 200, outputTokens: 50, cacheReadInputTokens: 10_000 } },
    ]);
    const logDir = join(dir, 'cache-bedrock');
    try {
      const llm = createLlm({
        config: parse({
          providers: { bedrock: { region: 'eu-west-1', endpoint: bedrock.url } },
          model: 'bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
        }),
        env: { AWS_ACCESS_KEY_ID: 'AKIDCACHE', AWS_SECRET_ACCESS_KEY: 'secret' },
        dataDir: logDir,
      });
      await twoCalls(llm, logDir);
      expect(bedrock.requests).toHaveLength(2);
    } finally {
      await bedrock.close();
    }
  });
});

describe('doctor checks', () => {
  const run = (check: { run: (ctx: never) => Promise<unknown> }) =>
    check.run({ signal: AbortSignal.timeout(10_000), logger: silentLogger } as never) as Promise<{
      status: string;
      detail: string;
    }>;

  it('reports each provider: reachable with a key, missing key, unreachable, Bedrock not checked', async () => {
    const anthropic = await startFakeAnthropicServer();
    const openai = await startFakeOpenAIServer();
    const bedrock = await startFakeBedrockServer();
    const closedUrl = bedrock.url;
    await bedrock.close();
    try {
      const llm = createLlm({
        config: parse({
          providers: {
            anthropic: { apiKey: 'k', baseURL: anthropic.url },
            ollama: { type: 'openai', baseURL: openai.url },
            gone: { type: 'openai', baseURL: 'http://127.0.0.1:9/v1' },
            google: {},
            bedrock: { region: 'eu-west-1', endpoint: closedUrl },
          },
        }),
        env: { AWS_ACCESS_KEY_ID: 'AKIDDOCTOR', AWS_SECRET_ACCESS_KEY: 'secret' },
        dataDir: join(dir, 'doctor'),
      });
      const results = Object.fromEntries(
        await Promise.all(llm.checks.map(async (check) => [check.name, await run(check)])),
      );
      expect(Object.keys(results)).toEqual([
        'llm anthropic',
        'llm ollama',
        'llm gone',
        'llm google',
        'llm bedrock',
      ]);
      expect(results['llm anthropic']).toEqual({
        status: 'ok',
        detail: `key from plugins.llm.providers.anthropic.apiKey; ${anthropic.url} reachable (models list answered)`,
      });
      expect(results['llm ollama'].status).toBe('ok');
      expect(results['llm gone']).toMatchObject({ status: 'fail' });
      expect(results['llm gone'].detail).toMatch(/unreachable/);
      expect(results['llm google']).toEqual({
        status: 'fail',
        detail: 'no API key: set GEMINI_API_KEY or plugins.llm.providers.google.apiKey',
      });
      expect(results['llm bedrock'].status).toBe('ok');
      expect(results['llm bedrock'].detail).toMatch(
        /AWS credentials resolve \(AWS_ACCESS_KEY_ID, key AKID…\), region eu-west-1, .*endpoint not checked/,
      );
      expect(anthropic.pending()).toBe(0);
    } finally {
      await anthropic.close();
      await openai.close();
    }
  });

  it('warns when the endpoint answers but has no models list', async () => {
    const anthropic = await startFakeAnthropicServer();
    try {
      const llm = createLlm({
        config: parse({
          providers: { anthropic: { apiKey: 'bad', baseURL: `${anthropic.url}/nope` } },
        }),
        env: {},
        dataDir: join(dir, 'doctor-404'),
      });
      const result = await run(llm.checks[0]!);
      expect(result.status).toBe('warn');
      expect(result.detail).toMatch(/reachable, but its models list answered HTTP 404/);
    } finally {
      await anthropic.close();
    }
  });
});
