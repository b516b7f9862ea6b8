import { z } from 'zod';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes, e.g. "shop-api"');

const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL, e.g. https://shop.example.com/healthz',
});

/** One endpoint to watch. */
export const endpointSchema = z
  .strictObject({
    name: name.describe('Short name used in findings, tools and `status`, e.g. `shop-api`.'),
    url: httpUrl.describe('The URL to GET.'),
    expectStatus: z
      .array(z.number().int().min(100).max(599))
      .min(1)
      .optional()
      .describe('Status codes that count as up; default any 2xx or 3xx.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5000)
      .describe('Time allowed for one probe, in ms; beyond it the endpoint is down.'),
    slowMs: z
      .number()
      .int()
      .min(1)
      .default(2000)
      .describe('Latency at or above which the endpoint is slow (a warning), in ms.'),
    certWarnDays: z
      .number()
      .int()
      .min(0)
      .default(14)
      .describe('For https: warn when the certificate expires within this many days.'),
    caFile: z
      .string()
      .optional()
      .describe('For https: a PEM file of extra trusted CAs (a private CA, a self-signed cert).'),
    webhook: name
      .optional()
      .describe(
        'The webhook (by name) that fixes this endpoint when it is down, e.g. a restart hook.',
      ),
  })
  .describe('An HTTP endpoint to probe.');

/** A webhook the remediation may call, once approved. */
export const webhookSchema = z
  .strictObject({
    name: name.describe('Short name, referenced by endpoints and shown in plans.'),
    url: httpUrl.describe('The URL to call.'),
    method: z.enum(['POST', 'PUT']).default('POST').describe('HTTP method.'),
    token: z.string().optional().describe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${VAR} syntax
      'Bearer token sent with the call; use ${VAR} to keep it out of the file.',
    ),
    risk: z
      .enum(['low', 'medium', 'high'])
      .default('medium')
      .describe('Risk shown with the plan; policy decides who may approve it.'),
  })
  .describe('A webhook that changes something (restart, redeploy), called only after approval.');

/** Config section of the `http-checks` plugin (`plugins.http-checks` in opsagent.yaml). */
export const httpChecksConfigSchema = z
  .strictObject({
    endpoints: z.array(endpointSchema).min(1, 'list at least one endpoint to watch'),
    webhooks: z.array(webhookSchema).default([]),
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('How often the endpoints are checked, in ms.'),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.endpoints.forEach((endpoint, i) => {
      if (seen.has(endpoint.name))
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'name'],
          message: `endpoint name "${endpoint.name}" is used twice`,
        });
      seen.add(endpoint.name);
      if (endpoint.webhook && !config.webhooks.some((w) => w.name === endpoint.webhook))
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'webhook'],
          message: `no webhook named "${endpoint.webhook}" under webhooks`,
        });
    });
  })
  .describe('HTTP endpoint checks: status code, latency and TLS certificate expiry.');

/** The validated config. */
export type HttpChecksConfig = z.output<typeof httpChecksConfigSchema>;
/** One validated endpoint. */
export type Endpoint = z.output<typeof endpointSchema>;
/** One validated webhook. */
export type Webhook = z.output<typeof webhookSchema>;
