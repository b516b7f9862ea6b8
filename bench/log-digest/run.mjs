// bench/log-digest: accuracy of the log digest's template mining on the Loghub-2k samples (GA,
// FGA, PA, FTA against the corrected ground truth, on the Content column and on raw lines), lines
// per second on one core, and digest size vs the raw lines. Writes bench/results/log-digest.json.
// Run: npm run log-digest -w bench (after `npx turbo run build`), or node bench/log-digest/run.mjs.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  estimateTokens,
  parseCsv,
  renderDigest,
  scoreParse,
  severityRank,
  TemplateMiner,
} from '@opsagent/core';

// LOGHUB2K_DIR points elsewhere (e.g. from a git worktree, where ../shared is not the data).
const DATA = process.env.LOGHUB2K_DIR
  ? pathToFileURL(`${process.env.LOGHUB2K_DIR.replace(/\/$/, '')}/`)
  : new URL('../../../shared/data/loghub2k/', import.meta.url);
const SPEED_LINES = Number(process.env.BENCH_LINES ?? 400_000);
const SPEED_RUNS = Number(process.env.BENCH_RUNS ?? 5);

if (!existsSync(DATA)) {
  process.stderr.write(
    `log-digest bench: the Loghub-2k data is missing at ${fileURLToPath(DATA)}\n` +
      '(expected ../shared/data/loghub2k relative to the repository root, or LOGHUB2K_DIR, one\n' +
      'folder per system holding <System>_2k.log and <System>_2k.log_structured_corrected.csv).\n' +
      'Nothing measured.\n',
  );
  process.exit(1);
}

const round = (v, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

function readLines(url) {
  const lines = readFileSync(url, 'utf8').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function readTruth(url) {
  const [header, ...rows] = parseCsv(readFileSync(url, 'utf8')).filter((r) => r.length > 1);
  const content = header.indexOf('Content');
  const template = header.indexOf('EventTemplate');
  return { contents: rows.map((r) => r[content]), templates: rows.map((r) => r[template]) };
}

function mine(lines, contentOnly) {
  const miner = new TemplateMiner({ stripHeaders: !contentOnly, now: () => 0 });
  const refs = lines.map((line) => miner.add(line, 0));
  return { miner, refs, parsed: refs.map((r) => r.template) };
}

function speed(lines) {
  const big = [];
  while (big.length < SPEED_LINES) big.push(...lines);
  const rates = [];
  for (let run = 0; run < SPEED_RUNS; run++) {
    const miner = new TemplateMiner({ now: () => 0 });
    const started = performance.now();
    for (let i = 0; i < big.length; i++) miner.add(big[i], 0);
    rates.push(big.length / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(rates.length / 2)]);
}

function scores(s) {
  return { ga: round(s.ga), fga: round(s.fga), pa: round(s.pa), fta: round(s.fta) };
}

const systems = readdirSync(DATA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const results = [];
for (const system of systems) {
  const dir = new URL(`${system}/`, DATA);
  const raw = readLines(new URL(`${system}_2k.log`, dir));
  const truth = readTruth(new URL(`${system}_2k.log_structured_corrected.csv`, dir));
  if (raw.length !== truth.templates.length)
    throw new Error(`${system}: ${raw.length} raw lines vs ${truth.templates.length} truth rows`);
  const content = scoreParse(truth.templates, mine(truth.contents, true).parsed);
  const { miner, refs, parsed } = mine(raw, false);
  const rawScores = scoreParse(truth.templates, parsed);
  const templates = miner.templates();
  const digest = renderDigest(templates, { budgetTokens: Number.POSITIVE_INFINITY });
  const rawTokens = estimateTokens(raw.join('\n'));
  const digestTokens = estimateTokens(digest);
  // Warning or worse: by the level kept from the header, else guessed from the words.
  const serious = templates.filter((t) => severityRank(t.severity) >= severityRank('warning'));
  const seriousIds = new Set(serious.map((t) => t.id));
  const seriousRaw = raw.filter((_, i) => seriousIds.has(refs[i].id));
  const seriousDigest = renderDigest(serious, { budgetTokens: Number.POSITIVE_INFINITY });
  const entry = {
    system,
    lines: raw.length,
    truthTemplates: content.truthTemplates,
    content: { ...scores(content), templates: content.parsedTemplates },
    raw: { ...scores(rawScores), templates: rawScores.parsedTemplates },
    linesPerSecond: speed(raw),
    tokens: {
      raw: rawTokens,
      digest: digestTokens,
      ratio: round(rawTokens / digestTokens, 1),
      templatesInDigest: templates.length,
      seriousRaw: estimateTokens(seriousRaw.join('\n')),
      seriousDigest: serious.length > 0 ? estimateTokens(seriousDigest) : 0,
      seriousTemplates: serious.length,
    },
  };
  results.push(entry);
  process.stdout.write(
    `${system.padEnd(8)} content GA ${entry.content.ga} FGA ${entry.content.fga} PA ${entry.content.pa} FTA ${entry.content.fta} | raw GA ${entry.raw.ga} FGA ${entry.raw.fga} PA ${entry.raw.pa} FTA ${entry.raw.fta} | ${entry.linesPerSecond} lines/s | digest ${entry.tokens.ratio}x smaller\n`,
  );
}

const mean = (pick) => round(results.reduce((s, r) => s + pick(r), 0) / results.length);
const summary = {
  content: {
    ga: mean((r) => r.content.ga),
    fga: mean((r) => r.content.fga),
    pa: mean((r) => r.content.pa),
    fta: mean((r) => r.content.fta),
  },
  raw: {
    ga: mean((r) => r.raw.ga),
    fga: mean((r) => r.raw.fga),
    pa: mean((r) => r.raw.pa),
    fta: mean((r) => r.raw.fta),
  },
  linesPerSecond: Math.round(mean((r) => r.linesPerSecond)),
  digestRatio: round(
    results.reduce((s, r) => s + r.tokens.raw, 0) /
      results.reduce((s, r) => s + r.tokens.digest, 0),
    1,
  ),
  minDigestRatio: Math.min(...results.map((r) => r.tokens.ratio)),
};
process.stdout.write(`mean     ${JSON.stringify(summary)}\n`);

const cpu = cpus();
const output = {
  bench: 'log-digest',
  date: new Date().toISOString(),
  machine: {
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    node: process.version,
  },
  method: {
    data: 'Loghub-2k (8 systems), corrected ground truth (*_structured_corrected.csv, EventTemplate)',
    comparison: 'templates compared after trimming and collapsing runs of whitespace',
    content: 'Content column, no header stripping (--content-only)',
    raw: 'raw lines, header stripped by the miner',
    speed: `raw lines repeated to ${SPEED_LINES} lines, one core, median of ${SPEED_RUNS} runs, header stripping included`,
    tokens:
      'estimated as ceil(chars / 4); digest keeps every template (no budget); serious = warning or worse',
    configuration: 'TemplateMiner defaults, the same for every system',
  },
  mean: summary,
  systems: results,
};
const outDir = new URL('../results/', import.meta.url);
mkdirSync(outDir, { recursive: true });
writeFileSync(new URL('log-digest.json', outDir), `${JSON.stringify(output, null, 2)}\n`);
process.stdout.write(`wrote ${fileURLToPath(new URL('log-digest.json', outDir))}\n`);
