import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  cliEnv,
  eventually,
  opsagentBin,
  type RunningCli,
  runCliSync,
  startCli,
  waitForApi,
} from '../helpers/cli.js';

const labCli = fileURLToPath(new URL('../fixtures/cli-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opsagent-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'e2e-token-6f1c2a9b8d7e4f30';

function config(extra = ''): string {
  return `preset: local
store:
  type: sqlite
monitor:
  interval: 1s
  openAfter: 1
  triage: false
principals:
  - id: local
    roles: [admin]
    identities:
      console: ["*"]
  - id: ci-bot
    name: CI bot
    roles: [operator]
    identities: {}
api:
  listen: 127.0.0.1:0
  tokens:
    - token: \${OPSAGENT_API_TOKEN}
      principal: ci-bot
${extra}`;
}

const running: RunningCli[] = [];
afterEach(async () => {
  for (const run of running.splice(0)) await run.stop('SIGKILL');
});

/** Starts `opsagent run` (through `script`) and resolves with the API's URL once it listens. */
async function startRun(script: string, cwd: string, env: Record<string, string>) {
  const run = startCli(['run', '--config', 'opsagent.yaml'], { cwd, env, bin: script });
  running.push(run);
  return Object.assign(run, { url: await waitForApi(run) });
}

async function call(url: string, path: string, init: { method?: string; token?: string } = {}) {
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // metrics are text
  }
  return { status: response.status, json, text };
}

describe('opsagent run with the management API', () => {
  it('serves health, status and approvals; an approval over HTTP runs once; SIGTERM closes it', async () => {
    const cwd = mkdtempSync(join(dir, 'lab-'));
    writeFileSync(join(cwd, 'opsagent.yaml'), config('  metrics: open\n'));
    const marker = join(cwd, 'restarts.log');
    const env = cliEnv(cwd, { OPSAGENT_API_TOKEN: TOKEN, LAB_MARKER: marker });
    const run = await startRun(labCli, cwd, env);

    expect(await call(run.url, '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
    await eventually('readiness', async () =>
      (await call(run.url, '/readyz')).status === 200 ? true : undefined,
    );
    expect((await call(run.url, '/v1/status')).status).toBe(401);
    expect((await call(run.url, '/v1/status', { token: `${TOKEN}-wrong` })).status).toBe(401);

    const status = await call(run.url, '/v1/status', { token: TOKEN });
    expect(status.status).toBe(200);
    const titles = (status.json.reports as Array<{ sections: Array<{ title: string }> }>).flatMap(
      (r) => r.sections.map((s) => s.title),
    );
    expect(titles).toContain('lab');

    const approval = await eventually('a pending approval', async () => {
      const list = await call(run.url, '/v1/approvals', { token: TOKEN });
      const approvals = list.json.approvals as Array<{ id: string; action: string }>;
      return approvals.length > 0 ? approvals[0] : undefined;
    });
    expect(approval.action).toBe('restart container web on lab');
    const incidents = await call(run.url, '/v1/incidents?status=open&source=lab', { token: TOKEN });
    expect(incidents.json.incidents).toEqual([
      expect.objectContaining({ title: 'web is unhealthy', severity: 'critical' }),
    ]);

    const approved = await call(run.url, `/v1/approvals/${approval.id}/approve`, {
      method: 'POST',
      token: TOKEN,
    });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      outcome: 'succeeded',
      approval: { decidedBy: { id: 'ci-bot', name: 'CI bot' } },
    });
    expect((approved.json.approval as { result: { detail: string } }).result.detail).toContain(
      'verification: passed',
    );
    const again = await call(run.url, `/v1/approvals/${approval.id}/approve`, {
      method: 'POST',
      token: TOKEN,
    });
    expect(again.status).toBe(409);
    expect(again.json.outcome).toBe('succeeded');
    expect(readFileSync(marker, 'utf8')).toBe(`${approval.id} web\n`);

    const metrics = await call(run.url, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('opsagent_approvals_total{outcome="succeeded"} 1\n');
    expect(metrics.text).toMatch(/opsagent_checks_total\{source="lab",outcome="ok"\} [1-9]/);
    expect(metrics.text).toContain('opsagent_messages_total{channel="console",direction="out"}');

    expect(await run.stop('SIGTERM')).toBe(0);
    expect(run.stderr()).toContain('SIGTERM, stopping');
    expect(run.stderr()).not.toContain(TOKEN);
    expect(run.stdout()).not.toContain(TOKEN);
    await expect(fetch(`${run.url}/healthz`)).rejects.toThrow();
    expect(existsSync(join(cwd, 'data', 'opsagent.db'))).toBe(true);
  });

  it('refuses to start when a token names an unknown principal, naming the field', () => {
    const cwd = mkdtempSync(join(dir, 'bad-principal-'));
    writeFileSync(
      join(cwd, 'opsagent.yaml'),
      config().replace('principal: ci-bot', 'principal: nobody'),
    );
    const result = runCliSync(['run'], { cwd, env: cliEnv(cwd, { OPSAGENT_API_TOKEN: TOKEN }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api.tokens[0].principal');
    expect(result.stderr).toContain('"nobody"');
    expect(result.stderr).not.toContain(TOKEN);
    const doctor = runCliSync(['doctor'], { cwd, env: cliEnv(cwd, { OPSAGENT_API_TOKEN: TOKEN }) });
    expect(doctor.stdout).toMatch(/✗ api .*api\.tokens\[0\]\.principal/);
    expect(doctor.stdout).not.toContain(TOKEN);
    writeFileSync(join(cwd, 'opsagent.yaml'), config());
    const fixed = runCliSync(['doctor'], { cwd, env: cliEnv(cwd, { OPSAGENT_API_TOKEN: TOKEN }) });
    expect(fixed.stdout).toContain('✓ api');
    expect(fixed.stdout).toContain('1 token(s) acting as ci-bot');
  });

  it('refuses a short token in the config, without printing it', () => {
    const cwd = mkdtempSync(join(dir, 'short-token-'));
    writeFileSync(join(cwd, 'opsagent.yaml'), config());
    const result = runCliSync(['run'], {
      cwd,
      env: cliEnv(cwd, { OPSAGENT_API_TOKEN: 'hunter2' }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('api.tokens[0].token');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('serves the local preset through the real bin, on the port OPSAGENT_API_PORT names', async () => {
    const cwd = mkdtempSync(join(dir, 'local-'));
    writeFileSync(join(cwd, 'opsagent.yaml'), config().replace('127.0.0.1:0', '127.0.0.1:1'));
    const probe = await new Promise<number>((resolve) => {
      // Ask the OS for a free port, then hand it to the CLI through the environment.
      import('node:net').then(({ createServer }) => {
        const server = createServer();
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => resolve(port));
        });
      });
    });
    const run = await startRun(
      opsagentBin,
      cwd,
      cliEnv(cwd, { OPSAGENT_API_TOKEN: TOKEN, OPSAGENT_API_PORT: String(probe) }),
    );
    expect(run.url).toBe(`http://127.0.0.1:${probe}`);
    const status = await call(run.url, '/v1/status', { token: TOKEN });
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.json.reports)).toMatch(/CPU/);
    expect(JSON.stringify(status.json.reports)).toMatch(/Memory/);
    expect((await call(run.url, '/metrics')).status).toBe(401);
    expect(await run.stop('SIGTERM')).toBe(0);
  });
});
