// Property-based fuzzing of every external input surface (issue 10, "Bad input, fuzzed"): runs
// the vitest suites of tests/fuzz/ with 10,000 cases per property (or the first argument, or
// FUZZ_RUNS) and writes bench/results/reliability-fuzz.json: per surface the cases run, failures
// found in this run, duration, and what earlier runs broke and how it was fixed (each with its
// regression test). Naming surfaces (`FUZZ_RUNS=2000 node bench/fuzz/run.mjs socket`) runs only
// their test files and keeps the other surfaces' results from the previous file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const count = args.find((arg) => /^\d+$/.test(arg));
const runs = Number(count ?? process.env.FUZZ_RUNS ?? 10_000);
const only = args.filter((arg) => arg !== count);
const dir = mkdtempSync(join(tmpdir(), 'opsagent-fuzz-'));
const reportFile = join(dir, 'cases.jsonl');
const jsonFile = join(dir, 'vitest.json');

const SURFACES = {
  slack: {
    file: 'tests/fuzz/slack.fuzz.test.ts',
    describe: 'Slack requests',
    title:
      'Slack request bodies and headers (the real Bolt receivers: Lambda handler in-process, HTTP receiver on 127.0.0.1)',
  },
  signal: {
    file: 'tests/fuzz/signal.fuzz.test.ts',
    describe: 'Signal frames',
    title: 'Signal envelopes (WebSocket frames and polled arrays)',
  },
  socket: {
    file: 'tests/fuzz/socket.fuzz.test.ts',
    describe: 'Socket Mode frames',
    title:
      'Slack Socket Mode frames (the real Bolt SocketModeReceiver and @slack/socket-mode client, against the Socket Mode double on 127.0.0.1)',
  },
  'home-assistant': {
    file: 'tests/fuzz/homelab.fuzz.test.ts',
    describe: 'Home Assistant',
    title: 'Home Assistant REST responses',
  },
  'docker-engine': {
    file: 'tests/fuzz/homelab.fuzz.test.ts',
    describe: 'Docker Engine',
    title: 'Docker Engine API responses (unix socket) and log streams',
  },
  'homelab-network': {
    file: 'tests/fuzz/homelab-signals.fuzz.test.ts',
    describe: '/proc/net/dev text',
    title: '/proc/net/dev text from SSH hosts and network rates between two readings',
  },
  'homeassistant-ws': {
    file: 'tests/fuzz/homelab-signals.fuzz.test.ts',
    describe: 'Home Assistant WebSocket frames',
    title: 'Home Assistant WebSocket API frames (junk between good state_changed events)',
  },
  aws: {
    file: 'tests/fuzz/aws.fuzz.test.ts',
    describe: 'AWS responses',
    title: 'AWS SDK responses to the checks and tools (aws-sdk-client-mock)',
  },
  config: {
    file: 'tests/fuzz/config.fuzz.test.ts',
    describe: 'config files',
    title: 'Config files (parseConfig / loadConfigFile)',
  },
  tools: {
    file: 'tests/fuzz/tools.fuzz.test.ts',
    describe: 'tool arguments',
    title: 'Tool and remediation arguments from the model (agent loop)',
  },
};

