// bench/soak: mixed traffic at a steady rate into one agent process for SOAK_SECONDS (default 600):
// Slack (signed Events API requests to the agent's Bolt HTTP receiver, some redelivered with
// X-Slack-Retry-Num), Signal (envelopes over the fake signal-cli-rest-api's WebSocket) and a
// console-like channel over IPC; `status`, `help`, questions (model turn with a tool call) and
// remediation proposals that the harness then approves. Every inbound message carries a unique id
// and its replies are matched to it: none may be lost or duplicated. The agent process reports RSS,
// heap, event-loop delay and queue depth every SOAK_SAMPLE_MS; at SOAK_CHECKPOINTS evenly spaced
// points it runs a full GC and reports the retained heap.
//
// This process is the harness and load generator: the fake Slack Web API and the fake Signal
// server run here, the agent in a child process (bench/soak/agent.mjs).
// Writes bench/results/reliability-soak.json (or SOAK_OUT). Run: node bench/soak/run.mjs

import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BUSY_REPLY } from '@opsagent/core';
import {
  appMention,
  signSlackRequest,
  startFakeSignalServer,
  startFakeSlackServer,
} from '@opsagent/testkit';
import { machine } from '../lib/stats.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 30);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_MS ?? 5000);
const CHECKPOINTS = Number(process.env.SOAK_CHECKPOINTS ?? 10);
const RETRY_SHARE = Number(process.env.SOAK_RETRY_SHARE ?? 0.05);
const OUT =
  process.env.SOAK_OUT ??
  fileURLToPath(new URL('../results/reliability-soak.json', import.meta.url));
const SECRET = 'soak-signing-secret';
const SLACK_TOKEN = 'xoxb-soak';
const SLACK_CHAT = 'C0SOAK';
const SLACK_USERS = Array.from({ length: 8 }, (_, i) => `U0SOAK${i}`);
const SLACK_THREADS = Array.from(
  { length: 24 },
  (_, i) => `1700000000.${String(i + 1).padStart(6, '0')}`,
);
const SIGNAL_SENDERS = Array.from(
  { length: 24 },
  (_, i) => `+1555020${String(i).padStart(4, '0')}`,
);
const CONSOLE_CHATS = Array.from({ length: 16 }, (_, i) => `room-${i}`);

