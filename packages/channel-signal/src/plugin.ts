import { join } from 'node:path';
import { definePlugin, duration, errorMessage, OpsAgentError, type Plugin } from '@opsagent/core';
import { z } from 'zod';
import { SignalApi } from './api.js';
import {
  createSignalChannel,
  isSignalId,
  parseAllowedSenders,
  type SignalChannelOptions,
} from './channel.js';

/** A duration (text like `30s`, or ms) between `min` and `max` ms, with `fallback` as default. */
function boundedDuration(min: number, max: number, fallback: string, hint: [string, string]) {
  return duration
    .refine((ms) => ms >= min && ms <= max, {
      error: `expected a duration from ${hint[0]} to ${hint[1]}`,
    })
    .prefault(fallback);
}

/** How sends are retried: `plugins.signal.send`. Defaults are those of `createSignalChannel`. */
const sendSchema = z
  .strictObject({
    timeout: boundedDuration(1_000, 300_000, '15s', ['1s', '5m']).describe(
      'Time allowed for one request to signal-cli-rest-api (polls get pollTimeout + 30 s instead); 1s to 5m.',
    ),
    connectionRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe(
        'Retries of a send whose connection was refused (the API restarting), after 250 ms doubling.',
      ),
    rateLimitRetries: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(3)
      .describe(
        'Retries of a send Signal rate-limited (HTTP 429); then the send fails with SIGNAL_RATE_LIMITED, unsent.',
      ),
    maxRetryWait: boundedDuration(0, 600_000, '60s', ['0s', '10m']).describe(
      'Longest wait before one retry of a rate-limited send, whatever Retry-After asks; 0s to 10m.',
    ),
    backoff: z
      .strictObject({
        initialDelay: boundedDuration(10, 300_000, '1s', ['10ms', '5m']).describe(
          'First wait of a rate-limited send without Retry-After; 10ms to 5m.',
        ),
        maxDelay: boundedDuration(10, 3_600_000, '30s', ['10ms', '1h']).describe(
          'Longest wait of a rate-limited send without Retry-After; 10ms to 1h, at least initialDelay.',
        ),
      })
      .refine((b) => b.maxDelay >= b.initialDelay, {
        error: 'maxDelay must be at least initialDelay',
        path: ['maxDelay'],
      })
      .prefault({})
      .describe('Backoff of a rate-limited send without Retry-After: doubling, with jitter.'),
  })
  .prefault({})
  .describe(
    'How sends are retried. Only sends that cannot have gone out are retried (refused connection, HTTP 429); a timeout or 5xx is not, so nothing is sent twice.',
  );

/** Config section of the `signal` plugin (`plugins.signal` in opsagent.yaml). Every field has an environment fallback or a default. */
export const signalConfigSchema = z
  .strictObject({
    apiUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Base URL of signal-cli-rest-api; else SIGNAL_API_URL, else http://localhost:8080.',
      ),
    number: z
      .string()
      .regex(/^\+[1-9]\d{5,14}$/, 'must be a number in international format, e.g. +4915112345678')
      .optional()
      .describe("The bot's own Signal number; else SIGNAL_NUMBER."),
    allowedSenders: z
      .array(
        z.string().refine(isSignalId, 'must be a number like +4915112345678 or an account uuid'),
      )
      .optional()
      .describe(
        'Numbers or uuids that may talk to the agent; else SIGNAL_ALLOWED_SENDERS (comma-separated). Others get no reply.',
      ),
    receive: z
      .enum(['auto', 'websocket', 'poll'])
      .default('auto')
      .describe('WebSocket (json-rpc mode) or polling (normal/native mode); auto reads /v1/about.'),
    textMode: z
      .enum(['styled', 'normal'])
      .default('styled')
      .describe('styled: bold, italic and monospace in Signal; normal: plain text.'),
    maxMessageLength: z
      .number()
      .int()
      .min(200)
      .max(20_000)
      .default(2000)
      .describe('Longest message in characters; longer answers are split at paragraph breaks.'),
    pollTimeout: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(10)
      .describe('Seconds one receive poll waits for messages (normal/native mode).'),
    heartbeat: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe(
        'WebSocket ping interval, ms; a connection that misses a ping is dropped and reopened.',
      ),
    reconnect: z
      .strictObject({
        initialDelay: z.number().int().min(10).default(1000).describe('First retry delay, ms.'),
        maxDelay: z.number().int().min(100).default(60_000).describe('Longest retry delay, ms.'),
      })
      .prefault({})
      .describe('WebSocket reconnection: exponential backoff with jitter.'),
    send: sendSchema,
  })
  .describe('Signal through signal-cli-rest-api.');

/** The validated config of the `signal` plugin. */
export type SignalConfig = z.output<typeof signalConfigSchema>;

/** Resolved settings: config first, then the environment, then defaults. */
export interface ResolvedSignalSettings {
  apiUrl: string;
  number: string;
  allowedSenders: string[];
}

