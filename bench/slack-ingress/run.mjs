// bench/slack-ingress: signed Events API requests into opsagent's Slack channel on loopback, side
// by side with a bare Bolt app (empty app_mention listener) in the same run: the channel alone
// (into a runtime that only counts) and the channel feeding a running agent that answers every
// event against a fake Slack Web API. Measures ack latency (request sent -> HTTP 200) at a fixed
// 300 events/s (open loop, as Slack sends) and the most signed events per second with 32
// concurrent senders (closed loop).
// Writes bench/results/slack-ingress.json. Run: node bench/slack-ingress/run.mjs

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createSlackChannel } from '@opsagent/channel-slack';
import { createAgent, definePlugin, MemoryStore, SqliteStore, silentLogger } from '@opsagent/core';
import bolt from '@slack/bolt';
import { machine, percentile } from '../lib/stats.mjs';

const RATE = Number(process.env.BENCH_RATE ?? 300);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 1500);
// BENCH_STORE=memory swaps the SQLite store for the memory store, to see what the store costs.
const STORE = process.env.BENCH_STORE ?? 'sqlite';
const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v) => Math.round(v * 1000) / 1000;
  return {
    acked: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
    mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}

let prefixCounter = 0;
function load(url, options) {
  prefixCounter += 1;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./loadgen.mjs', import.meta.url), {
      workerData: { url, secret: SECRET, prefix: `B${prefixCounter}X`, ...options },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const slackProcess = fork(new URL('./fake-slack.mjs', import.meta.url));
const ask = (message) =>
  new Promise((resolve) => {
    slackProcess.once('message', resolve);
    slackProcess.send(message);
  });
const slack = await new Promise((resolve) => slackProcess.once('message', resolve));
const slackUpdates = async () => {
  const { updates } = await ask('count');
  // Keep the fake's memory flat across a long run.
  slackProcess.send('reset');
  return updates;
};

async function startBare() {
  const app = new bolt.App({
    token: TOKEN,
    signingSecret: SECRET,
    clientOptions: { slackApiUrl: slack.url },
    logLevel: bolt.LogLevel.ERROR,
  });
  let handled = 0;
  app.event('app_mention', async () => {
    handled += 1;
  });
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  return {
    name: 'bare-bolt',
    url: `http://127.0.0.1:${server.address().port}/slack/events`,
    handled: () => handled,
    settle: async () => {
      await slackUpdates();
    },
    stop: () => app.stop(),
  };
}

async function startOpsagent() {
  const dir = mkdtempSync(join(tmpdir(), 'slack-bench-'));
  const channel = createSlackChannel({
    mode: 'http',
    botToken: TOKEN,
    signingSecret: SECRET,
    apiUrl: slack.url,
    port: 0,
    host: '127.0.0.1',
  });
  const model = {
    name: 'bench',
    async generate() {
      return {
        text: 'All instances are healthy.',
        toolCalls: [],
        stopReason: 'end',
        usage: { inputTokens: 10, outputTokens: 5 },
        model: 'bench',
      };
    },
  };
  const agent = await createAgent({
    plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) })],
    model,
    store:
      STORE === 'memory' ? new MemoryStore() : new SqliteStore({ path: join(dir, 'bench.db') }),
    principals: [{ id: 'anyone', roles: ['viewer'], identities: { slack: ['*'] } }],
    monitor: { enabled: false },
  });
  await agent.start();
  let answered = 0;
  return {
    name: 'opsagent',
    url: `http://127.0.0.1:${channel.port}/slack/events`,
    // Answered events: each ends with the "Investigating…" message updated to the answer.
    handled: () => answered,
    settle: async () => {
      await agent.idle();
      answered += await slackUpdates();
    },
    stop: async () => {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The channel alone: the same receiver, signature check, event normalisation, allowlist and
// hand-off as in the agent, into a runtime that only counts (like the bare app's empty listener).
async function startIngress() {
  const channel = createSlackChannel({
    mode: 'http',
    botToken: TOKEN,
    signingSecret: SECRET,
    apiUrl: slack.url,
    port: 0,
    host: '127.0.0.1',
  });
  let accepted = 0;
  await channel.start({
    receive: async () => {
      accepted += 1;
    },
    logger: silentLogger,
  });
  return {
    name: 'opsagent-ingress',
    url: `http://127.0.0.1:${channel.port}/slack/events`,
    handled: () => accepted,
    settle: async () => {},
    stop: () => channel.stop(),
  };
}

async function measure(start, options) {
  const target = await start();
  // Warm-up: JIT, keep-alive connections, SQLite pages.
  await load(target.url, { mode: 'closed', concurrency: 8, count: 300 });
  await target.settle();
  const startHandled = target.handled();
  const result = await load(target.url, options);
  await target.settle();
  const handled = target.handled() - startHandled;
  await target.stop();
  return { ...result, handled };
}

const targets = [
  ['bare-bolt', startBare],
  ['opsagent-ingress', startIngress],
  ['opsagent', startOpsagent],
];
const runs = Object.fromEntries(targets.map(([name]) => [name, []]));
const throughput = Object.fromEntries(targets.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const [name, start] of order) {
    const r = await measure(start, { mode: 'open', rate: RATE, durationS: DURATION_S });
    runs[name].push(r);
    const t = await measure(start, { mode: 'closed', concurrency: 32, count: THROUGHPUT_EVENTS });
    throughput[name].push(t);
    console.error(
      `${name} round ${round + 1}: ack p50 ${summary(r.latencies).p50} ms, p99 ${summary(r.latencies).p99} ms; ${Math.round((t.latencies.length / t.elapsedMs) * 1000)} events/s`,
    );
  }
}
slackProcess.send('close');
await new Promise((resolve) => slackProcess.once('exit', resolve));

function report(name) {
  const latencies = runs[name].flatMap((r) => r.latencies);
  const sent = runs[name].reduce((s, r) => s + r.latencies.length + r.failures, 0);
  const failures = runs[name].reduce((s, r) => s + r.failures, 0);
  const tp = throughput[name].map((t) => Math.round((t.latencies.length / t.elapsedMs) * 1000));
  return {
    ackLatencyMs: summary(latencies),
    sentAt300PerSecond: sent,
    failures,
    handledAfterAck: runs[name].reduce((s, r) => s + r.handled, 0),
    achievedRatePerSecond: Math.round(
      (runs[name].reduce((s, r) => s + r.latencies.length, 0) /
        runs[name].reduce((s, r) => s + r.elapsedMs, 0)) *
        1000,
    ),
    maxSignedEventsPerSecond: { perRound: tp, best: Math.max(...tp) },
  };
}

const bare = report('bare-bolt');
const ingress = report('opsagent-ingress');
const ours = report('opsagent');
// Each round measures both targets back to back, so a per-round ratio is less exposed to the
// machine's load drifting during the run than the pooled percentiles are.
const ratios = (name) =>
  runs[name].map((r, i) => {
    const b = summary(runs['bare-bolt'][i].latencies).p99;
    return Math.round((summary(r.latencies).p99 / b) * 100) / 100;
  });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ingressRatios = ratios('opsagent-ingress');
const roundRatios = ratios('opsagent');
const medianRatio = median(roundRatios);
const result = {
  benchmark: 'slack-ingress',
  description:
    'Signed Events API app_mention requests on loopback: ack latency (send -> HTTP 200) at a fixed rate (open loop) and the most signed events/s with 32 concurrent senders (closed loop), interleaved in the same run, for: a bare Bolt app with an empty listener (default config); opsagent-ingress, the Slack channel (Bolt HTTPReceiver, signature check, normalisation, allowlist, hand-off) into a runtime that only counts; and opsagent, the channel feeding a running agent that answers every event (stub model, Investigating... then chat.update against a fake Slack Web API in another process, SQLite store). The load generator runs in a worker thread.',
  date: new Date().toISOString(),
  machine: machine(),
  settings: {
    ratePerSecond: RATE,
    durationSeconds: DURATION_S,
    rounds: ROUNDS,
    throughputEvents: THROUGHPUT_EVENTS,
  },
  bareBolt: bare,
  opsagentIngress: ingress,
  opsagent: ours,
  ingressP99Ratio: Math.round((ingress.ackLatencyMs.p99 / bare.ackLatencyMs.p99) * 100) / 100,
  ingressP99RatioPerRound: ingressRatios,
  ingressP99RatioMedianOfRounds: median(ingressRatios),
  p99Ratio: Math.round((ours.ackLatencyMs.p99 / bare.ackLatencyMs.p99) * 100) / 100,
  p99RatioPerRound: roundRatios,
  p99RatioMedianOfRounds: medianRatio,
  loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
  goal: 'opsagent ack p99 within 1.2x of bare Bolt at 300 events/s',
};
result.goalMet = {
  ingress: result.ingressP99Ratio <= 1.2 && result.ingressP99RatioMedianOfRounds <= 1.2,
  answeringEveryEvent: result.p99Ratio <= 1.2 && medianRatio <= 1.2,
};
const out = new URL('../results/slack-ingress.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  JSON.stringify(
    { bare: bare.ackLatencyMs, opsagent: ours.ackLatencyMs, p99Ratio: result.p99Ratio },
    null,
    2,
  ),
);
