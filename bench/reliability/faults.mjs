// bench/reliability/faults.mjs: runs the prompt-injection, secret-canary and fault-injection test
// files with vitest's JSON reporter and writes bench/results/reliability-faults.json: what was
// tried per category, how many cases passed, what broke and how it was fixed, and the machine.
// Run from the repository root after `npm run build`: npx node bench/reliability/faults.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from '../lib/stats.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  // The SQLite store (node:sqlite) and the restart tests need Node 22.12 or newer.
  throw new Error(
    `Node ${process.versions.node} is too old: run with Node >= 22.12 (npx node bench/reliability/faults.mjs)`,
  );
}
const categories = {
  injection: [
    'tests/security/injection.test.ts',
    'tests/security/injection-plugins.test.ts',
    'tests/runtime/monitor.test.ts',
  ],
  secrets: [
    'tests/security/secrets.test.ts',
    'tests/runtime/conversation.test.ts',
    'packages/store-dynamodb/src/secrets.test.ts',
  ],
  faults: [
    'tests/faults/model-outage.test.ts',
    'tests/faults/ssh.test.ts',
    'tests/faults/signal.test.ts',
    'tests/faults/slack.test.ts',
    'tests/faults/aws-throttling.test.ts',
    'tests/faults/store-failure.test.ts',
    'tests/runtime/restart.test.ts',
  ],
};

