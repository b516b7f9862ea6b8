import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../contracts/logger.js';
import { definePlugin } from '../contracts/plugin.js';
import { defineRemediation } from '../contracts/remediation.js';
import type { Finding } from '../contracts/source.js';
import { type Agent, createAgent } from '../runtime/agent.js';
import { createManualClock } from '../util/clock.js';
import { apiConfigSchema, parseListen, resolveListen } from './config.js';
import { createManagementApi, type ManagementApi } from './server.js';

const OPERATOR_TOKEN = 'op-token-0123456789abcdef';
const VIEWER_TOKEN = 'viewer-token-0123456789ab';

/** A logger that keeps every record as JSON text, to prove what is (not) logged. */
function recordingLogger(lines: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => {
    const log =
      (level: string) =>
      (fields: Record<string, unknown> | string, message?: string): void => {
        lines.push(
          JSON.stringify(
            {
              level,
              ...bindings,
              ...(typeof fields === 'string' ? { msg: fields } : { ...fields, msg: message }),
            },
            (_key, value: unknown) => (value instanceof Error ? { message: value.message } : value),
          ),
        );
      };
    return {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

interface Harness {
  agent: Agent;
  api: ManagementApi;
  url: string;
  runs: string[];
  findings: Finding[];
  clock: ReturnType<typeof createManualClock>;
  logs: string[];
  call(
    path: string,
    init?: {
      method?: string;
      token?: string | null;
      body?: string;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown>; text: string }>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) {
    await h.api.close();
    await h.agent.stop();
  }
});

async function harness(options: { metrics?: 'token' | 'open'; start?: boolean } = {}) {
  const clock = createManualClock(new Date('2026-03-01T10:00:00Z'));
  const runs: string[] = [];
  const findings: Finding[] = [];
  const logs: string[] = [];
  const plugin = definePlugin({
    name: 'lab',
    setup: () => ({
      sources: [
        {
          name: 'lab',
          async status() {
            return {
              health: findings.length > 0 ? 'critical' : 'ok',
              sections: [{ title: 'lab', fields: [{ label: 'Containers', value: '3' }] }],
            };
          },
          async check() {
            return [...findings];
          },
        },
      ],
      remediations: [
        defineRemediation({
          name: 'restart_container',
          description: 'Restart a container',
          input: z.object({ container: z.string() }),
          risk: 'medium',
          describe: (input) => `restart container ${input.container}`,
          appliesTo: (finding) =>
            typeof finding.data?.container === 'string'
              ? { container: finding.data.container }
              : undefined,
          async execute(input) {
            runs.push(input.container);
            return { ok: true, detail: `restarted ${input.container}` };
          },
        }),
      ],
    }),
  });
  const logger = recordingLogger(logs);
  const agent = await createAgent({
    plugins: [plugin],
    principals: [
      { id: 'olga', name: 'Olga', roles: ['operator'], identities: {} },
      { id: 'vera', name: 'Vera', roles: ['viewer'], identities: {} },
    ],
    monitor: { enabled: false, openAfter: 1, triage: false },
    approvals: { expiresInMs: 60 * 60_000 },
    clock,
    logger,
  });
  if (options.start !== false) await agent.start();
  const api = createManagementApi({
    target: agent,
    tokens: [
      { token: OPERATOR_TOKEN, principal: agent.principal('olga')! },
      { token: VIEWER_TOKEN, principal: agent.principal('vera')! },
    ],
    ...(options.metrics ? { metrics: options.metrics } : {}),
    maxBodyBytes: 1024,
    logger,
    clock,
  });
  const { url } = await api.listen({ host: '127.0.0.1', port: 0 });
  const h: Harness = {
    agent,
    api,
    url,
    runs,
    findings,
    clock,
    logs,
    async call(path, init = {}) {
      const token = init.token === undefined ? OPERATOR_TOKEN : init.token;
      const response = await fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON (metrics)
      }
      return { status: response.status, headers: response.headers, json, text };
    },
  };
  running.push(h);
  return h;
}

/** Opens an incident whose remediation is proposed, and returns the pending approval id. */
async function pendingApproval(h: Harness, container = 'web'): Promise<string> {
  h.findings.push({
    key: `lab:${container}:unhealthy`,
    severity: 'critical',
    resource: `container:${container}`,
    title: `${container} is unhealthy`,
    evidence: 'health=unhealthy',
    data: { container },
  });
  await h.agent.monitor.runOnce();
  const pending = await h.agent.approvals.pending();
  const approval = pending.find((a) => (a.input as { container: string }).container === container);
  if (!approval) throw new Error('no approval was proposed');
  return approval.id;
}

describe('management API: health and auth', () => {
  it('answers /healthz without a token, and /readyz 503 with reasons until the agent starts', async () => {
    const h = await harness({ start: false });
    const health = await h.call('/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const notReady = await h.call('/readyz', { token: null });
    expect(notReady.status).toBe(503);
    expect(notReady.json.ready).toBe(false);
    expect(notReady.json.reasons).toEqual(['agent: not started yet']);
    await h.agent.start();
    const ready = await h.call('/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.json.ready).toBe(true);
    expect(ready.json.checks).toEqual(
      expect.arrayContaining([
        { name: 'agent', ok: true, detail: 'started' },
        { name: 'store', ok: true, detail: 'reachable' },
      ]),
    );
  });

  it('refuses /v1 with no token or a wrong one, identically and without detail', async () => {
    const h = await harness();
    const none = await h.call('/v1/status', { token: null });
    const wrong = await h.call('/v1/status', { token: `${OPERATOR_TOKEN}x` });
    const prefix = await h.call('/v1/status', { token: OPERATOR_TOKEN.slice(0, 8) });
    const basic = await h.call('/v1/status', {
      token: null,
      headers: {
        authorization: `Basic ${Buffer.from(`olga:${OPERATOR_TOKEN}`).toString('base64')}`,
      },
    });
    for (const r of [none, wrong, prefix, basic]) {
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="opsagent"');
      expect(r.json).toEqual({
        error: { code: 'unauthorized', message: 'a valid bearer token is required' },
      });
    }
    // Unknown /v1 paths and wrong methods are not revealed to the unauthenticated either.
    expect((await h.call('/v1/nothing-here', { token: null })).status).toBe(401);
    expect((await h.call('/v1/approvals/abc/approve', { token: null, method: 'GET' })).status).toBe(
      401,
    );
  });

  it('never logs a token, even when the request is refused', async () => {
    const h = await harness();
    await h.call('/v1/status');
    await h.call('/v1/status', { token: 'not-the-token-but-long-enough' });
    await h.call('/metrics');
    expect(h.logs.length).toBeGreaterThan(0);
    const all = h.logs.join('\n');
    expect(all).not.toContain(OPERATOR_TOKEN);
    expect(all).not.toContain('not-the-token-but-long-enough');
    expect(all).not.toContain('Bearer');
  });
});

describe('management API: status and incidents', () => {
  it('returns the status snapshot with open incidents and pending approvals', async () => {
    const h = await harness();
    await pendingApproval(h);
    const status = await h.call('/v1/status');
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({
      health: 'critical',
      incidents: { open: 1, bySeverity: { info: 0, warning: 0, critical: 1 } },
      approvals: { pending: 1 },
    });
    expect(status.json.reports).toEqual(await h.agent.status());
  });

  it('lists incidents with filters, shows one with its approvals, and 404s an unknown one', async () => {
    const h = await harness();
    const approvalId = await pendingApproval(h, 'web');
    h.findings.push({
      key: 'lab:disk',
      severity: 'warning',
      resource: 'disk:/',
      title: 'disk 90%',
      evidence: 'used=90%',
    });
    await h.agent.monitor.runOnce();
    const all = await h.call('/v1/incidents');
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(2);
    const critical = await h.call('/v1/incidents?severity=critical&status=open');
    const incidents = critical.json.incidents as Array<{ id: string; title: string }>;
    expect(incidents.map((i) => i.title)).toEqual(['web is unhealthy']);
    expect((await h.call('/v1/incidents?source=elsewhere')).json.total).toBe(0);
    expect((await h.call('/v1/incidents?limit=1')).json.incidents).toHaveLength(1);
    expect((await h.call('/v1/incidents?since=1h')).json.total).toBe(2);
    expect((await h.call('/v1/incidents?since=2026-03-02T00:00:00Z')).json.total).toBe(0);

    const one = await h.call(`/v1/incidents/${incidents[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.json.incident).toMatchObject({ id: incidents[0]!.id, severity: 'critical' });
    expect((one.json.approvals as Array<{ id: string }>).map((a) => a.id)).toEqual([approvalId]);

    const missing = await h.call('/v1/incidents/zzzzzz');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'not_found' });
  });

  it('rejects bad filters naming the parameter', async () => {
    const h = await harness();
    const bad = await h.call('/v1/incidents?status=burning');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('status');
    const unknown = await h.call('/v1/incidents?colour=red');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain('colour');
    expect((await h.call('/v1/incidents?limit=0')).status).toBe(400);
    expect((await h.call('/v1/incidents?since=yesterday')).status).toBe(400);
    expect((await h.call('/v1/incidents?limit=1&limit=2')).status).toBe(400);
  });
});

describe('management API: approvals', () => {
  it('lists pending approvals and approves one through the approval flow, exactly once', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const list = await h.call('/v1/approvals');
    expect(list.status).toBe(200);
    expect(list.json.approvals).toEqual([
      expect.objectContaining({ id, status: 'pending', action: 'restart container web' }),
    ]);

    const approved = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'web is down for everyone' }),
    });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({
      outcome: 'succeeded',
      approval: { id, status: 'succeeded', decidedBy: { kind: 'principal', id: 'olga' } },
    });
    expect(h.runs).toEqual(['web']);

    const again = await h.call(`/v1/approvals/${id}/approve`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      error: { code: 'already_decided' },
      outcome: 'succeeded',
    });
    expect(h.runs).toEqual(['web']);

    const audit = await h.agent.store.listAudit();
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'decision',
        actor: 'olga',
        subject: id,
        detail: expect.objectContaining({
          decision: 'approved',
          reason: 'web is down for everyone',
        }),
      }),
    );
    expect((await h.call('/v1/approvals')).json.approvals).toEqual([]);
    const history = await h.call('/v1/approvals?status=succeeded,failed');
    expect((history.json.approvals as Array<{ id: string }>).map((a) => a.id)).toEqual([id]);
    expect((await h.call(`/v1/approvals/${id}`)).json.approval).toMatchObject({ id });
  });

  it('runs once when the same approval is approved twice at the same moment', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const results = await Promise.all([
      h.call(`/v1/approvals/${id}/approve`, { method: 'POST' }),
      h.call(`/v1/approvals/${id}/approve`, { method: 'POST' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(h.runs).toEqual(['web']);
  });

  it('rejects with a reason and runs nothing', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const rejected = await h.call(`/v1/approvals/${id}/reject`, {
      method: 'POST',
      body: '{"reason":"maintenance window"}',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ outcome: 'rejected' });
    expect(h.runs).toEqual([]);
    const approve = await h.call(`/v1/approvals/${id}/approve`, { method: 'POST' });
    expect(approve.status).toBe(409);
    expect(approve.json.outcome).toBe('rejected');
  });

  it('refuses a decider without the role, and audits the refusal', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const refused = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      token: VIEWER_TOKEN,
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: { code: 'forbidden' }, needed: 'operator' });
    expect(h.runs).toEqual([]);
    const audit = await h.agent.store.listAudit();
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'refusal', actor: 'vera', subject: id }),
    );
    // A viewer may still read.
    expect((await h.call('/v1/approvals', { token: VIEWER_TOKEN })).status).toBe(200);
  });

  it('answers 410 for an expired approval and never runs it', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    h.clock.advance(61 * 60_000);
    const late = await h.call(`/v1/approvals/${id}/approve`, { method: 'POST' });
    expect(late.status).toBe(410);
    expect(late.json).toMatchObject({ error: { code: 'expired' } });
    expect(h.runs).toEqual([]);
    expect((await h.agent.store.getApproval(id))?.status).toBe('expired');
  });

  it('answers bad input with clear errors and keeps serving', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const unknown = await h.call('/v1/approvals/nosuch/approve', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'not_found' });

    const malformed = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      body: '{"reason": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatchObject({ code: 'invalid_json' });

    const wrongShape = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      body: '{"reason": 42, "force": true}',
    });
    expect(wrongShape.status).toBe(400);
    expect(JSON.stringify(wrongShape.json)).toContain('force');

    const notJson = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      body: 'reason=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(notJson.status).toBe(415);

    const huge = await h.call(`/v1/approvals/${id}/approve`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'x'.repeat(5000) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toMatchObject({ code: 'payload_too_large' });

    const wrongMethod = await h.call(`/v1/approvals/${id}/approve`, { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await h.call('/v1/status', { method: 'DELETE' })).status).toBe(405);

    expect((await h.call('/nowhere', { token: null })).status).toBe(404);
    expect((await h.call('/v1/nowhere')).status).toBe(404);

    // None of that decided or ran anything, and the server still answers.
    expect(h.runs).toEqual([]);
    expect((await h.agent.store.getApproval(id))?.status).toBe('pending');
    expect((await h.call('/healthz', { token: null })).status).toBe(200);
  });

  it('answers 413 for an oversized chunked body without a length', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const { hostname: host, port } = new URL(h.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host,
          port,
          method: 'POST',
          path: `/v1/approvals/${id}/approve`,
          headers: {
            authorization: `Bearer ${OPERATOR_TOKEN}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 4; i += 1) req.write(`${'{'.repeat(400)}`);
      req.end();
    });
    expect(status).toBe(413);
    expect(h.runs).toEqual([]);
  });
});

describe('management API: clients that misbehave', () => {
  it('survives a client that hangs up in the middle of a body', async () => {
    const h = await harness();
    const id = await pendingApproval(h);
    const { hostname: host, port } = new URL(h.url);
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host,
        port,
        method: 'POST',
        path: `/v1/approvals/${id}/approve`,
        headers: {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
          'content-type': 'application/json',
          'content-length': '500',
        },
      });
      req.on('error', () => resolve());
      req.write('{"reason": "half');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await h.call('/healthz', { token: null })).status).toBe(200);
    expect((await h.agent.store.getApproval(id))?.status).toBe('pending');
    expect(h.runs).toEqual([]);
    expect(h.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });

  it('answers a malformed request line with 400 and keeps serving', async () => {
    const h = await harness();
    const { hostname: host, port } = new URL(h.url);
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), host, () => socket.write('NONSENSE\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toContain('400 Bad Request');
    expect((await h.call('/healthz', { token: null })).status).toBe(200);
  });
});