// Deterministic choices (mulberry32), so two runs send the same mix.
let seed = Number(process.env.SOAK_SEED ?? 42);
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
function weighted(table) {
  let r = random() * table.reduce((s, [, w]) => s + w, 0);
  for (const [value, w] of table) {
    r -= w;
    if (r < 0) return value;
  }
  return table.at(-1)[0];
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each kind of inbound message must get back, exactly once each. */
const EXPECTED = {
  status: ['status'],
  help: ['help'],
  question: ['answer'],
  propose: ['card', 'answer'],
  approve: ['report', 'approved'],
};

// --- fakes and the agent process ----------------------------------------------------------------
const slack = await startFakeSlackServer({ botToken: SLACK_TOKEN });
const signal = await startFakeSignalServer();
const child = fork(fileURLToPath(new URL('./agent.mjs', import.meta.url)), {
  execArgv: ['--expose-gc'],
  env: {
    ...process.env,
    SOAK_AGENT_CONFIG: JSON.stringify({
      slackToken: SLACK_TOKEN,
      signingSecret: SECRET,
      slackApiUrl: slack.url,
      slackUsers: SLACK_USERS,
      signalUrl: signal.url,
      signalNumber: signal.number,
      signalSenders: SIGNAL_SENDERS,
      sampleMs: SAMPLE_MS,
      ...(process.env.SOAK_QUEUE ? { queue: JSON.parse(process.env.SOAK_QUEUE) } : {}),
      modelDelayMs: Number(process.env.SOAK_MODEL_DELAY_MS ?? 0),
    }),
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const waiters = new Map();
const samples = [];
const checkpoints = [];
const onceFromChild = (type) =>
  new Promise((resolve) => {
    waiters.set(type, resolve);
  });
child.on('message', (message) => {
  if (message.type === 'sample') samples.push({ ...message, loadavg: loadavg()[0] });
  else if (message.type === 'console-out')
    onOutbound(`ipc-console:${message.chat}`, message.text, `c:${message.id}`);
  const waiter = waiters.get(message.type);
  if (waiter) {
    waiters.delete(message.type);
    waiter(message);
  }
});
child.on('exit', (code) => {
  if (!stopping) {
    console.error(`agent process exited early (code ${code})`);
    process.exit(1);
  }
});
let stopping = false;
const ready = await onceFromChild('ready');
const slackUrl = `http://127.0.0.1:${ready.slackPort}/slack/events`;
await signal.waitForConnections(1);

// --- bookkeeping --------------------------------------------------------------------------------
const startedAt = performance.now();
const now = () => performance.now() - startedAt;
/** Inbound messages by id; per conversation, in the order sent. */
const inbound = new Map();
const conversations = new Map();
const byToken = new Map();
const byApproval = new Map();
const counts = {
  outbound: 0,
  unattributed: 0,
  busy: 0,
  progress: 0,
  slackRetriesSent: 0,
  slackAckFailures: 0,
  unknown: [],
};
const slackAcks = [];
let sequence = 0;

function record(channel, conversation, kind, extra = {}) {
  sequence += 1;
  const id = `${channel[0]}${sequence}`;
  const rec = {
    id,
    channel,
    conversation,
    kind,
    token: id,
    sentAt: now(),
    replies: {},
    completedAt: undefined,
    ...extra,
  };
  inbound.set(id, rec);
  byToken.set(rec.token, rec);
  const list = conversations.get(conversation) ?? [];
  list.push(rec);
  conversations.set(conversation, list);
  return rec;
}

function credit(rec, kind) {
  rec.replies[kind] = (rec.replies[kind] ?? 0) + 1;
  const expected = EXPECTED[rec.kind];
  if (rec.completedAt === undefined && expected.every((k) => (rec.replies[k] ?? 0) >= 1)) {
    rec.completedAt = now();
  }
}

/** Matches one outbound message (final text) to the inbound message it answers. */
function onOutbound(conversation, text, key) {
  counts.outbound += 1;
  const card = /Approval needed \[(\w+)\]/.exec(text);
  if (card) {
    const rec = byToken.get(/svc-(\w+)/.exec(text)?.[1]);
    if (!rec) return unattributed('card', text);
    credit(rec, 'card');
    if (!rec.approvalId) {
      rec.approvalId = card[1];
      byApproval.set(card[1], rec);
      // A person approves it a moment later, in the same conversation.
      setTimeout(() => sendApprove(rec), 100 + random() * 400);
    }
    return;
  }
  const done = /Done: restart service svc-(\w+)/.exec(text);
  if (done) {
    const approve = byToken.get(done[1])?.approveRec;
    return approve ? credit(approve, 'report') : unattributed('report', text);
  }
  const approved = /^Approved (\w+)\./.exec(text);
  if (approved) {
    const approve = byApproval.get(approved[1])?.approveRec;
    return approve ? credit(approve, 'approved') : unattributed('approved', text);
  }
  const token = /\[tok:(\w+)\]/.exec(text);
  if (token) {
    const rec = byToken.get(token[1]);
    return rec ? credit(rec, 'answer') : unattributed('answer', text);
  }
  if (text.includes(BUSY_REPLY)) {
    counts.busy += 1;
    return;
  }
  if (/^(:\w+: )?(Investigating|Running [\w, ]+…)/.test(text)) {
    counts.progress += 1;
    counts.outbound -= 1;
    return;
  }
  // Replies that carry no id: matched to the oldest unanswered command of that kind in the
  // conversation (a conversation is handled in order, so that is the one it answers).
  const kind = text.includes('Commands:')
    ? 'help'
    : text.includes('soak-lab')
      ? 'status'
      : undefined;
  if (!kind) {
    if (counts.unknown.length < 10) counts.unknown.push({ conversation, text: text.slice(0, 200) });
    else counts.unknown.push(null);
    return;
  }
  const rec = (conversations.get(conversation) ?? []).find(
    (r) => r.kind === kind && !r.replies[kind],
  );
  if (!rec) return unattributed(kind, text);
  credit(rec, kind);
  void key;
}
function unattributed(kind, text) {
  counts.unattributed += 1;
  if (counts.unknown.length < 10)
    counts.unknown.push({ unattributed: kind, text: text.slice(0, 200) });
}

// Outbound on Slack: each posted message (and its updates) by ts; the final text is what counts.
// Progress placeholders are updated in place into the answer, so one ts counts once.
const slackCounted = new Set();
const originalPush = slack.calls.push;
slack.calls.push = function push(...calls) {
  const result = originalPush.apply(this, calls);
  for (const call of calls) {
    setImmediate(() => onSlackCall(call));
  }
  return result;
};
function onSlackCall(call) {
  if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') return;
  const { channel } = call.args;
  const text = `${call.args.text ?? ''}\n${JSON.stringify(call.args.blocks ?? [])}`;
  let thread = call.args.thread_ts;
  let key;
  if (call.method === 'chat.update') {
    const message = slack.message(channel, call.args.ts);
    thread = message?.thread_ts ?? call.args.ts;
    key = `s:${call.args.ts}`;
  }
  if (
    /\[tok:|Commands:|soak-lab|Approval needed|Done:|Approved /.test(text) ||
    text.includes(BUSY_REPLY)
  ) {
    if (key && slackCounted.has(key)) return;
    if (key) slackCounted.add(key);
  }
  onOutbound(`slack:${channel}:${thread}`, text, key);
}
// Keep the fake's call log from growing over a long run (the messages map stays: updates need it).
setInterval(() => slack.calls.splice(0, slack.calls.length), 10_000).unref();

const originalSignalPush = signal.sent.push;
signal.sent.push = function push(...sends) {
  const result = originalSignalPush.apply(this, sends);
  for (const send of sends) {
    setImmediate(() =>
      onOutbound(
        `signal:${send.body.recipients?.[0]}`,
        send.body.message ?? '',
        `g:${send.timestamp}`,
      ),
    );
  }
  return result;
};
setInterval(() => signal.sent.splice(0, signal.sent.length), 10_000).unref();

// --- senders ------------------------------------------------------------------------------------
const inflight = new Set();
function track(promise) {
  inflight.add(promise);
  promise.finally(() => inflight.delete(promise));
}

let slackTs = 0;
async function postSlack(body, retryNum) {
  const raw = JSON.stringify(body);
  const headers = signSlackRequest(SECRET, raw);
  if (retryNum) {
    headers['x-slack-retry-num'] = String(retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  try {
    const response = await fetch(slackUrl, { method: 'POST', headers, body: raw });
    await response.arrayBuffer();
    if (!retryNum) slackAcks.push(performance.now() - started);
    return response.status === 200;
  } catch {
    return false;
  }
}
function sendSlack(kind, text) {
  const thread = pick(SLACK_THREADS);
  const rec = record('slack', `slack:${SLACK_CHAT}:${thread}`, kind);
  slackTs += 1;
  const body = appMention({
    text: text(rec),
    user: pick(SLACK_USERS),
    channel: SLACK_CHAT,
    ts: `1710000000.${String(slackTs).padStart(6, '0')}`,
    threadTs: thread,
    eventId: `Ev${rec.id.toUpperCase()}`,
  });
  const retry = random() < RETRY_SHARE;
  track(
    (async () => {
      let ok = await postSlack(body);
      // Slack redelivers what was not acked (up to 3 retries); some are redelivered anyway.
      for (let n = 1; !ok && n <= 3; n++) {
        counts.slackAckFailures += 1;
        ok = await postSlack(body, n);
      }
      if (retry) {
        await sleep(50 + random() * 950);
        counts.slackRetriesSent += 1;
        await postSlack(body, 1);
      }
    })(),
  );
}
function sendSignal(kind, text, from = pick(SIGNAL_SENDERS), extra = {}) {
  const rec = record('signal', `signal:${from}`, kind, extra);
  signal.message({ from, text: text(rec) });
  return rec;
}
function sendConsole(kind, text, chat = pick(CONSOLE_CHATS), extra = {}) {
  const rec = record('ipc-console', `ipc-console:${chat}`, kind, extra);
  child.send({ type: 'console-in', id: rec.id, chat, sender: 'op', text: text(rec) });
  return rec;
}

const TEXTS = {
  status: () => 'status',
  help: () => 'help',
  question: (rec) => `why is web-${rec.token} slow? [tok:${rec.token}]`,
  propose: (rec) => `please restart svc-${rec.token}, it hangs [tok:${rec.token}]`,
};
function sendApprove(proposal) {
  if (!proposal.approvalId || proposal.approveRec) return;
  const text = () => `approve ${proposal.approvalId}`;
  const extra = { proposal: proposal.id };
  const [channel, rest] = [proposal.channel, proposal.conversation.split(':').slice(1).join(':')];
  proposal.approveRec =
    channel === 'signal'
      ? sendSignal('approve', text, rest, extra)
      : sendConsole('approve', text, rest, extra);
}

function sendOne() {
  const channel = weighted([
    ['slack', 40],
    ['signal', 35],
    ['ipc-console', 25],
  ]);
  const kind = weighted([
    ['status', 20],
    ['help', 10],
    ['question', 55],
    ['propose', 15],
  ]);
  // Approvals go through the text command on Signal and the console; Slack's buttons are covered
  // by the channel's own tests.
  if (channel === 'slack')
    sendSlack(
      kind === 'propose' ? 'question' : kind,
      TEXTS[kind === 'propose' ? 'question' : kind],
    );
  else if (channel === 'signal') sendSignal(kind, TEXTS[kind]);
  else sendConsole(kind, TEXTS[kind]);
}

// --- the run ------------------------------------------------------------------------------------
const loadStart = loadavg();
const total = Math.round(RATE * SECONDS);
const checkpointEvery = CHECKPOINTS > 0 ? SECONDS / CHECKPOINTS : Number.POSITIVE_INFINITY;
let nextCheckpoint = checkpointEvery;
console.error(`soak: ${total} messages at ${RATE}/s for ${SECONDS} s`);
for (let i = 0; i < total; i++) {
  const due = (i * 1000) / RATE;
  const wait = due - now();
  if (wait > 1) await sleep(wait);
  sendOne();
  if (now() / 1000 >= nextCheckpoint) {
    nextCheckpoint += checkpointEvery;
    child.send({ type: 'gc' });
    const gc = await onceFromChild('gc-done');
    checkpoints.push({
      t: Math.round(now() / 100) / 10,
      heapUsedMB: mb(gc.heapUsed),
      rssMB: mb(gc.rss),
      forced: gc.forced,
    });
    console.error(
      `soak: ${Math.round(now() / 1000)} s, ${sequence} sent, heap after GC ${mb(gc.heapUsed)} MB, rss ${mb(gc.rss)} MB`,
    );
  }
}
const sendingMs = now();

// Drain: wait for every reply (approvals lead to more messages), up to 60 s.
const drainUntil = now() + 60_000;
let lastOpen = -1;
while (now() < drainUntil) {
  await Promise.allSettled([...inflight]);
  child.send({ type: 'idle' });
  await onceFromChild('idle-done');
  await sleep(300);
  const open = [...inbound.values()].filter((r) => r.completedAt === undefined).length;
  if (open === 0 || (open === lastOpen && inflight.size === 0)) break;
  lastOpen = open;
}
stopping = true;
child.send({ type: 'gc' });
const finalGc = await onceFromChild('gc-done');
checkpoints.push({
  t: Math.round(now() / 100) / 10,
  heapUsedMB: mb(finalGc.heapUsed),
  rssMB: mb(finalGc.rss),
  forced: finalGc.forced,
  afterDrain: true,
});
child.send({ type: 'stop' });
const stopped = await onceFromChild('stopped');
await slack.close();
await signal.close();

// --- results ------------------------------------------------------------------------------------
function mb(bytes) {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 100) / 100;
}
function dist(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  };
}
/** Least-squares slope of y over x. */
function slope(points) {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? null : Math.round((num / den) * 1000) / 1000;
}

const all = [...inbound.values()];
let lost = 0;
let duplicated = 0;
const lostExamples = [];
const byKind = {};
const byChannel = {};
for (const rec of all) {
  byKind[rec.kind] = (byKind[rec.kind] ?? 0) + 1;
  byChannel[rec.channel] = (byChannel[rec.channel] ?? 0) + 1;
  let missing = false;
  for (const k of EXPECTED[rec.kind]) {
    const got = rec.replies[k] ?? 0;
    if (got === 0) missing = true;
    if (got > 1) duplicated += got - 1;
  }
  if (missing) {
    lost += 1;
    if (lostExamples.length < 10)
      lostExamples.push({
        id: rec.id,
        kind: rec.kind,
        conversation: rec.conversation,
        replies: rec.replies,
      });
  }
}
// A busy reply answers the message it refused; with no busy replies every message must be answered.
const lostNet = Math.max(0, lost - counts.busy);

const t0 = samples[0]?.at ?? 0;
const series = samples.map((s) => ({
  t: Math.round((s.at - t0) / 100) / 10,
  rssMB: mb(s.rss),
  heapUsedMB: mb(s.heapUsed),
  heapTotalMB: mb(s.heapTotal),
  externalMB: mb(s.external),
  eventLoopDelayP99Ms: Math.round(s.eventLoopDelayMs.p99 * 100) / 100,
  eventLoopDelayMaxMs: Math.round(s.eventLoopDelayMs.max * 100) / 100,
  queueDeepest: s.queue.deepestSinceLast,
  queueTotalPeak: s.queue.totalPeakSinceLast,
  loadavg1: Math.round(s.loadavg * 100) / 100,
}));
// The slope leaves out the first 10% of the run (JIT, caches and connection pools warming up).
const warm = series.filter((s) => s.t >= SECONDS * 0.1);
const perMinute = (points) => {
  const perSecond = slope(points);
  return perSecond === null ? null : Math.round(perSecond * 60 * 100) / 100;
};
const summarise = (field) => ({
  start: series[0]?.[field],
  peak: Math.max(...series.map((s) => s[field])),
  end: series.at(-1)?.[field],
  slopeMBPerMinuteAfterWarmup: perMinute(warm.map((s) => ({ x: s.t, y: s[field] }))),
  // Whether it has levelled off: the trend over the second half of the run only.
  slopeMBPerMinuteSecondHalf: perMinute(
    series.filter((s) => s.t >= SECONDS / 2).map((s) => ({ x: s.t, y: s[field] })),
  ),
});
const heapCheckpoints = checkpoints.filter((c) => !c.afterDrain);
const latencies = all
  .filter((r) => r.completedAt !== undefined)
  .map((r) => r.completedAt - r.sentAt);
const latencyByKind = Object.fromEntries(
  Object.keys(EXPECTED).map((kind) => [
    kind,
    dist(
      all
        .filter((r) => r.kind === kind && r.completedAt !== undefined)
        .map((r) => r.completedAt - r.sentAt),
    ),
  ]),
);
const cpu = stopped.last.cpu;
const eld = series.map((s) => s.eventLoopDelayP99Ms).sort((a, b) => a - b);
const result = {
  benchmark: 'reliability-soak',
  description:
    'One agent process (createAgent, SQLite store) with the Slack channel (Bolt HTTP receiver; signed app_mention events from the harness process, 5% redelivered with X-Slack-Retry-Num: 1), the Signal channel (fake signal-cli-rest-api in the harness, envelopes over its WebSocket) and a console-like channel over IPC; a rule-based model with zero latency (question -> tool call -> answer; "restart" -> propose_remediation -> the harness approves it with "approve <id>" -> the remediation runs and reports). Open-loop steady rate. Every inbound message has a unique id; its replies are matched to it (answers by a token, commands in conversation order).',
  date: new Date().toISOString(),
  machine: {
    ...machine(),
    note: '2 CPUs shared with other work during the run; the harness (fakes, load generator) shares them with the agent process',
  },
  settings: {
    ratePerSecond: RATE,
    durationSeconds: SECONDS,
    sampleEverySeconds: SAMPLE_MS / 1000,
    gcCheckpoints: CHECKPOINTS,
    slackRetryShare: RETRY_SHARE,
    modelDelayMs: Number(process.env.SOAK_MODEL_DELAY_MS ?? 0),
    mix: {
      channels: { slack: 40, signal: 35, 'ipc-console': 25 },
      kinds: { status: 20, help: 10, question: 55, propose: 15 },
    },
    queueBounds: process.env.SOAK_QUEUE
      ? JSON.parse(process.env.SOAK_QUEUE)
      : 'defaults (20 per conversation, 1000 overall)',
    conversations: {
      slackThreads: SLACK_THREADS.length,
      signalSenders: SIGNAL_SENDERS.length,
      consoleChats: CONSOLE_CHATS.length,
    },
  },
  achievedRatePerSecond: Math.round((total / sendingMs) * 1000 * 100) / 100,
  messages: {
    in: all.length,
    inByChannel: byChannel,
    inByKind: byKind,
    outMatched: counts.outbound - counts.unattributed - counts.unknown.length,
    outTotal: counts.outbound,
    progressUpdates: counts.progress,
    lost: lostNet,
    unanswered: lost,
    duplicated: duplicated + counts.unattributed,
    busyReplies: counts.busy,
    unknownReplies: counts.unknown.length,
    unknownExamples: counts.unknown.filter(Boolean),
    lostExamples,
    slackRetriesSent: counts.slackRetriesSent,
    slackAckFailures: counts.slackAckFailures,
    modelCalls: stopped.last.modelCalls,
    remediationRuns: stopped.last.remediationRuns,
  },
  memory: {
    rssMB: summarise('rssMB'),
    heapUsedMB: summarise('heapUsedMB'),
    heapAfterFullGcMB: {
      checkpoints: heapCheckpoints,
      afterDrain: checkpoints.find((c) => c.afterDrain),
      slopeMBPerMinute: perMinute(heapCheckpoints.map((c) => ({ x: c.t, y: c.heapUsedMB }))),
    },
  },
  eventLoopDelayMs: {
    p99OfIntervalsMedian: percentile(eld, 50),
    p99OfIntervalsMax: percentile(eld, 100),
    maxOverall: Math.max(...series.map((s) => s.eventLoopDelayMaxMs)),
  },
  queueDepth: {
    deepestConversationPeak: Math.max(...series.map((s) => s.queueDeepest)),
    totalPeak: Math.max(...series.map((s) => s.queueTotalPeak)),
    atEnd: stopped.last.queue,
  },
  latencyMs: { all: dist(latencies), byKind: latencyByKind, slackAck: dist(slackAcks) },
  agentCpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / now()) * 1000) / 10,
  loadAverage: {
    atStart: loadStart.map((v) => Math.round(v * 100) / 100),
    atEnd: loadavg().map((v) => Math.round(v * 100) / 100),
  },
  busyMetric: stopped.metrics
    .split('\n')
    .filter((l) => l.startsWith('opsagent_messages_busy_total')),
  series,
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
const { series: _omit, ...brief } = result;
console.log(
  JSON.stringify(
    {
      messages: brief.messages,
      memory: brief.memory,
      eventLoopDelayMs: brief.eventLoopDelayMs,
      latencyMs: brief.latencyMs.all,
      queueDepth: brief.queueDepth,
    },
    null,
    2,
  ),
);
process.exit(0);
