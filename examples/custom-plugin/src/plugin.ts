import {
  definePlugin,
  defineRemediation,
  defineTool,
  type Finding,
  type Health,
  type HealthCheck,
  type Plugin,
  type Section,
  type Source,
} from '@opsagent/core';
import { z } from 'zod';
import {
  type Endpoint,
  type HttpChecksConfig,
  httpChecksConfigSchema,
  type Webhook,
} from './config.js';
import { daysUntil, type ProbeResult, probe } from './probe.js';

const RISK_ORDER = { low: 0, medium: 1, high: 2 } as const;

/** Seams for tests: the probe and the clock. */
export interface HttpChecksOverrides {
  probe?: (endpoint: Endpoint, signal?: AbortSignal) => Promise<ProbeResult>;
  now?: () => Date;
  /** Calls a webhook; default `fetch`. */
  fetch?: typeof fetch;
}

/** The findings one probe gives: down, slow, certificate expiring / expired / not trusted. */
export function findingsOf(endpoint: Endpoint, result: ProbeResult, now: Date): Finding[] {
  const resource = `http:${endpoint.name}`;
  const data = { endpoint: endpoint.name, url: endpoint.url, webhook: endpoint.webhook };
  if (result.tlsError) {
    const expired = result.tlsError === 'CERT_HAS_EXPIRED';
    return [
      {
        key: `${resource}:cert`,
        severity: 'critical',
        resource,
        title: expired
          ? `${endpoint.name}: TLS certificate has expired`
          : `${endpoint.name}: TLS certificate is not trusted (${result.tlsError})`,
        evidence: `GET ${endpoint.url} failed the TLS handshake: ${result.error}`,
        data,
      },
    ];
  }
  if (!result.up) {
    return [
      {
        key: `${resource}:down`,
        severity: 'critical',
        resource,
        title: `${endpoint.name} is down: ${result.error}`,
        evidence: `GET ${endpoint.url} -> ${result.status ?? 'no answer'}${result.latencyMs !== undefined ? ` after ${result.latencyMs} ms` : ''}; ${result.error}`,
        data,
      },
    ];
  }
  const out: Finding[] = [];
  if (result.latencyMs !== undefined && result.latencyMs >= endpoint.slowMs) {
    out.push({
      key: `${resource}:slow`,
      severity: 'warning',
      resource,
      title: `${endpoint.name} is slow: ${Math.round(result.latencyMs)} ms (limit ${endpoint.slowMs} ms)`,
      evidence: `GET ${endpoint.url} -> ${result.status} after ${result.latencyMs} ms`,
      data,
    });
  }
  if (result.certExpiresAt) {
    const days = daysUntil(result.certExpiresAt, now);
    if (days < endpoint.certWarnDays) {
      out.push({
        key: `${resource}:cert`,
        severity: days < 2 ? 'critical' : 'warning',
        resource,
        title: `${endpoint.name}: TLS certificate expires in ${Math.max(0, Math.floor(days))} days`,
        evidence: `certificate of ${new URL(endpoint.url).host} valid until ${result.certExpiresAt.toISOString()}`,
        data,
      });
    }
  }
  return out;
}

function sectionOf(endpoint: Endpoint, result: ProbeResult, now: Date): Section {
  const findings = findingsOf(endpoint, result, now);
  const worst: Health = findings.some((f) => f.severity === 'critical')
    ? 'critical'
    : findings.length > 0
      ? 'warn'
      : 'ok';
  const fields: Section['fields'] = [
    {
      label: 'Status',
      value: result.up ? `${result.status}` : (result.error ?? 'down'),
      health: result.up ? 'ok' : 'critical',
    },
  ];
  if (result.latencyMs !== undefined)
    fields.push({
      label: 'Latency',
      value: `${Math.round(result.latencyMs)} ms`,
      health: result.latencyMs >= endpoint.slowMs ? 'warn' : 'ok',
    });
  if (result.certExpiresAt) {
    const days = Math.floor(daysUntil(result.certExpiresAt, now));
    fields.push({
      label: 'Certificate',
      value: `expires in ${days} days`,
      health: days < endpoint.certWarnDays ? 'warn' : 'ok',
    });
  }
  return { title: `${endpoint.name} (${endpoint.url})`, health: worst, fields };
}

function describeProbe(result: ProbeResult): string {
  const parts = [`${result.name} (${result.url}): ${result.up ? 'up' : 'DOWN'}`];
  if (result.status !== undefined) parts.push(`status ${result.status}`);
  if (result.latencyMs !== undefined) parts.push(`${result.latencyMs} ms`);
  if (result.certExpiresAt)
    parts.push(`certificate valid until ${result.certExpiresAt.toISOString()}`);
  if (result.error) parts.push(`error: ${result.error}`);
  return parts.join(', ');
}

/**
 * Builds the `http-checks` plugin. `overrides` are seams for tests; a user needs none:
 * `plugins: [opsagent-plugin-http-checks]` in opsagent.yaml loads {@link httpChecksPlugin}.
 */
