// Secret canaries: a distinct value for every secret the agent can hold is planted in the
// environment and echoed by tools, findings (key, title, evidence, data), the model and the
// provider's error messages. None may reach the logs (pino output), the LLM interaction log
// (llm.jsonl), the prompts the provider receives, chat replies, conversation history, the audit
// log, the incidents (their rows in the SQLite file), the management API's answers or the
// Prometheus metrics.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  createLogger,
  createManagementApi,
  definePlugin,
  defineRemediation,
  defineTool,
  type Finding,
  SecretRedactor,
  SqliteStore,
} from '@opsagent/core';
import { createLlm } from '@opsagent/llm';
import { createTestAgent, startFakeAnthropicServer } from '@opsagent/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const CANARIES: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-canary-0000000001-bot',
  SLACK_APP_TOKEN: 'xapp-1-canary-0000000002-app',
  SLACK_SIGNING_SECRET: 'canary-signing-secret-0000000003',
  HA_TOKEN: 'eyJcanary.home-assistant.0000000004',
  ANTHROPIC_API_KEY: 'sk-ant-canary-0000000005',
  OPENAI_API_KEY: 'sk-proj-canary-0000000006',
  GEMINI_API_KEY: 'AIzaCanary0000000007',
  AWS_SECRET_ACCESS_KEY: 'canaryAwsSecretKey/0000000008+abc',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEcanary0000000009',
  OPSAGENT_API_TOKEN: 'canary-management-api-token-0000000010',
};
const VALUES = Object.values(CANARIES);
const API_TOKEN = CANARIES.OPSAGENT_API_TOKEN as string;
const ALL = VALUES.join(' ');

