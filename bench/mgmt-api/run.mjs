// bench/mgmt-api: the management HTTP API over loopback against an agent on a SQLite store holding
// 1,000 incidents and 200 pending approvals: latency per endpoint (sequential, p50/p99), /v1/status
// throughput with concurrent clients, and approve round trips (decision, run, audit) over HTTP.
// Writes bench/results/mgmt-api.json. Run: node bench/mgmt-api/run.mjs (after npm run build).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createAgent,
  createManagementApi,
  definePlugin,
  defineRemediation,
  SqliteStore,
} from '@opsagent/core';
import { z } from 'zod';
import { machine, percentile } from '../lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const INCIDENTS = 1000;
const APPROVALS = 200;
const CONCURRENCY = 16;
const TOKEN = 'bench-token-0123456789abcdef';

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v) => Math.round(v * 1000) / 1000;
  return {
    runs: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1)),
    mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'opsagent-bench-api-'));
let runs = 0;
const plugin = definePlugin({
  name: 'bench',
  setup: () => ({
    sources: Array.from({ length: 10 }, (_, i) => ({
      name: `source-${i}`,
      async status() {
        return {
          health: 'ok',
          sections: [{ title: `source ${i}`, fields: [{ label: 'Things', value: '42' }] }],
        };
      },
    })),
    remediations: [
      defineRemediation({
        name: 'noop',
        description: 'does nothing',
        input: z.object({ n: z.number() }),
        risk: 'low',
        describe: (input) => `noop ${input.n}`,
        async execute() {
          runs += 1;
          return { ok: true, detail: 'done' };
        },
      }),
    ],
  }),
});
const agent = await createAgent({
  plugins: [plugin],
  store: new SqliteStore({ path: join(dir, 'bench.db') }),
  principals: [{ id: 'bench', roles: ['operator'], identities: {} }],
  monitor: { enabled: false },
});
await agent.start();
const now = Date.now();
for (let i = 0; i < INCIDENTS; i++) {
  const at = new Date(now - i * 60_000);
  await agent.store.putIncident({
    id: `inc${String(i).padStart(4, '0')}`,
    key: `bench:${i}`,
    source: `source-${i % 10}`,
    status: i % 10 === 0 ? 'open' : 'resolved',
    severity: ['info', 'warning', 'critical'][i % 3],
    resource: `thing:${i}`,
    title: `thing ${i} misbehaves`,
    evidence: 'x'.repeat(200),
    observations: 1,
    cleanChecks: 0,
    firstSeenAt: at,
    lastSeenAt: at,
    ...(i % 10 === 0 ? { openedAt: at } : { resolvedAt: at }),
  });
}
const ids = [];
for (let i = 0; i < APPROVALS; i++) {
  const approval = await agent.approvals.propose({
    remediation: 'noop',
    input: { n: i },
    reason: 'bench',
    requestedBy: { kind: 'monitor', id: 'monitor', name: 'monitor' },
  });
  ids.push(approval.id);
}
// Some metric series to render: checks of 10 sources with latencies.
for (let i = 0; i < 1000; i++)
  agent.metrics.checkCompleted(`source-${i % 10}`, i % 7 !== 0, (i % 50) / 100);

const api = createManagementApi({
  target: agent,
  tokens: [{ token: TOKEN, principal: agent.principal('bench') }],
});
const { url } = await api.listen({ host: '127.0.0.1', port: 0 });
const headers = { authorization: `Bearer ${TOKEN}` };

async function timed(path, init = {}) {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { headers, ...init });
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return elapsed;
}

const endpoints = {};
for (const path of [
  '/healthz',
  '/readyz',
  '/v1/status',
  '/v1/incidents?limit=50',
  '/v1/incidents?status=open&severity=critical',
  '/v1/approvals?limit=50',
  '/metrics',
]) {
  for (let i = 0; i < 20; i++) await timed(path);
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(await timed(path));
  endpoints[path] = summary(samples);
}

// Throughput of /v1/status with concurrent clients.
const total = RUNS * 4;
let next = 0;
const throughputStarted = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      next += 1;
      await timed('/v1/status');
    }
  }),
);
const throughputSeconds = (performance.now() - throughputStarted) / 1000;

// Approve round trips: each decides, runs the no-op remediation once and audits it.
const approve = [];
for (const id of ids) approve.push(await timed(`/v1/approvals/${id}/approve`, { method: 'POST' }));
if (runs !== APPROVALS) throw new Error(`expected ${APPROVALS} runs, got ${runs}`);

await api.close();
await agent.stop();
rmSync(dir, { recursive: true, force: true });

const result = {
  benchmark: 'mgmt-api',
  description: `management API over loopback (fetch), SQLite store with ${INCIDENTS} incidents and ${APPROVALS} pending approvals, 10 sources: sequential latency per endpoint in ms, /v1/status throughput with ${CONCURRENCY} concurrent clients, and approve round trips (decide + run a no-op remediation + audit)`,
  date: new Date().toISOString(),
  machine: machine(),
  endpointsMs: endpoints,
  statusThroughput: {
    requests: total,
    concurrency: CONCURRENCY,
    seconds: Math.round(throughputSeconds * 1000) / 1000,
    requestsPerSecond: Math.round(total / throughputSeconds),
  },
  approveRoundTripMs: summary(approve),
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/mgmt-api.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
