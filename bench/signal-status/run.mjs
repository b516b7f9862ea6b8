// bench/signal-status: `status` over Signal, wire to wire: a message frame from the fake
// signal-cli-rest-api over the WebSocket (json-rpc mode), through the Signal channel and the
// runtime, to the reply's POST /v2/send. The homelab source reads this machine (cache warm) and a
// fake Docker Engine. Also the time to render and split a 6,000-character answer.
// Writes bench/results/signal-status.json. Run: node bench/signal-status/run.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createSignalChannel, renderMessage, splitText } from '@opsagent/channel-signal';
import { createAgent, definePlugin } from '@opsagent/core';
import { homelabPlugin } from '@opsagent/source-homelab';
import { startFakeDockerEngine, startFakeSignalServer } from '@opsagent/testkit';
import { machine, summary } from '../lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const WARMUP = 30;
const OWNER = '+15550000002';

const engine = await startFakeDockerEngine([
  { name: 'web', image: 'nginx:1.27', health: 'healthy' },
  { name: 'db', image: 'postgres:16', health: 'healthy' },
  { name: 'cache', image: 'redis:7' },
]);
const signal = await startFakeSignalServer();
const channel = createSignalChannel({
  apiUrl: signal.url,
  number: signal.number,
  allowedSenders: [OWNER],
});
const agent = await createAgent({
  plugins: [
    definePlugin({ name: 'signal', setup: () => ({ channels: [channel] }) }),
    {
      plugin: homelabPlugin,
      config: {
        local: { name: 'sagan' },
        docker: { socket: engine.socketPath },
        cacheTtl: 3_600_000,
      },
    },
  ],
  principals: [{ id: 'owner', roles: ['admin'], identities: { signal: [OWNER] } }],
  monitor: { enabled: false },
});
await agent.start({ monitor: false });

const latencies = [];
for (let i = 0; i < WARMUP + RUNS; i++) {
  const before = signal.sent.length;
  const started = performance.now();
  signal.message({ from: OWNER, text: 'status' });
  const sent = await signal.waitForSent(before + 1);
  const elapsed = performance.now() - started;
  if (!sent.at(-1).body.message.includes('sagan: load')) {
    throw new Error(`status reply missing or wrong at run ${i}`);
  }
  if (i >= WARMUP) latencies.push(elapsed);
}
await agent.stop();
await signal.close();
await engine.close();

const paragraphs = Array.from({ length: 12 }, (_, i) => `**${i}**: ${'word '.repeat(100)}`);
const long = { blocks: [{ type: 'text', text: paragraphs.join('\n\n') }] };
const split = [];
let chunks = 0;
for (let i = 0; i < 200; i++) {
  const started = performance.now();
  const parts = renderMessage(long, 'styled').flatMap((p) => splitText(p.text, 2000));
  split.push(performance.now() - started);
  chunks = parts.length;
}

const status = summary(latencies);
const result = {
  benchmark: 'signal-status',
  description:
    '`status` over Signal, wire to wire: fake signal-cli-rest-api WebSocket frame -> Signal channel -> runtime (memory store) -> homelab source (this machine, warm cache; fake Docker Engine) -> POST /v2/send; and rendering + splitting a 6,000-character styled answer',
  date: new Date().toISOString(),
  machine: machine(),
  statusOverSignalMs: status,
  renderAndSplit6000CharsMs: { ...summary(split), chunks },
  goal: { statusP99Ms: 50, met: status.p99 < 50 },
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/signal-status.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
