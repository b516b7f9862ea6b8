import { z } from 'zod';
import { OpsAgentError } from '../errors.js';

/** Where the management API listens when `api.listen` is not set: loopback only. */
export const DEFAULT_API_LISTEN = '127.0.0.1:8080';

/** Fewest characters an API token may have. */
export const MIN_TOKEN_LENGTH = 16;

/** `host:port`, `[v6]:port` or `:port`; port 0 picks a free one. */
const LISTEN = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/;

/** A `host:port` the API binds to. */
export interface ListenAddress {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0`, `::1`. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
}

/** Parses `host:port` (an empty host means 127.0.0.1); undefined when it is not one. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = LISTEN.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port > 65_535) return undefined;
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

const tokenSchema = z
  .strictObject({
    token: z
      .string()
      .min(MIN_TOKEN_LENGTH, {
        error: `expected a token of at least ${MIN_TOKEN_LENGTH} characters; generate one with \`openssl rand -hex 32\``,
      })
      .describe(
        'The bearer token; reference an environment variable (OPSAGENT_API_TOKEN) rather than writing it in the file.',
      ),
    principal: z
      .string()
      .min(1)
      .describe(
        'Id of the principal (from `principals`) the token acts as; its roles decide what it may approve.',
      ),
  })
  .describe('One API token and who it acts as.');

/**
 * The `api` section of opsagent.yaml: the management HTTP API that `opsagent run` serves when the
 * section is present.
 */
export const apiConfigSchema = z
  .strictObject({
    listen: z
      .string()
      .refine((text) => parseListen(text) !== undefined, {
        error: 'expected host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 or [::1]:8080',
      })
      .default(DEFAULT_API_LISTEN)
      .describe(
        'host:port to listen on; default 127.0.0.1:8080 (loopback only). `OPSAGENT_API_PORT` overrides the port.',
      ),
    tokens: z
      .array(tokenSchema)
      .default(() => [])
      .superRefine((tokens, ctx) => {
        const seen = new Set<string>();
        tokens.forEach((entry, index) => {
          if (seen.has(entry.token)) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'token'],
              input: '(token)',
              message: 'this token is listed twice; give each principal its own token',
            });
          }
          seen.add(entry.token);
        });
      })
      .describe('Bearer tokens; no token, no access (except /healthz, /readyz and open metrics).'),
    metrics: z
      .enum(['token', 'open'])
      .default('token')
      .describe('`token`: /metrics needs a bearer token like /v1; `open`: anyone who can connect.'),
    maxBodyBytes: z
      .number()
      .int()
      .min(256)
      .max(1_048_576)
      .default(16_384)
      .describe('Largest request body accepted; larger ones get 413.'),
  })
  .describe('The management HTTP API (health, status, incidents, approvals, metrics).');

/** A validated `api` section. */
export type ApiConfig = z.output<typeof apiConfigSchema>;

/**
 * Where the API listens: `api.listen`, with the port replaced by `OPSAGENT_API_PORT` when that is
 * set (for platforms that assign the port).
 *
 * @throws {OpsAgentError} `API_PORT_INVALID` when the variable is not a port number
 */
export function resolveListen(
  config: Pick<ApiConfig, 'listen'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ListenAddress {
  const address = parseListen(config.listen) ?? { host: '127.0.0.1', port: 8080 };
  const override = env.OPSAGENT_API_PORT?.trim();
  if (override === undefined || override === '') return address;
  const port = Number(override);
  if (!/^\d{1,5}$/.test(override) || port > 65_535) {
    throw new OpsAgentError(
      'API_PORT_INVALID',
      `OPSAGENT_API_PORT is "${override}"; expected a port number from 0 to 65535`,
      { category: 'user' },
    );
  }
  return { host: address.host, port };
}
