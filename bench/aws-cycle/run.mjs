// bench/aws-cycle: one monitoring cycle of the `aws` plugin over 5,000 EC2 instances in 4 regions,
// 200 Amplify branches and 50 log groups, against the wire fakes with a fixed latency per call
// (default 50 ms), through the real AWS SDK clients. Measured against a naive cycle (one status call
// per instance, every job page of every branch, one log read per group and minute) in the same run.
// Writes bench/results/aws-cycle.json. Run: npm run build && node bench/aws-cycle/run.mjs
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ListJobsCommand, paginateListApps, paginateListBranches } from '@aws-sdk/client-amplify';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { silentLogger } from '@opsagent/core';
import {
  awsConfigSchema,
  createAmplifySource,
  createAwsAccounts,
  createEc2Source,
  createLogsSource,
} from '@opsagent/source-aws';
import { machine } from '../lib/stats.mjs';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 5000);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const APPS = 40;
const INSTANCE_LIST = Array.from({ length: INSTANCES }, (_, n) => ({
  id: `i-${n.toString(16).padStart(17, '0')}`,
  region: ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'][n % 4],
}));
const BRANCHES_PER_APP = 5;
const GROUPS = 50;
const CONCURRENCY = 16;

const NOW = Date.now();
const server = fork(new URL('./fake-server.mjs', import.meta.url), [], {
  env: {
    ...process.env,
    BENCH_LATENCY_MS: String(LATENCY),
    BENCH_INSTANCES: String(INSTANCES),
    BENCH_NOW: String(NOW),
  },
});
const replies = [];
server.on('message', (message) => replies.push(message));
async function reply(type) {
  for (;;) {
    const index = replies.findIndex((m) => m.type === type);
    if (index >= 0) return replies.splice(index, 1)[0];
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const { url, groups } = await reply('ready');
async function served() {
  server.send({ type: 'calls' });
  return (await reply('calls')).calls;
}
const now = NOW;
const fake = { url };
const config = awsConfigSchema.parse({ concurrency: CONCURRENCY, logs: { groups } });
const ctx = { signal: new AbortController().signal, logger: silentLogger };
const clients = {
  credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
  endpoints: { ec2: fake.url, logs: fake.url, amplify: fake.url },
};

async function measure(label, fn) {
  const before = (await served()).length;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await fn();
  const wallMs = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const calls = (await served()).slice(before);
  const byOperation = {};
  for (const operation of calls) byOperation[operation] = (byOperation[operation] ?? 0) + 1;
  console.log(
    `${label}: ${calls.length} calls, ${wallMs} ms wall, ${cpuMs} ms CPU of the agent process`,
  );
  return { calls: calls.length, wallMs, cpuMs, byOperation, ...result };
}

// --- opsagent: one cycle as the monitor runs it (the three sources concurrently) ---
const accounts = createAwsAccounts(config, clients, {});
const sources = [
  createEc2Source({ accounts, config }),
  createAmplifySource({ accounts, config }),
  createLogsSource({ accounts, config }),
];
const cycle = () =>
  measure('opsagent cycle', async () => {
    const perSource = await Promise.all(
      sources.map(async (s) => {
        const started = performance.now();
        const findings = await s.check(ctx);
        return {
          source: s.name,
          findings: findings.length,
          wallMs: Math.round(performance.now() - started),
        };
      }),
    );
    return { findings: perSource.reduce((s, r) => s + r.findings, 0), perSource };
  });
const first = await cycle();
const second = await cycle();
accounts.destroy();

// --- naive: per-instance status, every job page of every branch, per-minute log reads ---
const naiveAccounts = createAwsAccounts(config, clients, {});
async function limit(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
const naive = await measure('naive cycle', async () => {
  let findings = 0;
  const account = naiveAccounts.get();
  await Promise.all([
    limit(INSTANCE_LIST, CONCURRENCY, async (i) => {
      const out = await account
        .ec2(i.region)
        .send(
          new DescribeInstanceStatusCommand({ InstanceIds: [i.id], IncludeAllInstances: true }),
        );
      const s = out.InstanceStatuses?.[0];
      if (
        s?.SystemStatus?.Status === 'impaired' ||
        s?.InstanceStatus?.Status === 'impaired' ||
        (s?.Events?.length ?? 0) > 0
      )
        findings++;
    }),
    (async () => {
      const pairs = [];
      for (const region of REGIONS) {
        const client = account.amplify(region);
        for await (const page of paginateListApps({ client, pageSize: 1 }, {})) {
          for (const app of page.apps ?? []) {
            for await (const bp of paginateListBranches(
              { client, pageSize: 1 },
              { appId: app.appId },
            )) {
              for (const b of bp.branches ?? [])
                pairs.push({ client, appId: app.appId, branchName: b.branchName });
            }
          }
        }
      }
      await limit(pairs, CONCURRENCY, async (p) => {
        let token;
        const jobs = [];
        do {
          const out = await p.client.send(
            new ListJobsCommand({
              appId: p.appId,
              branchName: p.branchName,
              maxResults: 5,
              nextToken: token,
            }),
          );
          jobs.push(...(out.jobSummaries ?? []));
          token = out.nextToken;
        } while (token);
        if (jobs[0]?.status === 'FAILED') findings++;
      });
    })(),
    limit(groups, CONCURRENCY, async (g) => {
      for (let minute = 15; minute > 0; minute--) {
        const out = await account.logs(g.region).send(
          new FilterLogEventsCommand({
            logGroupName: g.name,
            filterPattern: 'ERROR',
            startTime: now - minute * 60_000,
            endTime: now - (minute - 1) * 60_000,
          }),
        );
        if ((out.events?.length ?? 0) > 0) findings++;
      }
    }),
  ]);
  return { findings };
});
naiveAccounts.destroy();
server.send({ type: 'close' });

const results = {
  bench: 'aws-cycle',
  date: new Date().toISOString(),
  loadAverage1m: loadavg()[0],
  machine: machine(),
  setup: {
    latencyMsPerCall: LATENCY,
    instances: INSTANCES,
    regions: REGIONS.length,
    amplifyApps: APPS,
    amplifyBranches: APPS * BRANCHES_PER_APP,
    logGroups: GROUPS,
    concurrency: CONCURRENCY,
  },
  opsagent: { firstCycle: first, steadyCycle: second },
  naive,
  ratio: {
    calls: Math.round((naive.calls / first.calls) * 10) / 10,
    wall: Math.round((naive.wallMs / first.wallMs) * 10) / 10,
  },
  goal: { cycleUnderMs: 3000, met: first.wallMs < 3000 && second.wallMs < 3000 },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/aws-cycle.json', import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
);
console.log(
  JSON.stringify({
    opsagent: { first: [first.calls, first.wallMs], steady: [second.calls, second.wallMs] },
    naive: [naive.calls, naive.wallMs],
    ratio: results.ratio,
  }),
);
