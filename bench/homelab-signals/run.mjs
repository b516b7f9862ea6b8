// bench/homelab-signals: what the homelab's newer signals cost.
// 1. Network counters of this machine: one read of /proc/net/dev (what the collector does on
//    Linux) against systeminformation's networkStats('*') (a shell per interface, ~25 cats each
//    to list them), and the parse + rate of a reading.
// 2. Home Assistant over the WebSocket API: from a state change in (the fake) Home Assistant to the
//    watcher holding the new state, over a real ws connection on loopback.
// Writes bench/results/homelab-signals.json. Run: node bench/homelab-signals/run.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  HomeAssistantWatcher,
  NetworkMeter,
  parseProcNetDev,
  readNetworkCounters,
} from '@opsagent/source-homelab';
import { startFakeHomeAssistant } from '@opsagent/testkit';
import si from 'systeminformation';
import { machine, summary } from '../lib/stats.mjs';

const PROC_RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const SI_RUNS = Number(process.env.BENCH_SI_RUNS ?? 20);
const HA_EVENTS = Number(process.env.BENCH_HA_EVENTS ?? 1000);

const procMs = [];
for (let i = 0; i < PROC_RUNS; i++) {
  const started = performance.now();
  await readNetworkCounters();
  procMs.push(performance.now() - started);
}
const interfaces = (await readNetworkCounters()).length;

// systeminformation answers from its own cache within 500 ms of the last call: wait past it.
const siMs = [];
for (let i = 0; i < SI_RUNS; i++) {
  await new Promise((r) => setTimeout(r, 510));
  const started = performance.now();
  await si.networkStats('*');
  siMs.push(performance.now() - started);
}

const sample = `Inter-| Receive | Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n${Array.from({ length: 20 }, (_, n) => `  veth${n}: ${n * 1000} 1 0 0 0 0 0 0 ${n * 500} 1 0 0 0 0 0 0`).join('\n')}\n  eth0: 4059191037 110578 0 0 0 0 0 0 9252621 71565 0 0 0 0 0 0\n`;
const meter = new NetworkMeter();
const rateMs = [];
for (let i = 0; i < PROC_RUNS; i++) {
  const started = performance.now();
  meter.update({ atSeconds: i * 2, interfaces: parseProcNetDev(sample) });
  rateMs.push(performance.now() - started);
}

const ha = await startFakeHomeAssistant({
  entities: [{ entity_id: 'sensor.freezer_temperature', state: '-19' }],
});
let resolveChange;
const watcher = new HomeAssistantWatcher({
  url: ha.url,
  token: ha.token,
  entities: ['sensor.freezer_temperature'],
  onChange: (_id, state) => resolveChange?.(state),
});
watcher.start();
await watcher.settled(10_000);
if (watcher.status !== 'connected') throw new Error(`watcher: ${watcher.error}`);
const eventMs = [];
for (let i = 0; i < HA_EVENTS; i++) {
  const value = String(-19 + (i % 10) / 10 + 0.01);
  const changed = new Promise((resolve) => {
    resolveChange = resolve;
  });
  const started = performance.now();
  ha.setState('sensor.freezer_temperature', value);
  const state = await changed;
  eventMs.push(performance.now() - started);
  if (state?.state !== value) throw new Error(`event ${i}: got ${state?.state}, sent ${value}`);
}
watcher.stop();
await ha.close();

const result = {
  benchmark: 'homelab-signals',
  description:
    'network counters of this machine: /proc/net/dev (what the collector reads on Linux) vs systeminformation networkStats("*"); parse + rate of one 21-interface reading; Home Assistant state change to watcher state over the WebSocket API on loopback',
  date: new Date().toISOString(),
  machine: machine(),
  interfaces,
  procNetDevMs: summary(procMs),
  systeminformationNetworkStatsMs: summary(siMs),
  parseAndRateMs: summary(rateMs),
  haStateChangeToWatcherMs: summary(eventMs),
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/homelab-signals.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