/** Resolves the API URL, the number and the allowlist from config and environment; throws naming the variable to set. */
export function resolveSignalSettings(
  config: Pick<SignalConfig, 'apiUrl' | 'number' | 'allowedSenders'>,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedSignalSettings {
  const apiUrl = config.apiUrl ?? env.SIGNAL_API_URL ?? 'http://localhost:8080';
  if (!/^https?:\/\/[^/]/.test(apiUrl)) {
    throw new OpsAgentError(
      'CONFIG_INVALID',
      `SIGNAL_API_URL "${apiUrl}" is not an http(s) URL; set it to where signal-cli-rest-api listens, e.g. http://localhost:8080`,
      { category: 'user' },
    );
  }
  const number = config.number ?? env.SIGNAL_NUMBER?.trim();
  if (!number) {
    throw new OpsAgentError(
      'SIGNAL_NUMBER_MISSING',
      "the bot's Signal number is missing: set SIGNAL_NUMBER (e.g. +4915112345678) in the environment, or plugins.signal.number in opsagent.yaml",
      { category: 'user' },
    );
  }
  if (!/^\+[1-9]\d{5,14}$/.test(number)) {
    throw new OpsAgentError(
      'CONFIG_INVALID',
      `SIGNAL_NUMBER "${number}" must be in international format with a leading +, e.g. +4915112345678`,
      { category: 'user' },
    );
  }
  const allowedSenders =
    config.allowedSenders ?? parseAllowedSenders(env.SIGNAL_ALLOWED_SENDERS ?? '');
  const bad = allowedSenders.filter((s) => !isSignalId(s));
  if (bad.length > 0) {
    throw new OpsAgentError(
      'CONFIG_INVALID',
      `SIGNAL_ALLOWED_SENDERS has ${bad.map((b) => `"${b}"`).join(', ')}: each entry must be a number like +4915112345678 or an account uuid`,
      { category: 'user' },
    );
  }
  return { apiUrl, number, allowedSenders };
}

/** The channel options a validated config and resolved settings give (durations in ms). */
export function signalChannelOptions(
  config: SignalConfig,
  settings: ResolvedSignalSettings,
): SignalChannelOptions {
  return {
    apiUrl: settings.apiUrl,
    number: settings.number,
    allowedSenders: settings.allowedSenders,
    receive: config.receive,
    textMode: config.textMode,
    maxMessageLength: config.maxMessageLength,
    pollTimeoutSeconds: config.pollTimeout,
    heartbeatMs: config.heartbeat,
    reconnect: {
      initialDelayMs: config.reconnect.initialDelay,
      maxDelayMs: config.reconnect.maxDelay,
    },
    requestTimeoutMs: config.send.timeout,
    sendRetries: config.send.connectionRetries,
    rateLimitRetries: config.send.rateLimitRetries,
    maxRetryWaitMs: config.send.maxRetryWait,
    rateLimitBackoff: {
      initialDelayMs: config.send.backoff.initialDelay,
      maxDelayMs: config.send.backoff.maxDelay,
    },
  };
}

/**
 * The `signal` plugin: contributes the Signal channel and a doctor check that
 * signal-cli-rest-api answers and knows the number.
 */
export const signalPlugin: Plugin<typeof signalConfigSchema> = definePlugin({
  name: 'signal',
  version: '0.1.0',
  configSchema: signalConfigSchema,
  setup(ctx) {
    const settings = resolveSignalSettings(ctx.config, ctx.env);
    if (settings.allowedSenders.length === 0) {
      ctx.logger.warn(
        'SIGNAL_ALLOWED_SENDERS is empty: only senders listed under principals get answers',
      );
    }
    const channel = createSignalChannel({
      ...signalChannelOptions(ctx.config, settings),
      statePath: join(ctx.dataDir, 'signal-plans.json'),
      logger: ctx.logger,
    });
    const api = new SignalApi({ url: settings.apiUrl, number: settings.number, timeoutMs: 5_000 });
    return {
      channels: [channel],
      checks: [
        {
          name: 'signal api',
          async run({ signal }) {
            try {
              const about = await api.about(signal);
              const accounts = await api.accounts(signal);
              if (!accounts.includes(settings.number)) {
                return {
                  status: 'fail',
                  detail: `${settings.number} is not registered or linked at ${api.url}; link it via ${api.url}/v1/qrcodelink?device_name=opsagent`,
                };
              }
              const allow =
                settings.allowedSenders.length > 0
                  ? `${settings.allowedSenders.length} allowed sender(s)`
                  : 'no SIGNAL_ALLOWED_SENDERS set';
              return {
                status: settings.allowedSenders.length > 0 ? 'ok' : 'warn',
                detail: `signal-cli-rest-api ${about.version ?? '?'} (${about.mode ?? '?'} mode) at ${api.url}; ${settings.number} registered; ${allow}`,
              };
            } catch (error) {
              return { status: 'fail', detail: errorMessage(error) };
            }
          },
        },
      ],
    };
  },
});