export function createHttpChecksPlugin(
  overrides: HttpChecksOverrides = {},
): Plugin<typeof httpChecksConfigSchema> {
  const probeOnce = overrides.probe ?? probe;
  const now = overrides.now ?? (() => new Date());
  const doFetch = overrides.fetch ?? fetch;

  return definePlugin({
    name: 'http-checks',
    version: '0.1.0',
    configSchema: httpChecksConfigSchema,
    setup({ config }) {
      const endpoints = new Map(config.endpoints.map((e) => [e.name, e]));
      const webhooks = new Map(config.webhooks.map((w) => [w.name, w]));
      const probeAll = (signal?: AbortSignal) =>
        Promise.all(
          config.endpoints.map(async (e) => ({ endpoint: e, result: await probeOnce(e, signal) })),
        );

      const source: Source = {
        name: 'http',
        checkIntervalMs: config.intervalMs,
        async status({ signal }) {
          const results = await probeAll(signal);
          const sections = results.map(({ endpoint, result }) =>
            sectionOf(endpoint, result, now()),
          );
          const health: Health = sections.some((s) => s.health === 'critical')
            ? 'critical'
            : sections.some((s) => s.health === 'warn')
              ? 'warn'
              : 'ok';
          return { health, sections };
        },
        async check({ signal }) {
          const results = await probeAll(signal);
          return results.flatMap(({ endpoint, result }) => findingsOf(endpoint, result, now()));
        },
      };

      const names = config.endpoints.map((e) => e.name) as [string, ...string[]];
      const probeTool = defineTool({
        name: 'http_probe',
        description:
          'Probes one of the watched HTTP endpoints now: status code, latency, TLS certificate expiry. Read-only (a GET).',
        input: z.strictObject({
          endpoint: z.enum(names).describe('Name of the endpoint, as in the config.'),
        }),
        async run({ endpoint }, { signal }) {
          const e = endpoints.get(endpoint) as Endpoint;
          const result = await probeOnce(e, signal);
          return { output: describeProbe(result), isError: !result.up };
        },
      });

      const tools = [probeTool];
      const remediations = [];
      if (config.webhooks.length > 0) {
        remediations.push(webhookRemediation(config, webhooks, endpoints, probeOnce, doFetch));
      }

      return {
        sources: [source],
        tools,
        remediations,
        checks: [
          {
            name: 'http-checks endpoints',
            async run({ signal }) {
              const results = await probeAll(signal);
              const down = results.filter(({ result }) => !result.up);
              return down.length === 0
                ? { status: 'ok', detail: `${results.length} endpoint(s) answer` }
                : {
                    status: 'warn',
                    detail: `${down.map(({ result }) => describeProbe(result)).join('; ')} (check the URLs, or the service)`,
                  };
            },
          } satisfies HealthCheck,
        ],
      };
    },
  });
}

function webhookRemediation(
  config: HttpChecksConfig,
  webhooks: Map<string, Webhook>,
  endpoints: Map<string, Endpoint>,
  probeOnce: (endpoint: Endpoint, signal?: AbortSignal) => Promise<ProbeResult>,
  doFetch: typeof fetch,
) {
  const names = config.webhooks.map((w) => w.name) as [string, ...string[]];
  const risk = config.webhooks
    .map((w) => w.risk)
    .reduce((a, b) => (RISK_ORDER[b] > RISK_ORDER[a] ? b : a), 'low' as Webhook['risk']);
  const fixes = (webhook: string) => [...endpoints.values()].filter((e) => e.webhook === webhook);
  return defineRemediation({
    name: 'call_webhook',
    description:
      'Calls a configured webhook (e.g. a restart or redeploy hook) to fix an endpoint that is down, then checks the endpoints it fixes answer again.',
    input: z.strictObject({
      webhook: z.enum(names).describe('Name of the webhook, as in the config.'),
    }),
    risk,
    describe({ webhook }) {
      const w = webhooks.get(webhook) as Webhook;
      const target = fixes(webhook)
        .map((e) => e.name)
        .join(', ');
      return `${w.method} ${w.url} (webhook "${w.name}", risk ${w.risk})${target ? ` to bring back ${target}` : ''}`;
    },
    appliesTo(finding) {
      if (!finding.key.endsWith(':down')) return undefined;
      const name = finding.data?.endpoint;
      const endpoint = typeof name === 'string' ? endpoints.get(name) : undefined;
      return endpoint?.webhook ? { webhook: endpoint.webhook } : undefined;
    },
    async execute({ webhook }, { signal, approvalId }) {
      const w = webhooks.get(webhook) as Webhook;
      const response = await doFetch(w.url, {
        method: w.method,
        signal,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': approvalId,
          ...(w.token ? { authorization: `Bearer ${w.token}` } : {}),
        },
        body: JSON.stringify({ webhook: w.name, approval: approvalId }),
      });
      await response.body?.cancel();
      return response.ok
        ? { ok: true, detail: `${w.method} ${w.url} -> ${response.status}` }
        : {
            ok: false,
            detail: `${w.method} ${w.url} -> ${response.status} ${response.statusText}`,
          };
    },
    async verify({ webhook }, { signal }) {
      const targets = fixes(webhook);
      if (targets.length === 0) return { ok: true, detail: 'no endpoint to re-check' };
      const results = await Promise.all(targets.map((e) => probeOnce(e, signal)));
      const down = results.filter((r) => !r.up);
      return down.length === 0
        ? { ok: true, detail: `${results.map((r) => r.name).join(', ')} answer again` }
        : { ok: false, detail: `still down: ${down.map(describeProbe).join('; ')}` };
    },
  });
}

/** The `http-checks` plugin: what `opsagent` loads from `plugins: [opsagent-plugin-http-checks]`. */
export const httpChecksPlugin = createHttpChecksPlugin();
