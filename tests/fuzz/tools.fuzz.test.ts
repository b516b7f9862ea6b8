import {
  createAgent,
  definePlugin,
  defineRemediation,
  defineTool,
  type LanguageModel,
  type ModelRequest,
  type ModelResponse,
  parseConfig,
  type Remediation,
  type Tool,
  type ToolCallResult,
} from '@opsagent/core';
import { createTestAgent } from '@opsagent/testkit';
import fc from 'fast-check';
import { knownPlugins, presets } from 'opsagent';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bounded, fuzzRuns, report } from './runs.js';

// Surface 5: tool arguments from the model. For every tool and remediation the presets register,
// random and near-valid argument objects go through the agent loop (a model that calls the tool,
// then reads the result). Invalid arguments come back to the model as a validation error naming
// the field; the tool never runs with them; nothing throws out of the turn; a remediation never
// executes on input its schema refuses.

const RUNS = fuzzRuns(300);

// What the presets need to build their plugins (no network is touched: tools are copied below).
Object.assign(process.env, {
  SIGNAL_NUMBER: '+15550000001',
  SLACK_BOT_TOKEN: 'xoxb-fuzz',
  SLACK_SIGNING_SECRET: 'fuzz-signing-secret',
  SLACK_APP_TOKEN: 'xapp-fuzz',
});

const tools = new Map<string, Tool>();
const remediations = new Map<string, Remediation>();

beforeAll(async () => {
  for (const preset of Object.values(presets)) {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const m of preset.template.matchAll(/\$\{([A-Z0-9_]+)/g))
      env[m[1]!] ??= 'fuzz-value-0123456789abcdef';
    const config = parseConfig(preset.template, { env, plugins: knownPlugins });
    const agent = await createAgent({
      plugins: preset.plugins(config.plugins as Record<string, unknown>, 'run'),
      monitor: { enabled: false },
    });
    for (const [name, tool] of agent.registry.tools) tools.set(name, tool);
    for (const [name, r] of agent.registry.remediations) remediations.set(name, r);
  }
});

/** Property names of a zod object schema (one level), to aim random arguments at. */
function keysOf(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
  };
  return Object.keys(json.properties ?? {});
}

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    '',
    ' ',
    -1,
    0,
    1.5,
    1e300,
    true,
    [],
    {},
    'i-0abc',
    'eu-west-1',
    'web',
    '../../etc/passwd',
    '$(reboot)',
    'a'.repeat(2000),
  ),
);

/** Arguments: keys mostly from the schema, values odd; sometimes not an object at all. */
const argsFor = (keys: string[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.dictionary(
        fc.oneof(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.string({ maxLength: 8 })),
        oddValue,
        { maxKeys: 5 },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 'string', 42, []) },
  );

interface Ran {
  tool: string;
  input: unknown;
}

describe('tool arguments from the model, fuzzed', () => {
  it('the presets register tools and remediations', () => {
    expect(tools.size).toBeGreaterThan(10);
    expect(remediations.size).toBeGreaterThan(0);
  });

  it('random arguments for every tool: a validation error to the model, never a run or a throw', async () => {
    const ran: Ran[] = [];
    const executed: Ran[] = [];
    // Copies with the real names and schemas; run and execute only record.
    const copies = [...tools.values()].map((t) =>
      defineTool({
        name: t.name,
        description: t.description,
        input: t.input,
        async run(input) {
          ran.push({ tool: t.name, input });
          return 'ok';
        },
      }),
    );
    const remediationCopies = [...remediations.values()].map((r) =>
      defineRemediation({
        name: r.name,
        description: r.description,
        input: r.input,
        risk: r.risk,
        describe: (input) => r.describe(input),
        async execute(input) {
          executed.push({ tool: r.name, input });
          return { ok: true, detail: 'recorded' };
        },
      }),
    );
    // The model: calls what the case says, then answers; keeps the tool result it was sent.
    let next: { name: string; input: unknown } | undefined;
    let result: ToolCallResult | undefined;
    const model: LanguageModel = {
      name: 'fuzz',
      async generate(request: ModelRequest): Promise<ModelResponse> {
        const last = request.messages.at(-1);
        const usage = { inputTokens: 1, outputTokens: 1 };
        if (last?.role === 'tool') {
          result = last.results[0];
          return { text: 'done', toolCalls: [], stopReason: 'end', usage, model: 'fuzz' };
        }
        const call = next!;
        return {
          text: '',
          toolCalls: [{ id: 'c1', name: call.name, input: call.input as Record<string, unknown> }],
          stopReason: 'tool_calls',
          usage,
          model: 'fuzz',
        };
      },
    };
    const t = await createTestAgent({
      model,
      plugins: [
        definePlugin({
          name: 'fuzz-tools',
          setup: () => ({ tools: copies, remediations: remediationCopies }),
        }),
      ],
    });
    const all = [
      ...tools.values(),
      { name: 'propose_remediation', input: undefined } as unknown as Tool,
    ];
    const proposeKeys = ['remediation', 'input', 'reason'];
    const remediationNames = [...remediations.keys()];
    const proposeArgs = fc.oneof(
      argsFor(proposeKeys),
      fc.record({
        remediation: fc.oneof(fc.constantFrom(...remediationNames), fc.string({ maxLength: 10 })),
        input: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 10 }), oddValue, { maxKeys: 3 }),
          oddValue,
        ),
        reason: fc.oneof(fc.string({ maxLength: 20 }), oddValue),
      }),
    );
    let chat = 0;
    let invalid = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...all.map((x) => x.name))
            .chain((name) =>
              fc.tuple(
                fc.constant(name),
                name === 'propose_remediation'
                  ? proposeArgs
                  : argsFor(keysOf(tools.get(name)!.input)),
              ),
            ),
          async ([name, input]) => {
            next = { name, input };
            result = undefined;
            const before = ran.length;
            chat += 1;
            const replies = await bounded(t.ask('check it', { sender: 'alice', chat: `c${chat}` }));
            expect(replies.at(-1)).toBe('done');
            expect(result).toBeDefined();
            if (name === 'propose_remediation') return;
            const valid = tools.get(name)!.input.safeParse(input ?? {}).success;
            if (valid) {
              expect(ran.length).toBe(before + 1);
            } else {
              invalid += 1;
              expect(ran.length).toBe(before);
              expect(result!.isError).toBe(true);
              expect(result!.output).toMatch(
                new RegExp(`invalid input for ${name}|could not be read`),
              );
            }
          },
        ),
        { numRuns: RUNS },
      );
    } finally {
      await t.stop();
    }
    // Whatever ran, ran with input its schema accepts.
    for (const r of ran) expect(tools.get(r.tool)!.input.safeParse(r.input).success).toBe(true);
    for (const e of executed)
      expect(remediations.get(e.tool)!.input.safeParse(e.input).success).toBe(true);
    expect(invalid).toBeGreaterThan(0);
    console.log(
      `tools fuzz: ${tools.size} tools, ${remediations.size} remediations; ${invalid} invalid calls refused, ${ran.length} valid calls ran, ${executed.length} remediations executed by policy`,
    );
    report(
      'tools',
      `random arguments through the agent loop for ${tools.size} tools and propose_remediation (${remediations.size} remediations)`,
      RUNS,
    );
  });
});
