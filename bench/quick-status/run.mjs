// bench/quick-status: latency of `status` from inbound message to outbound reply, warm cache,
// over many runs (p50, p99), and the cost of one raw systeminformation collection in the same run.
// Writes bench/results/quick-status.json. Run: npm run bench (or node bench/quick-status/run.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createSystemCollector, localHostPlugin } from '@opsagent/source-homelab';
import { createTestAgent } from '@opsagent/testkit';
import { machine, summary } from '../lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const WARMUP = 50;
const RAW_COLLECTIONS = Number(process.env.BENCH_RAW ?? 10);

// Cold: the first collection in a fresh process, unprimed (systeminformation samples CPU for ~500 ms).
const coldStarted = performance.now();
await createSystemCollector({ prime: false }).collect(AbortSignal.timeout(30_000));
const coldCollectionMs = Math.round((performance.now() - coldStarted) * 1000) / 1000;

// A cache TTL longer than the run, so every measured `status` is warm; the first call fills it.
const t = await createTestAgent({
  plugins: [{ plugin: localHostPlugin, config: { cacheTtl: 3_600_000 } }],
});
const latencies = [];
for (let i = 0; i < WARMUP + RUNS; i++) {
  const before = t.channel.sent.length;
  const started = performance.now();
  await t.channel.inject('status');
  await t.agent.idle();
  const elapsed = performance.now() - started;
  if (t.channel.sent.length !== before + 1 || !t.channel.sent.at(-1).text.includes('Memory')) {
    throw new Error(`status reply missing or wrong at run ${i}`);
  }
  if (i >= WARMUP) latencies.push(elapsed);
  t.channel.sent.length = 0;
}
await t.stop();

const collector = createSystemCollector();
const raw = [];
for (let i = 0; i < RAW_COLLECTIONS; i++) {
  const started = performance.now();
  await collector.collect(AbortSignal.timeout(30_000));
  raw.push(performance.now() - started);
}

const warm = summary(latencies);
const result = {
  benchmark: 'quick-status',
  description:
    '`status` from inbound message to outbound reply through the runtime (fake channel, memory store), warm cache; and the cost of collecting without the cache: the first (cold) collection in the process, then raw collections once systeminformation is warm',
  date: new Date().toISOString(),
  machine: machine(),
  warmStatusMs: warm,
  coldCollectionMs,
  rawCollectionMs: summary(raw),
  goal: { warmP99Ms: 5, met: warm.p99 < 5 },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/quick-status.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
