// The agent process of bench/soak: one opsagent runtime (createAgent) with the Slack channel (Bolt
// HTTP receiver on 127.0.0.1, Web API pointed at the harness's fake Slack), the Signal channel
// (WebSocket to the harness's fake signal-cli-rest-api), and "ipc-console", a console-like channel
// whose lines come and go over the IPC pipe to the harness. A rule-based model with zero latency
// answers questions with a tool call (or a remediation proposal) and then an answer that carries
// the question's token. Reports memory, event-loop delay and queue depth to the harness.
// Started by bench/soak/run.mjs; not meant to be run alone.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSignalChannel } from '@opsagent/channel-signal';
import { createSlackChannel } from '@opsagent/channel-slack';
import {
  createAgent,
  definePlugin,
  defineRemediation,
  defineTool,
  renderPlainText,
  SqliteStore,
} from '@opsagent/core';
import { z } from 'zod';

const config = JSON.parse(process.env.SOAK_AGENT_CONFIG);
const TOKEN = /\[tok:(\w+)\]/;

// --- the model: deterministic, zero latency, keeps nothing between calls ------------------------
let modelCalls = 0;
const model = {
  name: 'soak-rules',
  async generate(request) {
    modelCalls += 1;
    // Zero latency by default; the overload test slows it so that the queue bounds are reached
    // whatever the machine's speed.
    if (config.modelDelayMs)
      await new Promise((resolve) => setTimeout(resolve, config.modelDelayMs));
    const lastUser = request.messages.findLastIndex((m) => m.role === 'user');
    const question = lastUser >= 0 ? request.messages[lastUser].content : '';
    const tok = TOKEN.exec(question)?.[1] ?? 'none';
    const results = request.messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
    const usage = { inputTokens: 200, outputTokens: 20 };
    const base = { usage, model: 'soak-rules' };
    if (results.length === 0 && request.tools.length > 0) {
      const restart = /\brestart\b/.test(question);
      const call = restart
        ? {
            id: `call-${modelCalls}`,
            name: 'propose_remediation',
            input: {
              remediation: 'soak_restart',
              input: { service: `svc-${tok}` },
              reason: `svc-${tok} stopped answering health checks`,
            },
          }
        : { id: `call-${modelCalls}`, name: 'soak_probe', input: { target: `web-${tok}` } };
      return { ...base, text: '', toolCalls: [call], stopReason: 'tool_calls' };
    }
    const evidence = results
      .flatMap((m) => m.results.map((r) => r.output))
      .join(' ')
      .slice(0, 120);
    return {
      ...base,
      text: `Looked into it: ${evidence} [tok:${tok}]`,
      toolCalls: [],
      stopReason: 'end',
    };
  },
};

// --- a plugin: a source (for `status`), a read-only tool and a low-risk remediation -------------
let remediationRuns = 0;
const soakPlugin = definePlugin({
  name: 'soak',
  setup: () => ({
    sources: [
      {
        name: 'soak-lab',
        async status() {
          return {
            health: 'ok',
            sections: [
              {
                title: 'soak-lab',
                health: 'ok',
                fields: [{ label: 'Services', value: '12 running' }],
              },
            ],
          };
        },
        async check() {
          return [];
        },
      },
    ],
    tools: [
      defineTool({
        name: 'soak_probe',
        description: 'Probe a web service',
        input: z.object({ target: z.string() }),
        async run(input) {
          return `${input.target}: 200 OK in 12 ms, p99 40 ms, no errors in the last hour`;
        },
      }),
    ],
    remediations: [
      defineRemediation({
        name: 'soak_restart',
        description: 'Restart a service of the soak lab',
        input: z.object({ service: z.string() }),
        risk: 'low',
        describe: (input) => `restart service ${input.service}`,
        async execute(input) {
          remediationRuns += 1;
          return { ok: true, detail: `${input.service} restarted` };
        },
      }),
    ],
  }),
});

