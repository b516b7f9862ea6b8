// Load generator for bench/slack-ingress, run in a worker thread so its timers and timing are not
// delayed by the servers' event loop. Sends signed app_mention events and records ack latency.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { appMention, signSlackRequest } from '@opsagent/testkit';

const { url, secret, mode, rate, durationS, concurrency, count, prefix } = workerData;
let seq = 0;
// The channel keys a message by channel and ts: each worker (prefix B<k>X) gets its own ts range.
const round = Number(String(prefix).replace(/\D/g, '')) || 0;

async function one() {
  seq += 1;
  const n = seq;
  const body = JSON.stringify(
    appMention({
      text: `why is web-${n} slow?`,
      eventId: `Ev${prefix}${n}`,
      ts: `${1700000000 + n}.${String(round % 1_000_000).padStart(6, '0')}`,
    }),
  );
  const headers = signSlackRequest(secret, body);
  const started = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    return { ms: performance.now() - started, ok: response.status === 200 };
  } catch {
    return { ms: performance.now() - started, ok: false };
  }
}

const latencies = [];
let failures = 0;
const started = performance.now();
if (mode === 'open') {
  // Open loop: send at a fixed rate whatever the responses do (as Slack does).
  const total = Math.round(rate * durationS);
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      one().then((r) => {
        if (r.ok) latencies.push(r.ms);
        else failures += 1;
      }),
    );
  }
  await Promise.all(pending);
} else {
  // Closed loop: `concurrency` senders back to back, for the most events per second.
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        const r = await one();
        if (r.ok) latencies.push(r.ms);
        else failures += 1;
      }
    }),
  );
}
const elapsedMs = performance.now() - started;
parentPort.postMessage({ latencies, failures, elapsedMs });
