/**
 * `opsagent-plugin-http-checks`: an example opsagent plugin, written the way we want plugins
 * written. Watches HTTP endpoints (status code, latency, TLS certificate expiry), offers the model
 * a read-only probe, and calls a configured webhook to fix an endpoint, only once approved.
 *
 * Load it from opsagent.yaml: `plugins: [{ module: opsagent-plugin-http-checks }]` with its config
 * under `plugins.http-checks`; see README.md.
 */
export {
  type Endpoint,
  endpointSchema,
  type HttpChecksConfig,
  httpChecksConfigSchema,
  type Webhook,
  webhookSchema,
} from './config.js';
export {
  createHttpChecksPlugin,
  findingsOf,
  type HttpChecksOverrides,
  httpChecksPlugin,
  httpChecksPlugin as default,
} from './plugin.js';
export { daysUntil, type ProbeResult, probe } from './probe.js';