// What fuzzing broke before it passed, and the fix. Each fix has a regression test.
const FIXED = {
  slack: [
    {
      broke:
        "a body that is not JSON (signed or not, e.g. a form sent as application/json) made Bolt's AwsLambdaReceiver throw a SyntaxError out of the Lambda handler (an invocation error, 502 at API Gateway); so did an event without headers",
      fix: 'channel.lambdaHandler checks the signature first (401), then answers a body Bolt cannot read with 400',
      test: 'packages/channel-slack/src/transports.test.ts: "answers bodies Bolt cannot read with 400 or an ignoring 200, never a throw or 500"',
    },
    {
      broke:
        'a signed body of the wrong shape ("user": null, "null", a click without user.id) made Bolt answer 500, so Slack would retry it',
      fix: 'packages/channel-slack/src/envelope.ts: the parts Bolt dereferences are checked with zod before processEvent; a malformed body is acknowledged (200), ignored and logged. Covers HTTP, Socket Mode and Lambda',
      test: 'packages/channel-slack/src/transports.test.ts (same test)',
    },
    {
      broke:
        'a correctly signed request dated 10 minutes in the future was accepted (Bolt only refuses stale timestamps)',
      fix: 'the Lambda handler refuses timestamps more than 5 minutes off either way (401); over HTTP such a request is acknowledged and dropped',
      test: 'packages/channel-slack/src/transports.test.ts: "refuses a correctly signed request dated more than five minutes ahead"; http.test.ts: "drops a signed request dated more than five minutes ahead"',
    },
    {
      broke:
        'a signed app_mention whose "channel" is an object (valid for other event types, so it passes the envelope check) failed the listener with "event.channel.startsWith is not a function" (found only in 10,000-case runs)',
      fix: 'a question needs user, channel and ts to be strings; anything else is ignored',
      test: 'packages/channel-slack/src/transports.test.ts: "ignores an app_mention whose channel is an object instead of failing the listener"',
    },
    {
      broke:
        'HTTP mode: a signed body that is JSON but not an object ("null") made Bolt\'s HTTPReceiver reject a promise nobody awaits: the request was never answered and the unhandled rejection can end the process',
      fix: 'the channel reads the event POST body first (Bolt reuses rawBody) and answers JSON that is not an object with 400',
      test: 'packages/channel-slack/src/http.test.ts: "answers a signed body that is JSON but not an object with 400, instead of never answering"',
    },
    {
      broke:
        "HTTP mode: a signed request no listener acknowledges (a shortcut or view the app does not handle) was held for Bolt's 3-second unhandled-request timeout, then answered 404",
      fix: 'the channel acknowledges such a request as soon as Bolt is done with it (200)',
      test: 'packages/channel-slack/src/http.test.ts: "answers a signed request no listener handles (a shortcut) at once with 200"',
    },
  ],
  socket: [
    {
      broke:
        'an events_api envelope whose payload has no event object (payload null, {}) made the Socket Mode client throw reading payload.event.type, in a listener nobody awaits: the envelope was never acked (Slack redelivers it) and the unhandled rejection can end the process',
      fix: 'packages/channel-slack/src/socket-frames.ts checks each frame before the client: such an envelope is acked, logged and dropped; frames that are not envelopes (not JSON, not an object, unknown type, no envelope_id) are logged and dropped',
      test: 'packages/channel-slack/src/transports.test.ts: "acks an events_api envelope without an event and drops it, instead of never acking it"; socket-frames.test.ts',
    },
    {
      broke:
        'the client re-emits an event\'s type on its own emitter: an event of type "ws_message" was fed back into its frame handler (TypeError, unhandled rejection, no ack); "slack_event" would reach Bolt twice; "error" was logged as a WebSocket error',
      fix: "an event whose type is one of the client's own event names is acked and dropped; a frame whose type is not a Socket Mode type never reaches the client",
      test: 'packages/channel-slack/src/transports.test.ts (same test)',
    },
  ],
  signal: [],
  'home-assistant': [
    {
      broke:
        'state() threw a raw ZodError on an entity body that is not a state (null, [], {"entity_id": 1})',
      fix: 'a coded HA_API_ERROR naming the entity and the field',
      test: 'packages/source-homelab/src/ha/client.test.ts: "an entity state that is not one is a coded HA_API_ERROR"',
    },
    {
      broke:
        'states() answered an empty house when /api/states returned something other than a list',
      fix: 'HA_API_ERROR instead of []',
      test: 'packages/source-homelab/src/ha/client.test.ts: "a states list that is not a list is an error"',
    },
  ],
  'docker-engine': [
    {
      broke:
        'inspect() and containers() threw a raw ZodError when the daemon sent something that is not a container; a null entry in the container list crashed containers() with a TypeError',
      fix: 'DOCKER_API_ERROR naming the field; null entries skipped',
      test: 'packages/source-homelab/src/docker/engine.test.ts: "a list entry of null, an odd id and a non-container inspect give DOCKER_API_ERROR"',
    },
    {
      broke:
        'container ids from the daemon were spliced into request paths unencoded (an id with a space threw a TypeError; one with ../ changed the path)',
      fix: 'ids are URL-encoded in the inspect and logs paths',
      test: 'packages/source-homelab/src/docker/engine.test.ts (same test)',
    },
  ],
  aws: [
    {
      broke:
        'a log event timestamp outside the Date range made the log check throw RangeError (isoTime); tools had the same helper',
      fix: 'isoTime and when() print "unknown" / "-" for an invalid date',
      test: 'packages/source-aws/src/checks/checks.mock.test.ts: "a log event timestamp outside the Date range gives a finding"',
    },
    {
      broke:
        'a pagination token that comes back unchanged paged forever (SDK paginators, and the Amplify ListBranches loop): a hang',
      fix: 'every paginator goes through untilStuck (util.ts), which stops after the same token 50 times in a row (CloudWatch Logs may send a few empty pages while more exist); the ListBranches loop likewise',
      test: 'packages/source-aws/src/checks/checks.mock.test.ts: "a pagination token that comes back unchanged ends the paging"',
    },
  ],
  config: [
    {
      broke:
        'a "<<" merge key whose value is not a map ("<<: *a" with a scalar anchor, "<<: \\"\\"") threw a plain Error from the YAML library instead of a ConfigError',
      fix: 'parseConfig reports it as CONFIG_SYNTAX with the line and column of the merge key',
      test: 'packages/core/src/config/load.test.ts: "reports a merge key that is not a map as a syntax error with its line"',
    },
  ],
  tools: [],
};