describe('management API: metrics', () => {
  it('needs a token for /metrics by default, and serves the exposition format', async () => {
    const h = await harness();
    expect((await h.call('/metrics', { token: null })).status).toBe(401);
    const id = await pendingApproval(h);
    await h.call(`/v1/approvals/${id}/approve`, { method: 'POST' });
    const metrics = await h.call('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = metrics.text;
    expect(text).toContain('# TYPE opsagent_checks_total counter\n');
    expect(text).toContain('opsagent_checks_total{source="lab",outcome="ok"} 1\n');
    expect(text).toContain('opsagent_check_duration_seconds_count{source="lab"} 1\n');
    expect(text).toContain('opsagent_check_duration_seconds_bucket{source="lab",le="+Inf"} 1\n');
    expect(text).toContain('opsagent_incidents_open{severity="critical"} 1\n');
    expect(text).toContain('opsagent_incidents_open{severity="warning"} 0\n');
    expect(text).toContain(
      'opsagent_incident_events_total{event="opened",severity="critical"} 1\n',
    );
    expect(text).toContain('opsagent_approvals_total{outcome="proposed"} 1\n');
    expect(text).toContain('opsagent_approvals_total{outcome="approved"} 1\n');
    expect(text).toContain('opsagent_approvals_total{outcome="succeeded"} 1\n');
    expect(text).toContain('opsagent_approvals_pending 0\n');
    expect(text).toContain(
      'opsagent_api_requests_total{route="/v1/approvals/:id/approve",status="200"} 1\n',
    );
    expect(text.endsWith('\n')).toBe(true);
  });

  it('serves /metrics without a token when configured open', async () => {
    const h = await harness({ metrics: 'open' });
    const open = await h.call('/metrics', { token: null });
    expect(open.status).toBe(200);
    expect(open.text).toContain('opsagent_start_time_seconds');
    expect((await h.call('/v1/status', { token: null })).status).toBe(401);
  });

  it('counts failed checks', async () => {
    const h = await harness();
    h.agent.registry.sources.get('lab')!.check = async () => {
      throw new Error('boom');
    };
    await h.agent.monitor.runOnce();
    const text = (await h.call('/metrics')).text;
    expect(text).toContain('opsagent_checks_total{source="lab",outcome="failed"} 1\n');
  });
});

describe('management API: failures inside', () => {
  it('answers 500 with only a request id when the store fails, logs it, and keeps serving', async () => {
    const h = await harness();
    const logs: string[] = [];
    const failing = createManagementApi({
      target: {
        ...h.agent,
        store: {
          ...h.agent.store,
          listIncidents: async () => {
            throw new Error('database is locked');
          },
        },
        metrics: h.agent.metrics,
        approvals: h.agent.approvals,
        status: () => h.agent.status(),
        readiness: () => h.agent.readiness(),
      },
      tokens: [{ token: OPERATOR_TOKEN, principal: h.agent.principal('olga')! }],
      logger: recordingLogger(logs),
    });
    const { url } = await failing.listen({ host: '127.0.0.1', port: 0 });
    try {
      const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
      const response = await fetch(`${url}/v1/incidents`, { headers: auth });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      const requestId = response.headers.get('x-request-id');
      expect(body.error.code).toBe('internal');
      expect(body.error.message).toContain(requestId);
      expect(body.error.message).not.toContain('database is locked');
      expect(logs.join('\n')).toContain('database is locked');
      expect((await fetch(`${url}/v1/approvals`, { headers: auth })).status).toBe(200);
    } finally {
      await failing.close();
    }
  });
});

describe('management API: lifecycle and config', () => {
  it('closes gracefully and refuses a second listen', async () => {
    const h = await harness();
    await expect(h.api.listen({ host: '127.0.0.1', port: 0 })).rejects.toMatchObject({
      code: 'API_ALREADY_LISTENING',
    });
    await h.api.close();
    await h.api.close();
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
  });

  it('names the port when it is in use', async () => {
    const h = await harness();
    const port = Number(new URL(h.url).port);
    const other = createManagementApi({ target: h.agent, tokens: [] });
    await expect(other.listen({ host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'API_LISTEN_FAILED',
      message: expect.stringContaining('EADDRINUSE'),
    });
  });

  it('validates the api section', () => {
    const parsed = apiConfigSchema.parse({
      tokens: [{ token: OPERATOR_TOKEN, principal: 'olga' }],
    });
    expect(parsed).toMatchObject({
      listen: '127.0.0.1:8080',
      metrics: 'token',
      maxBodyBytes: 16_384,
    });
    expect(
      apiConfigSchema.safeParse({ tokens: [{ token: 'short', principal: 'olga' }] }).success,
    ).toBe(false);
    expect(apiConfigSchema.safeParse({ listen: 'localhost' }).success).toBe(false);
    expect(apiConfigSchema.safeParse({ listen: '0.0.0.0:70000' }).success).toBe(false);
    expect(
      apiConfigSchema.safeParse({
        tokens: [
          { token: OPERATOR_TOKEN, principal: 'olga' },
          { token: OPERATOR_TOKEN, principal: 'vera' },
        ],
      }).success,
    ).toBe(false);
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(resolveListen({ listen: '0.0.0.0:8080' }, { OPSAGENT_API_PORT: '9191' })).toEqual({
      host: '0.0.0.0',
      port: 9191,
    });
    expect(() => resolveListen({ listen: '0.0.0.0:8080' }, { OPSAGENT_API_PORT: 'http' })).toThrow(
      expect.objectContaining({ code: 'API_PORT_INVALID' }),
    );
  });
});