const dir = mkdtempSync(join(tmpdir(), 'opsagent-faults-bench-'));
const output = join(dir, 'vitest.json');
const files = Object.values(categories).flat();
const started = Date.now();
const run = spawnSync(
  join(root, 'node_modules/.bin/vitest'),
  ['run', ...files, '--reporter=json', `--outputFile=${output}`],
  { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
);
const durationS = Math.round((Date.now() - started) / 100) / 10;
let report;
try {
  report = JSON.parse(readFileSync(output, 'utf8'));
} catch {
  process.stderr.write(run.stderr);
  throw new Error(`vitest wrote no JSON report (exit ${run.status})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const byFile = new Map(
  report.testResults.map((file) => [file.name.slice(root.length).replace(/^\/+/, ''), file]),
);
function summarise(list) {
  const out = { passed: 0, failed: 0, skipped: 0, files: {} };
  for (const name of list) {
    const file = byFile.get(name);
    const tests = file?.assertionResults ?? [];
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const test of tests) {
      const key =
        test.status === 'passed' ? 'passed' : test.status === 'failed' ? 'failed' : 'skipped';
      counts[key] += 1;
      out[key] += 1;
    }
    out.files[name] = {
      ...counts,
      failures: tests
        .filter((t) => t.status === 'failed')
        .map((t) => ({
          test: t.fullName,
          message: (t.failureMessages ?? []).join('\n').slice(0, 500),
        })),
    };
  }
  return out;
}

const corpus = JSON.parse(readFileSync(join(root, 'tests/security/injection-corpus.json'), 'utf8'));
const places = {};
for (const c of corpus.cases) places[c.place] = (places[c.place] ?? 0) + 1;
const secretsSource = readFileSync(join(root, 'tests/security/secrets.test.ts'), 'utf8');
const canaryBlock = /const CANARIES[^{]*\{([\s\S]*?)\n\};/.exec(secretsSource)?.[1] ?? '';
const canaries = [...canaryBlock.matchAll(/^\s+([A-Z_]+):/gm)].map((m) => m[1]);

const result = {
  benchmark: 'reliability-faults',
  description:
    'Prompt injection corpus, secret canaries and fault injection (issue 10), run as vitest files; counts come from the JSON reporter of this run.',
  date: new Date().toISOString(),
  machine: machine(),
  durationS,
  injection: {
    tried: {
      hostileInputs: corpus.cases.length,
      byPlace: places,
      realPluginSurfaces: [
        'homelab: container name and container log lines (fake Docker Engine)',
        'homelab: Home Assistant entity ids and friendly names (fake Home Assistant)',
        'aws: CloudWatch log lines through the log digest findings and triage (fake AWS)',
        'aws: EC2 Name tag',
      ],
      obedientModel:
        'proposes every remediation (valid, invalid and unknown), calls tools it does not have (approve, execute_remediation, run_shell), writes "approve <id>" and fake tool-call JSON in its answer; a viewer then tries every id by command and button',
    },
    asserted: [
      'no remediation runs without a policy rule or an authorised decision (viewer asks: nothing runs; operator asks: only what policy allows)',
      'no approval decided by a model answer, a tool the model invented, or a viewer',
      'every plan shown states the exact action and target (describe(input)) and its id',
      'invalid remediation input ("web; reboot", "switch.*") never becomes a plan',
      'a canary in tool output and the model answer is not echoed to the model, chat or audit',
    ],
    results: summarise(categories.injection),
  },
  secrets: {
    tried: {
      canaries,
      plantedIn: [
        'environment',
        'tool output',
        'tool input from the model',
        'source context',
        'finding key, title, evidence and data',
        'model answers',
        'remediation proposal reason and result',
        'provider error message (failing provider)',
        'a chat message and command arguments',
        'log records',
      ],
      checkedIn: [
        'pino log output',
        'llm.jsonl',
        'request bodies the provider received',
        'chat replies (text and blocks)',
        'conversation history in the store',
        'approvals in the store',
        'audit log in the store',
        'incidents in the store (key, title, evidence, data, analysis)',
        'every byte of the SQLite store file (database and WAL)',
        'every item of a DynamoDB table (DynamoStore on dynalite)',
        'management API answers (GET /v1/incidents, /v1/incidents/:id, /v1/status)',
        'Prometheus output (GET /metrics)',
        'chat commands status and incidents',
      ],
    },
    results: summarise(categories.secrets),
  },
  faults: {
    tried: [
      'model provider dies between two rounds of a turn (relay to the fake Anthropic server cut), then comes back',
      'SSH host disappears mid-command (real sshd behind a relay that is cut), then comes back',
      'Signal WebSocket drops while a turn is running and a second person writes',
      'Slack Web API 429 (Retry-After) and 503 on post and update; a Slack failing every retry',
      'AWS throttling (RequestLimitExceeded) beyond the SDK retries, in a tool call and a monitor check',
      'store failing appendMessages, putConversation, claim, appendAudit (command and decision) and transitionApproval',
      'SIGKILL while a remediation executes, then restart (twice)',
    ],
    results: summarise(categories.faults),
  },
  brokeAndFixed: [
    {
      found:
        'secrets: a secret in a model answer, a tool input, a proposal reason or a remediation result reached chat, the next prompt (history), the stored history, the approvals and the audit log',
      fix: 'SecretRedactor.redactDeep; outbound messages, stored conversation messages, audit records (a redacting store view) and the assistant turns re-sent to the model are redacted; approval reason, action and result are redacted when stored',
    },
    {
      found:
        'secrets: incidents were stored as the source produced them, so a token in a finding (title, evidence, data, key) or in its triage reached the store, /v1/incidents and the incidents command',
      fix: 'the monitor redacts each finding (safeFinding: key, resource, title, evidence, data) and the analysis before storing, analysing or announcing it; the runtime store view redacts putIncident and findActiveIncident too. Keys are redacted like any text, so they stay stable (also across a secret rotation); no digest of the secret is kept',
    },
    {
      found:
        'store fault: a failing dedup claim, conversation write or command audit write left the sender with no reply at all',
      fix: 'the runtime answers "Sorry, I could not handle that message (...). Nothing was done; try again shortly." in that conversation',
    },
    {
      found:
        'store fault: an audit write failing after an approval decision left the plan approved but not executed (until a restart)',
      fix: 'audit writes of the approval flow are logged on failure and never stop the flow; the approval record itself stays the source of truth',
    },
    {
      found:
        'SSH fault: a host vanishing mid-command looked like success with empty output ("cannot read docker inspect output: Unexpected end of JSON input")',
      fix: 'SSH_CONNECTION_LOST: "the connection to <host> was lost while running: <command>; it was not run again"; the next call reconnects',
    },
  ],
  notFixed: [
    'aws plugin: credentials and AWS_ENDPOINT_URL_* are read by the SDK from process.env, not from the env given to createAgent (tests pass them as client overrides)',
  ],
  vitest: {
    exitCode: run.status,
    numTotalTests: report.numTotalTests,
    numFailedTests: report.numFailedTests,
  },
};

mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, 'bench/results/reliability-faults.json'),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(
  JSON.stringify(
    {
      injection: result.injection.results.passed,
      secrets: result.secrets.results.passed,
      faults: result.faults.results.passed,
      failed: report.numFailedTests,
      durationS,
    },
    null,
    2,
  ),
);
if (run.status !== 0) process.exit(1);