const dir = mkdtempSync(join(tmpdir(), 'opsagent-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function leaks(where: string, text: string): string[] {
  return VALUES.filter((v) => text.includes(v)).map((v) => `${where}: ${v}`);
}

describe('secret canaries', () => {
  it('keeps every secret out of logs, llm.jsonl, prompts, replies, history, audit, incidents, the API and metrics', async () => {
    const server = await startFakeAnthropicServer([
      // Conversation: the model reads logs, proposes with a reason quoting them, then answers
      // repeating the secrets it saw (a model can know a secret from elsewhere).
      { toolUses: [{ name: 'read_logs', input: { container: 'web', filter: CANARIES.HA_TOKEN } }] },
      {
        toolUses: [
          {
            name: 'propose_remediation',
            input: {
              remediation: 'restart_container',
              input: { container: 'web' },
              reason: `the log shows HA_TOKEN=${CANARIES.HA_TOKEN} was rejected`,
            },
          },
        ],
      },
      { text: `Done. For the record the keys are ${ALL}` },
      // A follow-up in the same thread: the history sent back must not carry the secrets.
      { text: 'follow-up answered' },
      // Triage of an incident whose evidence holds a token.
      { text: `Triage: token ${CANARIES.SLACK_BOT_TOKEN} leaked in the log; rotate it.` },
      // The provider fails, echoing the key in its error message.
      {
        error: {
          status: 401,
          type: 'authentication_error',
          message: `invalid x-api-key ${CANARIES.ANTHROPIC_API_KEY}`,
        },
      },
    ]);
    const env = { ...CANARIES, ANTHROPIC_BASE_URL: server.url };
    let logged = '';
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk;
        done();
      },
    });
    // As `opsagent` does it (packages/cli/src/load.ts): one redactor from the environment.
    const redactor = new SecretRedactor();
    redactor.addFromEnv(env);
    const logger = createLogger({ level: 'trace', destination, pretty: false, redactor });
    const llm = createLlm({
      env,
      dataDir: dir,
      logger,
      redactor,
      sleep: async () => {},
      config: undefined,
    });
    const runs: string[] = [];
    const finding: Finding = {
      key: `lab:container:web:token:${CANARIES.AWS_SESSION_TOKEN}`,
      severity: 'critical',
      resource: 'container:web',
      title: `web logs show a token ${CANARIES.SLACK_BOT_TOKEN}`,
      evidence: `Authorization: Bearer ${CANARIES.HA_TOKEN}\nAWS_SECRET_ACCESS_KEY=${CANARIES.AWS_SECRET_ACCESS_KEY}`,
      data: { container: 'web', env: VALUES, headers: { authorization: CANARIES.HA_TOKEN } },
    };
    const plugin = definePlugin({
      name: 'lab',
      setup: () => ({
        sources: [
          {
            name: 'lab',
            check: async () => [finding],
            context: async () => `Runbook: the signing secret is ${CANARIES.SLACK_SIGNING_SECRET}`,
          },
        ],
        tools: [
          defineTool({
            name: 'read_logs',
            description: 'Recent log lines',
            input: z.object({ container: z.string(), filter: z.string().optional() }),
            run: async (input) => `${input.container} env dump:\n${ALL}`,
          }),
        ],
        remediations: [
          defineRemediation({
            name: 'restart_container',
            description: 'Restart a container',
            input: z.object({ container: z.string() }),
            risk: 'medium',
            describe: (input) => `restart container ${input.container}`,
            appliesTo: () => undefined,
            async execute(input) {
              runs.push(input.container);
              logger.info({ env: ALL }, 'remediation saw the environment');
              return { ok: true, detail: `restarted; env ${ALL}` };
            },
          }),
        ],
      }),
    });
    // A real SQLite file: its bytes (with the WAL) are searched for the canaries at the end.
    const storeDir = mkdtempSync(join(dir, 'store-'));
    const store = new SqliteStore({ path: join(storeDir, 'opsagent.db') });
    const t = await createTestAgent({
      plugins: [plugin],
      model: llm.model!,
      env,
      logger,
      store,
      notifications: [{ channel: 'fake', address: { chat: 'ops' }, minSeverity: 'warning' }],
      monitor: { openAfter: 1 },
    });
    const api = createManagementApi({
      target: t.agent,
      tokens: [{ token: API_TOKEN, principal: t.agent.principal('olga')! }],
      logger,
    });
    const { url } = await api.listen({ host: '127.0.0.1', port: 0 });
    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(response.status, path).toBe(200);
      return response.text();
    };
    try {
      await t.ask(`my token is ${CANARIES.SLACK_BOT_TOKEN}, why is web failing?`, { thread: 'q' });
      await t.ask('and now?', { thread: 'q' });
      await t.agent.monitor.runOnce();
      const [pending] = await t.agent.approvals.pending();
      expect(pending).toBeDefined();
      await t.ask(`approve ${pending!.id} ${CANARIES.OPENAI_API_KEY}`, { sender: 'olga' });
      expect(runs).toEqual(['web']);
      const [failed] = await t.ask('one more question', { thread: 'other' });
      expect(failed).toContain('could not answer');
      await t.ask(`status ${CANARIES.GEMINI_API_KEY}`);
      await t.ask('incidents');
      // The same finding again: still one incident (its redacted key is stable).
      await t.agent.monitor.runOnce();
      const incidents = await store.listIncidents();
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ key: 'lab:container:web:token:[redacted]' });
      expect(incidents[0]?.observations).toBe(2);
      const answers = {
        list: await get('/v1/incidents?status=open,pending,resolved'),
        one: await get(`/v1/incidents/${incidents[0]!.id}`),
        status: await get('/v1/status'),
        metrics: await get('/metrics'),
      };
      expect(answers.list).toContain('[redacted]');
      expect(answers.metrics).toContain('opsagent_incidents_open{severity="critical"} 1');

      const found: string[] = [];
      found.push(...leaks('pino log', logged));
      found.push(...leaks('llm.jsonl', readFileSync(join(dir, 'llm.jsonl'), 'utf8')));
      found.push(...leaks('prompts', JSON.stringify(server.requests.map((r) => r.body))));
      found.push(...leaks('chat', t.channel.texts().join('\n')));
      found.push(...leaks('chat blocks', JSON.stringify(t.channel.sent.map((s) => s.message))));
      found.push(...leaks('audit', JSON.stringify(await store.listAudit())));
      found.push(
        ...leaks(
          'history',
          JSON.stringify(await store.recentMessages('fake|general|q', 100)) +
            JSON.stringify(await store.recentMessages('fake|general|other', 100)),
        ),
      );
      found.push(...leaks('approvals', JSON.stringify(await store.listApprovals())));
      found.push(...leaks('incidents', JSON.stringify(incidents)));
      found.push(...leaks('GET /v1/incidents', answers.list));
      found.push(...leaks('GET /v1/incidents/:id', answers.one));
      found.push(...leaks('GET /v1/status', answers.status));
      found.push(...leaks('GET /metrics (Prometheus)', answers.metrics));
      // Every row of every table, as the bytes on disk (database, WAL and shared memory files),
      // once the agent has closed the store.
      await api.close();
      await t.stop();
      const files = readdirSync(storeDir);
      expect(files).toContain('opsagent.db');
      for (const file of files) {
        found.push(...leaks(`SQLite ${file}`, readFileSync(join(storeDir, file), 'latin1')));
      }
      expect(found).toEqual([]);
      // The checks ran where they should: the provider saw several requests, logs were written.
      expect(server.requests.length).toBeGreaterThanOrEqual(5);
      expect(logged).toContain('[redacted]');
    } finally {
      await api.close();
      await t.stop();
      await server.close();
    }
  });
});
