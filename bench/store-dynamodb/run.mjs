// bench/store-dynamodb: throughput and latency of the operations that make a shared store
// correct (dedup `claim`, `transitionApproval` pending -> approved) on DynamoDB's wire protocol,
// against dynalite in a separate process on loopback, with SqliteStore (a file) as a reference.
// Also counts winners when two store instances race on the same items (must be exactly one).
// Writes bench/results/store-dynamodb.json. Run: node bench/store-dynamodb/run.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SqliteStore } from '@opsagent/core';
import { DynamoStore } from '@opsagent/store-dynamodb';
import { machine, percentile } from '../lib/stats.mjs';

const OPS = Number(process.env.BENCH_OPS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RACES = Number(process.env.BENCH_RACES ?? 200);

const round = (v) => Math.round(v * 1000) / 1000;

/** Runs `op(i)` for i in [0, total) with `concurrency` in flight; latency of each and ops/s. */
async function measure(total, concurrency, op) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    ops: total,
    concurrency,
    opsPerSecond: Math.round(total / seconds),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1)),
    },
  };
}

function approval(id) {
  const now = new Date();
  return {
    id,
    remediation: 'reboot_instance',
    input: { instanceId: 'i-0abc' },
    action: 'reboot i-0abc',
    reason: 'status check failed',
    risk: 'high',
    requestedBy: { kind: 'model', id: 'model', name: 'model' },
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    updatedAt: now,
  };
}

const olga = { kind: 'principal', id: 'olga', name: 'Olga' };

/** The measured operations on one store; `prefix` keeps ids apart between runs. */
async function suite(store, prefix) {
  const results = {};
  for (const concurrency of [1, CONCURRENCY]) {
    const tag = `c${concurrency}`;
    results[`claimNew_${tag}`] = await measure(OPS, concurrency, (i) =>
      store.claim(`${prefix}:${tag}:ev${i}`, 86_400_000).then((won) => {
        if (!won) throw new Error('a new claim was refused');
      }),
    );
    results[`claimDuplicate_${tag}`] = await measure(OPS, concurrency, (i) =>
      store.claim(`${prefix}:${tag}:ev${i}`, 86_400_000).then((won) => {
        if (won) throw new Error('a duplicate claim was granted');
      }),
    );
    for (let i = 0; i < OPS; i++) await store.createApproval(approval(`${prefix}-${tag}-a${i}`));
    results[`approve_${tag}`] = await measure(OPS, concurrency, (i) =>
      store
        .transitionApproval(`${prefix}-${tag}-a${i}`, ['pending'], {
          status: 'approved',
          decidedBy: olga,
          updatedAt: new Date(),
        })
        .then((r) => {
          if (r?.status !== 'approved') throw new Error('approve failed');
        }),
    );
  }
  return results;
}

/** Two instances race to approve and to claim the same items; returns the winner counts. */
async function races(a, b) {
  let approvalsWithOneWinner = 0;
  let claimsWithOneWinner = 0;
  for (let i = 0; i < RACES; i++) {
    await a.createApproval(approval(`race-${i}`));
    const decided = await Promise.all([
      a.transitionApproval(`race-${i}`, ['pending'], { status: 'approved', decidedBy: olga }),
      b.transitionApproval(`race-${i}`, ['pending'], { status: 'approved', decidedBy: olga }),
    ]);
    if (decided.filter(Boolean).length === 1) approvalsWithOneWinner++;
    const claimed = await Promise.all([a.claim(`race:${i}`, 60_000), b.claim(`race:${i}`, 60_000)]);
    if (claimed.filter(Boolean).length === 1) claimsWithOneWinner++;
  }
  return { races: RACES, approvalsWithOneWinner, claimsWithOneWinner };
}

/** dynalite in its own process, so the server does not share this event loop. */
async function startDynalite() {
  const require = createRequire(import.meta.url);
  const script = `const d = require(${JSON.stringify(require.resolve('dynalite'))})({ createTableMs: 0 });
d.listen(0, '127.0.0.1', () => console.log(d.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { value: port } = await lines.next();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

const loadBefore = loadavg().map((v) => Math.round(v * 100) / 100);
const server = await startDynalite();
const client = (maxAttempts = 3) =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts,
  });
const dir = mkdtempSync(join(tmpdir(), 'opsagent-bench-store-'));
let result;
try {
  const dynamoClient = client();
  const dynamo = new DynamoStore({ table: 'bench', createTable: true, client: dynamoClient });
  await dynamo.init();
  const dynamoResults = await suite(dynamo, 'd');
  const otherClient = client();
  const other = new DynamoStore({ table: 'bench', client: otherClient });
  await other.init();
  const raceResults = await races(dynamo, other);
  await dynamo.close();
  await other.close();
  dynamoClient.destroy();
  otherClient.destroy();

  const sqlite = new SqliteStore({ path: join(dir, 'bench.db') });
  await sqlite.init();
  const sqliteResults = await suite(sqlite, 's');
  await sqlite.close();

  result = {
    benchmark: 'store-dynamodb',
    description:
      'DynamoStore operations through @aws-sdk/client-dynamodb against dynalite (LevelDB in memory) in a separate process on loopback, sequential (c1) and with ' +
      `${CONCURRENCY} in flight; SqliteStore on a file (WAL) as a reference. claimNew: dedup claims that win; claimDuplicate: claims refused by the condition; approve: transitionApproval pending->approved. ` +
      'dynalite measures the client, the wire protocol and the store logic, not DynamoDB service latency (single-digit ms in-region). races: two instances (two clients) racing on the same items.',
    date: new Date().toISOString(),
    machine: {
      ...machine(),
      // 1/5/15-minute load averages when the run started and ended (the machine may be shared).
      loadAverage: { before: loadBefore, after: loadavg().map((v) => Math.round(v * 100) / 100) },
    },
    opsPerCase: OPS,
    dynamodb: dynamoResults,
    races: raceResults,
    sqliteReference: sqliteResults,
  };
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}

const out = new URL('../results/store-dynamodb.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const line = (name, r) =>
  `${name.padEnd(22)} ${String(r.opsPerSecond).padStart(7)} ops/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms`;
for (const [name, r] of Object.entries(result.dynamodb)) console.log(line(`dynamodb ${name}`, r));
for (const [name, r] of Object.entries(result.sqliteReference))
  console.log(line(`sqlite ${name}`, r));
console.log('races', result.races);