// --- ipc-console: lines in and out over the IPC pipe, nothing kept ------------------------------
let consoleRuntime;
let consoleSent = 0;
const ipcConsole = {
  name: 'ipc-console',
  showsProgress: false,
  async start(runtime) {
    consoleRuntime = runtime;
  },
  async stop() {
    consoleRuntime = undefined;
  },
  async send(address, message) {
    consoleSent += 1;
    const id = `c${consoleSent}`;
    const approval = message.blocks.find((b) => b.type === 'approval');
    process.send({
      type: 'console-out',
      id,
      chat: address.chat,
      text: renderPlainText(message),
      ...(approval ? { approvalId: approval.approval.id } : {}),
    });
    return { address, id };
  },
};

const dir = mkdtempSync(join(tmpdir(), 'opsagent-soak-'));
const slack = createSlackChannel({
  mode: 'http',
  botToken: config.slackToken,
  signingSecret: config.signingSecret,
  apiUrl: config.slackApiUrl,
  port: 0,
  host: '127.0.0.1',
});
const signal = createSignalChannel({
  apiUrl: config.signalUrl,
  number: config.signalNumber,
  allowedSenders: config.signalSenders,
});
const agent = await createAgent({
  plugins: [
    definePlugin({ name: 'channels', setup: () => ({ channels: [slack, signal, ipcConsole] }) }),
    soakPlugin,
  ],
  model,
  store: new SqliteStore({ path: join(dir, 'soak.db') }),
  principals: [
    { id: 'slack-people', roles: ['operator'], identities: { slack: config.slackUsers } },
    { id: 'signal-people', roles: ['operator'], identities: { signal: config.signalSenders } },
    { id: 'console-people', roles: ['operator'], identities: { 'ipc-console': ['*'] } },
  ],
  monitor: { enabled: false },
  ...(config.queue ? { queue: config.queue } : {}),
  dataDir: dir,
});
await agent.start({ monitor: false });

// --- measurements ------------------------------------------------------------------------------
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let deepest = 0;
let totalPeak = 0;
const depthTimer = setInterval(() => {
  const depth = agent.queueDepth();
  deepest = Math.max(deepest, depth.deepest);
  totalPeak = Math.max(totalPeak, depth.total);
}, 100);
const cpuStart = process.cpuUsage();
const sample = () => {
  const memory = process.memoryUsage();
  const depth = agent.queueDepth();
  const out = {
    type: 'sample',
    at: Date.now(),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    eventLoopDelayMs: {
      p50: delay.percentile(50) / 1e6,
      p99: delay.percentile(99) / 1e6,
      max: delay.max / 1e6,
    },
    queue: { ...depth, deepestSinceLast: deepest, totalPeakSinceLast: totalPeak },
    modelCalls,
    remediationRuns,
    cpu: process.cpuUsage(cpuStart),
  };
  delay.reset();
  deepest = 0;
  totalPeak = 0;
  return out;
};
const sampleTimer = setInterval(() => process.send(sample()), config.sampleMs);

process.on('message', async (message) => {
  if (message.type === 'console-in') {
    if (!consoleRuntime) return;
    await consoleRuntime.receive({
      id: message.id,
      channel: 'ipc-console',
      sender: { id: message.sender },
      address: { chat: message.chat },
      text: message.text,
      receivedAt: new Date(),
    });
  } else if (message.type === 'gc') {
    // Retained memory: a full collection, then the heap (the harness asks at checkpoints, under
    // load: not waiting for idle, which may never come while traffic flows).
    globalThis.gc?.();
    const memory = process.memoryUsage();
    process.send({
      type: 'gc-done',
      at: Date.now(),
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      forced: typeof globalThis.gc === 'function',
    });
  } else if (message.type === 'idle') {
    await agent.idle();
    process.send({ type: 'idle-done', depth: agent.queueDepth() });
  } else if (message.type === 'stop') {
    clearInterval(sampleTimer);
    clearInterval(depthTimer);
    const last = sample();
    const metrics = await agent.metrics.registry.render();
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
    process.send({ type: 'stopped', last, metrics }, () => process.exit(0));
  }
});
process.send({ type: 'ready', slackPort: slack.port, pid: process.pid });
