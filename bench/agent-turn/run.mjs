// bench/agent-turn: framework overhead of one agent turn, with a zero-latency model that asks for
// 3 tool calls and then answers: inbound message -> conversation queue -> history -> system prompt
// -> model round 1 -> 3 tool calls (validated, run in parallel, audited) -> model round 2 -> reply,
// history saved. Measured sequentially (p50/p99 per turn), then with 1,000 concurrent conversations
// (turns per second, peak RSS). Run twice: the model given to core directly, and behind
// @opsagent/llm's router and usage meter (as the CLI runs it, interaction log off).
// Writes bench/results/agent-turn.json. Run: npm run agent-turn -w bench (or node bench/agent-turn/run.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { definePlugin, defineTool } from '@opsagent/core';
import { createRouter, UsageMeter } from '@opsagent/llm';
import { createTestAgent } from '@opsagent/testkit';
import { z } from 'zod';
import { machine, percentile } from '../lib/stats.mjs';

const SEQUENTIAL = Number(process.env.BENCH_TURNS ?? 2000);
const WARMUP = 200;
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
const TURNS_PER_CONVERSATION = Number(process.env.BENCH_TURNS_PER_CONVERSATION ?? 3);

const round3 = (v) => Math.round(v * 1000) / 1000;
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p90: round3(percentile(sorted, 90)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.at(-1)),
    mean: round3(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}

/** A model with no latency: 3 tool calls when the last message is the user's, then an answer. */
let calls = 0;
const zeroLatencyModel = {
  name: 'bench:zero-latency',
  contextWindow: 200_000,
  async generate(request) {
    const last = request.messages.at(-1);
    const usage = { inputTokens: 500, outputTokens: 20 };
    if (last?.role === 'user') {
      calls++;
      return {
        text: '',
        toolCalls: [
          { id: `c${calls}a`, name: 'disk_usage', input: { host: 'web1' } },
          { id: `c${calls}b`, name: 'load_average', input: { host: 'web1' } },
          { id: `c${calls}c`, name: 'service_state', input: { host: 'web1', service: 'nginx' } },
        ],
        stopReason: 'tool_calls',
        usage,
        model: 'claude-sonnet-4-5',
      };
    }
    return {
      text: 'web1: disk 93%, load 0.4, nginx running.',
      toolCalls: [],
      stopReason: 'end',
      usage,
      model: 'claude-sonnet-4-5',
    };
  },
};

const host = z.object({ host: z.string().min(1) });
const benchPlugin = definePlugin({
  name: 'bench-tools',
  setup: () => ({
    tools: [
      defineTool({
        name: 'disk_usage',
        description: 'Disk usage of a host',
        input: host,
        run: async ({ host }) => `${host}: / 93% of 100 GiB`,
      }),
      defineTool({
        name: 'load_average',
        description: 'Load average of a host',
        input: host,
        run: async ({ host }) => `${host}: 0.40 0.35 0.30`,
      }),
      defineTool({
        name: 'service_state',
        description: 'State of a systemd service',
        input: host.extend({ service: z.string().min(1) }),
        run: async ({ host, service }) => `${host}: ${service} active (running)`,
      }),
    ],
  }),
});

function layered() {
  const router = createRouter({
    models: { anthropic: () => zeroLatencyModel },
    routes: { chat: ['anthropic:claude-sonnet-4-5'] },
  });
  const meter = new UsageMeter({ budgets: { perDayUsd: 1e9 } });
  return meter.wrap(router);
}

/** Peak RSS: the kernel's high-water mark (maxRSS) and our own samples. */
function rssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

async function measure(label, model) {
  // Concurrent: N conversations at once, each asking T questions in a row.
  // First, in a fresh process, so peak RSS is that of 1,000 conversations and nothing else.
  const c = await createTestAgent({
    model,
    plugins: [benchPlugin],
    channel: { showsProgress: false },
  });
  const rssBefore = process.memoryUsage.rss();
  const sampler = rssSampler();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; round < TURNS_PER_CONVERSATION; round++) {
    await Promise.all(
      Array.from({ length: CONVERSATIONS }, (_, i) =>
        c.channel.inject(`question ${round}`, { chat: `conv-${i}` }),
      ),
    );
    await c.agent.idle();
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const peakRss = sampler.stop();
  const turns = CONVERSATIONS * TURNS_PER_CONVERSATION;
  const answered = c.channel.sent.filter((s) => s.text.includes('nginx running')).length;
  if (answered !== turns) throw new Error(`${label}: ${answered} of ${turns} turns answered`);
  await c.stop();

  const t = await createTestAgent({
    model,
    plugins: [benchPlugin],
    channel: { showsProgress: false },
  });
  const turn = async (chat) => {
    await t.channel.inject('how is web1?', { chat });
    await t.agent.idle();
  };

  // Sequential: one conversation, history growing to its limit, as a person would chat.
  const latencies = [];
  for (let i = 0; i < WARMUP + SEQUENTIAL; i++) {
    const started = performance.now();
    await turn('seq');
    const elapsed = performance.now() - started;
    if (i >= WARMUP) latencies.push(elapsed);
    if (t.channel.sent.length !== 1 || !t.channel.sent[0].text.includes('nginx running')) {
      throw new Error(`${label}: wrong reply at turn ${i}: ${JSON.stringify(t.channel.sent)}`);
    }
    t.channel.sent.length = 0;
  }
  await t.stop();

  return {
    label,
    sequentialTurnMs: summary(latencies),
    concurrent: {
      conversations: CONVERSATIONS,
      turnsPerConversation: TURNS_PER_CONVERSATION,
      turns,
      elapsedMs: Math.round(elapsedMs),
      turnsPerSecond: Math.round(turns / (elapsedMs / 1000)),
      // CPU time (user + system) per turn: less sensitive than wall time to a busy machine.
      cpuMsPerTurn: round3((cpu.user + cpu.system) / 1000 / turns),
      rssBeforeMB: Math.round(rssBefore / 2 ** 20),
      peakRssMB: Math.round(peakRss / 2 ** 20),
    },
  };
}

// Each variant runs in a child process of its own, so one's memory does not count for the other.
const variant = process.argv[2];
if (variant === 'core' || variant === 'llm') {
  const run =
    variant === 'core'
      ? await measure('core: model given directly', zeroLatencyModel)
      : await measure('core + @opsagent/llm router and usage meter', layered());
  run.processMaxRssMB = Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20);
  process.stdout.write(JSON.stringify(run));
  process.exit(0);
}
const child = (name) => {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(out);
};
const core = child('core');
const withLlm = child('llm');

const result = {
  benchmark: 'agent-turn',
  description:
    'Framework overhead of one agent turn with a zero-latency model asking for 3 tool calls then answering (2 model rounds, 3 validated parallel tool calls with audit records, history load and save, fake channel, memory store): sequential per-turn latency in one conversation, and 1,000 concurrent conversations (turns/s, peak RSS of the whole process)',
  date: new Date().toISOString(),
  machine: machine(),
  runs: [core, withLlm],
  goal: {
    overheadP50Ms: 1,
    conversationsPeakRssMB: 300,
    met:
      core.sequentialTurnMs.p50 < 1 &&
      withLlm.sequentialTurnMs.p50 < 1 &&
      core.concurrent.peakRssMB < 300 &&
      withLlm.concurrent.peakRssMB < 300,
  },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/agent-turn.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
