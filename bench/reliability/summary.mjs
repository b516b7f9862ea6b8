// Gathers the reliability results of issue 10 into bench/results/reliability.json: the fuzzing
// (bench/fuzz/run.mjs), the injection / secrets / faults tests (bench/reliability/faults.mjs) and
// the 10-minute soak (bench/soak/run.mjs), each with what was tried and what broke. Run those
// first; this reads their JSON: node bench/reliability/summary.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { machine } from '../lib/stats.mjs';

const results = new URL('../results/', import.meta.url);
const read = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, results), 'utf8'));
const fuzz = read('reliability-fuzz');
const faults = read('reliability-faults');
const soak = read('reliability-soak');

const summary = {
  benchmark: 'reliability',
  description:
    'Issue 10 in one place: bad input fuzzed, faults injected, prompt injection, secret canaries, load and soak. Details in the three source files named under each part.',
  date: new Date().toISOString(),
  machine: machine(),
  fuzz: {
    source: 'bench/results/reliability-fuzz.json (node bench/fuzz/run.mjs)',
    date: fuzz.date,
    totalCases: fuzz.totalCases,
    casesPerSurface: Object.fromEntries(
      Object.entries(fuzz.surfaces).map(([name, s]) => [name, s.casesRun]),
    ),
    failuresInFinalRun: Object.values(fuzz.surfaces).reduce(
      (n, s) => n + (s.failuresThisRun?.length ?? 0),
      0,
    ),
    bugsFoundAndFixed: fuzz.bugsFoundAndFixed,
  },
  injectionSecretsFaults: {
    source: 'bench/results/reliability-faults.json (node bench/reliability/faults.mjs)',
    date: faults.date,
    injection: faults.injection,
    secrets: faults.secrets,
    faults: faults.faults,
    brokeAndFixed: faults.brokeAndFixed,
    notFixed: faults.notFixed,
  },
  soak: {
    source: 'bench/results/reliability-soak.json (SOAK_SECONDS=600 node bench/soak/run.mjs)',
    date: soak.date,
    settings: soak.settings,
    achievedRatePerSecond: soak.achievedRatePerSecond,
    messages: {
      in: soak.messages.in,
      lost: soak.messages.lost,
      duplicated: soak.messages.duplicated,
      busyReplies: soak.messages.busyReplies,
      slackRetriesSent: soak.messages.slackRetriesSent,
      remediationRuns: soak.messages.remediationRuns,
    },
    rssMB: soak.memory.rssMB,
    heapAfterFullGcMB: soak.memory.heapAfterFullGcMB,
    queueDepth: soak.queueDepth,
    latencyMs: soak.latencyMs?.all,
    brokeAndFixed: [
      'inbound queues were unbounded: now 20 per conversation and 1,000 overall, with one busy reply past a bound (conversation.maxPending, maxPendingTotal)',
      'a redelivery of a queued or recently answered message took a queue slot or drew a wrong busy reply: dropped at once now',
    ],
  },
};
writeFileSync(new URL('reliability.json', results), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `reliability.json: fuzz ${summary.fuzz.totalCases} cases (${summary.fuzz.bugsFoundAndFixed} bugs fixed), soak ${summary.soak.messages.in} messages (${summary.soak.messages.lost} lost, ${summary.soak.messages.duplicated} duplicated)`,
);
