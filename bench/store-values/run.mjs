// bench/store-values: setValue / getValue of large values (plugin state such as the CloudWatch
// Logs check's template set) on DynamoStore, which gzips values over 350 KB and splits what still
// does not fit one item into parts, against dynalite in a separate process on loopback; SqliteStore
// on a file as a reference. Counts the DynamoDB requests and bytes stored per value.
// Writes bench/results/store-values.json. Run: node bench/store-values/run.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SqliteStore } from '@opsagent/core';
import { DynamoStore } from '@opsagent/store-dynamodb';
import { machine, summary } from '../lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** Values: random base64 (gzip keeps about 3/4) of these sizes, and one compressible MB. */
const CASES = [
  { name: 'random_100KB', value: () => randomBytes(75 * 1024).toString('base64') },
  { name: 'random_1MB', value: () => randomBytes(768 * 1024).toString('base64') },
  { name: 'random_4MB', value: () => randomBytes(3 * 1024 * 1024).toString('base64') },
  { name: 'random_8MB', value: () => randomBytes(6 * 1024 * 1024).toString('base64') },
  {
    name: 'templates_1MB',
    value: () =>
      Array.from(
        { length: 9_000 },
        (_, i) =>
          `{"id":"t${i}","template":"ERROR <*> timed out after <*> ms in handler ${i % 97}"}`,
      ).join('\n'),
  },
];

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

/** Part items stored under a value's key (all pages). */
async function countParts(key) {
  let count = 0;
  let start;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: 'values',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': { S: `kv#${key}` }, ':p': { S: 'p#' } },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Times `runs` set and get rounds of `value` under `key`; checks each read. */
async function measure(store, key, value) {
  const set = [];
  const get = [];
  for (let i = 0; i < RUNS; i++) {
    let t0 = performance.now();
    await store.setValue(key, value, 604_800_000);
    set.push(performance.now() - t0);
    t0 = performance.now();
    const read = await store.getValue(key);
    get.push(performance.now() - t0);
    if (read !== value) throw new Error(`${key}: the value read back differs`);
  }
  return { setMs: summary(set), getMs: summary(get) };
}

const loadBefore = loadavg().map((v) => Math.round(v * 100) / 100);
const server = await startDynalite();
const requests = [];
const client = new DynamoDBClient({
  region: 'us-east-1',
  endpoint: server.endpoint,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 3,
});
client.middlewareStack.add(
  (next, context) => (args) => {
    requests.push(context.commandName);
    return next(args);
  },
  { step: 'initialize', name: 'countRequests' },
);
const dir = mkdtempSync(join(tmpdir(), 'opsagent-bench-values-'));
const cases = {};
try {
  const dynamo = new DynamoStore({ table: 'values', createTable: true, client });
  await dynamo.init();
  const sqlite = new SqliteStore({ path: join(dir, 'bench.db') });
  await sqlite.init();
  for (const c of CASES) {
    const value = c.value();
    const bytes = Buffer.byteLength(value);
    requests.length = 0;
    await dynamo.setValue(c.name, value, 604_800_000);
    const setRequests = requests.splice(0);
    await dynamo.getValue(c.name);
    const getRequests = requests.splice(0);
    const head = await client.send(
      new GetItemCommand({
        TableName: 'values',
        Key: { pk: { S: `kv#${c.name}` }, sk: { S: 'kv' } },
      }),
    );
    const item = head.Item ?? {};
    cases[c.name] = {
      valueBytes: bytes,
      storedAs: item.v ? 'text' : item.vz ? 'gzip in one item' : 'gzip parts',
      storedBytes: item.v ? bytes : (item.vz?.B?.byteLength ?? Number(item.size?.N)),
      parts: item.parts ? Number(item.parts.N) : 0,
      requestsPerSet: setRequests,
      requestsPerGet: getRequests,
      dynamodb: await measure(dynamo, c.name, value),
      sqliteReference: await measure(sqlite, c.name, value),
    };
    // After RUNS replacements, only the current version's parts may be left.
    cases[c.name].partItemsAfterRuns = await countParts(c.name);
    const r = cases[c.name];
    console.log(
      `${c.name.padEnd(14)} ${String(bytes).padStart(8)} B -> ${r.storedAs} (${r.storedBytes} B, ${r.parts} parts, ${r.partItemsAfterRuns} part items after the runs); ` +
        `dynamodb set p50 ${r.dynamodb.setMs.p50} ms, get p50 ${r.dynamodb.getMs.p50} ms; ` +
        `sqlite set p50 ${r.sqliteReference.setMs.p50} ms, get p50 ${r.sqliteReference.getMs.p50} ms`,
    );
  }
  await dynamo.close();
  await sqlite.close();
} finally {
  client.destroy();
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}

const result = {
  benchmark: 'store-values',
  description:
    'setValue then getValue of one key, sequential, with a 7-day TTL, through DynamoStore against dynalite (LevelDB in memory) in a separate process on loopback, and SqliteStore on a file (WAL) as a reference. ' +
    `Each case runs ${RUNS} times. DynamoStore keeps values up to 350 KB as text, gzips larger ones, and splits gzip data over 350 KB into parts (BatchWriteItem, then one PutItem of the head; reads: GetItem, then BatchGetItem). ` +
    'dynalite measures the client, the wire protocol and the store logic, not DynamoDB service latency.',
  date: new Date().toISOString(),
  machine: {
    ...machine(),
    loadAverage: { before: loadBefore, after: loadavg().map((v) => Math.round(v * 100) / 100) },
  },
  runsPerCase: RUNS,
  cases,
};
const out = new URL('../results/store-values.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
