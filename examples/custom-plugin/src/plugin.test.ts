import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestAgent, reply, type TestAgent } from '@opsagent/testkit';
import { describePluginContract } from '@opsagent/testkit/plugin-contract';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpChecksConfigSchema } from './config.js';
import { createHttpChecksPlugin, httpChecksPlugin } from './plugin.js';

// A service that can be broken and repaired, and a restart hook that repairs it.
let healthy = true;
const hookCalls: Array<{ method: string; auth?: string; key?: string; body: string }> = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    if (req.url === '/restart') {
      hookCalls.push({
        method: req.method ?? '',
        auth: req.headers.authorization,
        key: req.headers['idempotency-key'] as string | undefined,
        body,
      });
      healthy = true;
      res.statusCode = 202;
      res.end();
      return;
    }
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? 'ok' : 'unavailable');
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const config = () => ({
  endpoints: [{ name: 'shop', url: `${base}/healthz`, webhook: 'restart-shop' }],
  webhooks: [{ name: 'restart-shop', url: `${base}/restart`, token: 'hook-secret-123456' }],
});

describePluginContract('http-checks', {
  plugin: httpChecksPlugin,
  // The contract's setup runs before `base` is known; the URL only has to be valid here.
  config: {
    endpoints: [{ name: 'shop', url: 'http://127.0.0.1:9/healthz', webhook: 'restart-shop' }],
    webhooks: [{ name: 'restart-shop', url: 'http://127.0.0.1:9/restart' }],
  },
  invalidConfigs: [
    { name: 'no endpoints', config: { endpoints: [] }, path: ['endpoints'] },
    {
      name: 'a URL that is not http',
      config: { endpoints: [{ name: 'shop', url: 'ftp://x/' }] },
      path: ['endpoints', 0, 'url'],
    },
    {
      name: 'a webhook that does not exist',
      config: { endpoints: [{ name: 'shop', url: 'http://x/', webhook: 'nope' }] },
      path: ['endpoints', 0, 'webhook'],
    },
    {
      name: 'the same endpoint name twice',
      config: {
        endpoints: [
          { name: 'shop', url: 'http://x/' },
          { name: 'shop', url: 'http://y/' },
        ],
      },
      path: ['endpoints', 1, 'name'],
    },
  ],
  toolInputs: { http_probe: [{ endpoint: 'shop' }] },
  remediationInputs: { call_webhook: [{ webhook: 'restart-shop' }] },
  findings: [
    {
      key: 'http:shop:down',
      severity: 'critical',
      resource: 'http:shop',
      title: 'shop is down',
      evidence: '503',
      data: { endpoint: 'shop' },
    },
    {
      key: 'http:shop:slow',
      severity: 'warning',
      resource: 'http:shop',
      title: 'shop is slow',
      evidence: '3000 ms',
      data: { endpoint: 'shop' },
    },
  ],
});

describe('http-checks in an agent', () => {
  const agents: TestAgent[] = [];
  afterEach(async () => {
    for (const t of agents.splice(0)) await t.stop();
    healthy = true;
    hookCalls.length = 0;
  });

  async function agent(script = [reply('The shop answers 503; the restart hook should help.')]) {
    const t = await createTestAgent({
      plugins: [{ plugin: httpChecksPlugin, config: config() }],
      script,
      notifications: [{ channel: 'fake', address: { chat: 'ops' }, minSeverity: 'warning' }],
      monitor: { openAfter: 1, resolveAfter: 1 },
      secrets: ['hook-secret-123456'],
    });
    agents.push(t);
    return t;
  }

  it('shows the endpoint in status without a model call', async () => {
    const t = await agent([]);
    const [status] = await t.ask('status');
    expect(status).toContain('shop');
    expect(status).toContain('200');
  });

  it('alerts on a down endpoint, proposes the webhook, calls it once when approved, and verifies', async () => {
    const t = await agent();
    healthy = false;
    await t.agent.monitor.runOnce();
    const [alert] = t.channel.texts('ops');
    expect(alert).toContain('shop is down: unexpected status 503');
    expect(alert).toContain(`POST ${base}/restart (webhook "restart-shop", risk medium)`);
    expect(alert).not.toContain('hook-secret-123456');
    expect(hookCalls).toEqual([]);

    const [pending] = await t.agent.approvals.pending();
    expect(pending?.remediation).toBe('call_webhook');
    // A viewer cannot approve; nothing runs.
    await t.ask(`approve ${pending?.id}`, { sender: 'victor', chat: 'ops' });
    expect(hookCalls).toEqual([]);
    await t.ask(`approve ${pending?.id}`, { sender: 'olga', chat: 'ops' });
    await t.ask(`approve ${pending?.id}`, { sender: 'alice', chat: 'ops' });
    expect(hookCalls).toEqual([
      {
        method: 'POST',
        auth: 'Bearer hook-secret-123456',
        key: pending?.id,
        body: JSON.stringify({ webhook: 'restart-shop', approval: pending?.id }),
      },
    ]);
    const texts = t.channel.texts('ops').join('\n');
    expect(texts).toContain('shop answer again');

    await t.agent.monitor.runOnce();
    expect(t.channel.texts('ops').at(-1)).toContain('resolved: shop is down');
  });

  it('lets the model probe an endpoint with the read-only tool', async () => {
    healthy = false;
    const plugin = createHttpChecksPlugin();
    const { callTool } = await import('@opsagent/testkit');
    const t = await createTestAgent({
      plugins: [{ plugin, config: config() }],
      script: [callTool('http_probe', { endpoint: 'shop' }), reply('The shop is down (503).')],
    });
    agents.push(t);
    const answer = await t.ask('is the shop up?');
    expect(answer.at(-1)).toBe('The shop is down (503).');
    const toolResult = JSON.stringify(t.model?.requests[1]?.messages);
    expect(toolResult).toContain('shop (');
    expect(toolResult).toContain('DOWN, status 503');
  });

  it('refuses a config that names no endpoint, naming the field', () => {
    const result = httpChecksConfigSchema.safeParse({ endpoints: [] });
    expect(result.error?.issues[0]?.message).toBe('list at least one endpoint to watch');
  });
});
