// The fake AWS endpoints of bench/aws-cycle in their own process, so the agent under test does not
// share its event loop with the server's work (as with the real AWS). Talks to the parent over IPC:
// sends {url, groups}, answers {type: 'calls'} with the calls served so far, exits on {type: 'close'}.
import { startFakeAws } from '@opsagent/testkit';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 5000);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const APPS = 40;
const BRANCHES_PER_APP = 5;
const GROUPS = 50;
const now = Number(process.env.BENCH_NOW ?? Date.now());

const fake = await startFakeAws({ latencyMs: LATENCY });
fake.world.regions = REGIONS;
for (let n = 0; n < INSTANCES; n++) {
  fake.world.instances.push({
    id: `i-${n.toString(16).padStart(17, '0')}`,
    region: REGIONS[n % REGIONS.length],
    state: n % 50 === 7 ? 'stopped' : 'running',
    systemStatus: n % 997 === 3 ? 'impaired' : 'ok',
    instanceStatus: n % 1499 === 5 ? 'impaired' : 'ok',
    events:
      n % 1201 === 9 ? [{ code: 'system-reboot', notBefore: new Date(now + 86_400_000) }] : [],
    tags: { Name: `node-${n}` },
  });
}
for (let a = 0; a < APPS; a++) {
  fake.world.apps.push({
    appId: `d${a.toString(16).padStart(12, '0')}`,
    name: `app-${a}`,
    region: REGIONS[a % REGIONS.length],
    repository: `https://github.com/example/app-${a}`,
    branches: Array.from({ length: BRANCHES_PER_APP }, (_, b) => ({
      branchName: `branch-${b}`,
      jobs: Array.from({ length: 12 }, (_, j) => ({
        jobId: String(j + 1),
        status: j === 11 && (a * BRANCHES_PER_APP + b) % 17 === 0 ? 'FAILED' : 'SUCCEED',
        jobType: 'WEB_HOOK',
        commitId: `c${a}${b}${j}`,
        startTime: new Date(now - (12 - j) * 3_600_000),
      })),
    })),
  });
}
const groups = [];
for (let g = 0; g < GROUPS; g++) {
  const name = `/app/service-${g}`;
  groups.push({ name, region: REGIONS[g % REGIONS.length] });
  fake.world.logGroups[name] = Array.from({ length: 200 }, (_, n) => ({
    timestamp: now - 600_000 + n * 3000,
    message:
      n % 4 === 0
        ? `ERROR request ${n} failed: upstream timeout after ${n * 7}ms`
        : `INFO request ${n} ok`,
  }));
}

process.on('message', async (message) => {
  if (message.type === 'calls')
    process.send({ type: 'calls', calls: fake.calls.map((c) => c.operation) });
  if (message.type === 'close') {
    await fake.close();
    process.exit(0);
  }
});
process.send({ type: 'ready', url: fake.url, groups });