const started = performance.now();
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    ...(only.length > 0 ? only.map((name) => SURFACES[name].file) : ['tests/fuzz']),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_REPORT: reportFile },
  },
);
const totalMs = performance.now() - started;

const cases = readFileSync(reportFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const vitestJson = JSON.parse(readFileSync(jsonFile, 'utf8'));
rmSync(dir, { recursive: true, force: true });

for (const name of only) {
  if (!SURFACES[name]) throw new Error(`unknown surface ${name}; known: ${Object.keys(SURFACES)}`);
}
const resultFile = new URL('../results/reliability-fuzz.json', import.meta.url);
let previous = {};
let previousRuns;
if (only.length > 0) {
  try {
    const before = JSON.parse(readFileSync(resultFile, 'utf8'));
    previous = before.surfaces ?? {};
    previousRuns = before.runsPerProperty;
  } catch {
    previous = {};
  }
}
const surfaces = {};
for (const [name, surface] of Object.entries(SURFACES)) {
  if (only.length > 0 && !only.includes(name)) {
    if (previous[name]) {
      surfaces[name] = {
        runsPerProperty: previousRuns,
        ...previous[name],
        foundAndFixed: FIXED[name],
      };
    }
    continue;
  }
  const fileResult = vitestJson.testResults.find((r) => r.name.endsWith(surface.file));
  const tests = (fileResult?.assertionResults ?? []).filter((t) =>
    (t.ancestorTitles ?? []).some((a) => a.startsWith(surface.describe)),
  );
  const properties = cases.filter((c) => c.surface === name);
  surfaces[name] = {
    title: surface.title,
    testFile: surface.file,
    runsPerProperty: runs,
    casesRun: properties.reduce((sum, p) => sum + p.cases, 0),
    properties: properties.map((p) => ({ property: p.property, cases: p.cases })),
    failuresThisRun: tests
      .filter((t) => t.status === 'failed')
      .map((t) => ({ test: t.title, message: t.failureMessages?.[0]?.slice(0, 500) })),
    durationMs: Math.round(tests.reduce((sum, t) => sum + (t.duration ?? 0), 0)),
    foundAndFixed: FIXED[name],
  };
}

const output = {
  benchmark: 'reliability-fuzz',
  description:
    'Property-based fuzzing (fast-check) of every external input surface: no crash, no hang (each case bounded to 5 s), a clear error or a safe refusal, nothing lost. FUZZ_RUNS cases per property.',
  date: new Date().toISOString(),
  machine: {
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  runsPerProperty: runs,
  ...(only.length > 0
    ? { rerun: `only ${only.join(', ')} in this run; the other surfaces are from the previous run` }
    : {}),
  totalCases: Object.values(surfaces).reduce((sum, s) => sum + s.casesRun, 0),
  totalDurationMs: Math.round(totalMs),
  passed: result.status === 0,
  bugsFoundAndFixed: Object.values(FIXED).reduce((sum, list) => sum + list.length, 0),
  surfaces,
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(resultFile, `${JSON.stringify(output, null, 2)}\n`);
console.log(
  JSON.stringify(
    Object.fromEntries(
      Object.entries(surfaces)
        .filter(([k]) => only.length === 0 || only.includes(k))
        .map(([k, s]) => [
          k,
          { cases: s.casesRun, failures: s.failuresThisRun.length, ms: s.durationMs },
        ]),
    ),
    null,
    2,
  ),
);
if (result.status !== 0) process.exit(1);
