import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import type { Logger } from '../contracts/logger.js';
import type { Health } from '../contracts/message.js';
import type { Principal } from '../contracts/roles.js';
import type { StatusReport } from '../contracts/source.js';
import type {
  ApprovalRecord,
  ApprovalStatus,
  IncidentRecord,
  IncidentStatus,
  Store,
} from '../contracts/store.js';
import { OpsAgentError } from '../errors.js';
import { silentLogger } from '../logging/logger.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/registry.js';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.js';
import type { ApprovalService, DecisionOutcome } from '../runtime/approvals.js';
import type { Readiness } from '../runtime/readiness.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type ApiToken, BearerAuth } from './auth.js';
import type { ApiConfig, ListenAddress } from './config.js';
import { HttpError, parseJsonBody, readBody, sendError, sendJson, sendText } from './respond.js';

/** What the management API reads and acts on; an `Agent` is one. */
export interface ManagementTarget {
  /** Incidents and approvals. */
  readonly store: Store;
  /** The approval flow (exactly-once, expiry, roles, audit). */
  readonly approvals: Pick<ApprovalService, 'pending' | 'decide'>;
  /** Metrics rendered at `/metrics`. */
  readonly metrics: RuntimeMetrics;
  /** Every source's status, now. */
  status(): Promise<StatusReport[]>;
  /** Started, store reachable, channels up. */
  readiness(): Promise<Readiness>;
}

/** Options of {@link createManagementApi}. */
export interface ManagementApiOptions {
  /** The agent. */
  target: ManagementTarget;
  /** Accepted bearer tokens. None: only `/healthz`, `/readyz` (and open metrics) answer. */
  tokens: readonly ApiToken[];
  /** `token` (default): `/metrics` needs a token; `open`: it does not. */
  metrics?: ApiConfig['metrics'];
  /** Largest request body; default 16 KiB. */
  maxBodyBytes?: number;
  /** Logger; tokens and Authorization headers are never logged. */
  logger?: Logger;
  /** Time source. */
  clock?: Clock;
  /** How long `close()` lets requests in flight finish before cutting connections; default 5 s. */
  closeGraceMs?: number;
}

/** The management HTTP API. */
export interface ManagementApi {
  /** The request listener, for mounting in another server or for tests. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Starts listening; resolves with the bound address (port 0 picks one). */
  listen(address: ListenAddress): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, lets requests in flight finish (bounded), closes connections. Idempotent. */
  close(): Promise<void>;
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  principal: Principal | undefined;
}

type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  /** Label for metrics and logs, e.g. `/v1/incidents/:id`. */
  name: string;
  pattern: RegExp;
  /** `none`: open; `token`: bearer token; `metrics`: per the `metrics` option. */
  auth: 'none' | 'token' | 'metrics';
  methods: Partial<Record<'GET' | 'POST', Handler>>;
}

const ID = '([A-Za-z0-9_-]{1,64})';
const INCIDENT_STATUSES = ['pending', 'open', 'resolved'] as const satisfies IncidentStatus[];
const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'executing',
  'succeeded',
  'failed',
  'interrupted',
] as const satisfies ApprovalStatus[];
const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** A comma-separated list of enum values in a query parameter. */
function csvOf<T extends string>(values: readonly [T, ...T[]]) {
  return z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1));
}

const limitParam = z.coerce.number().int().min(1).max(500).default(50);
const sinceParam = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms !== undefined) return { ago: ms };
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    ctx.addIssue({
      code: 'custom',
      input: text,
      message: 'expected a duration such as 24h or an ISO time such as 2026-01-01T00:00:00Z',
    });
    return z.NEVER;
  }
  return { at };
});

const incidentQuery = z.strictObject({
  status: csvOf(INCIDENT_STATUSES).optional(),
  severity: csvOf(SEVERITIES).optional(),
  source: z.string().min(1).optional(),
  since: sinceParam.optional(),
  limit: limitParam,
});

const approvalQuery = z.strictObject({
  status: z.union([z.literal('all'), csvOf(APPROVAL_STATUSES)]).optional(),
  limit: limitParam,
});

const decisionBody = z
  .strictObject({
    reason: z.string().max(1000).optional(),
  })
  .optional();

function queryOf(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(query, key)) {
      throw new HttpError(400, 'invalid_query', `query parameter "${key}" is given twice`);
    }
    query[key] = value;
  }
  return query;
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return `unknown ${what}: ${issue.keys.join(', ')}`;
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new HttpError(400, `invalid_${what}`, `invalid ${what}: ${issues.join('; ')}`, { issues });
}

const HEALTH_ORDER: readonly Health[] = ['ok', 'unknown', 'warn', 'critical'];

function worst(healths: readonly Health[]): Health {
  return healths.reduce<Health>(
    (acc, h) => (HEALTH_ORDER.indexOf(h) > HEALTH_ORDER.indexOf(acc) ? h : acc),
    'ok',
  );
}

function decisionError(outcome: Exclude<DecisionOutcome, { status: 'decided' }>, id: string) {
  switch (outcome.status) {
    case 'not_found':
      return new HttpError(404, 'not_found', `no approval request "${id}"`);
    case 'forbidden':
      return new HttpError(
        403,
        'forbidden',
        `a ${outcome.approval.risk}-risk change needs the ${outcome.needed} role`,
        { needed: outcome.needed },
      );
    case 'expired':
      return new HttpError(
        410,
        'expired',
        `approval ${outcome.approval.id} expired at ${outcome.approval.expiresAt.toISOString()} and can no longer be decided`,
        { approval: outcome.approval },
      );
    case 'already_decided':
      return new HttpError(
        409,
        'already_decided',
        `approval ${outcome.approval.id} was already decided: ${outcome.approval.status}${outcome.approval.decidedBy ? ` by ${outcome.approval.decidedBy.name}` : ''}`,
        { outcome: outcome.approval.status, approval: outcome.approval },
      );
  }
}

/**
 * The management HTTP API over node:http: health and readiness (open), status, incidents and
 * approvals under `/v1` (bearer token), decisions through the runtime's approval flow with the
 * token's principal as decider, and Prometheus metrics at `/metrics`.
 */
export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  const { target } = options;
  const auth = new BearerAuth(options.tokens);
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  const metricsOpen = options.metrics === 'open';
  const requests = target.metrics.registry.counter(
    'opsagent_api_requests_total',
    'Management API requests by route and HTTP status.',
    ['route', 'status'],
  );

  const routes: Route[] = [
    {
      name: '/healthz',
      pattern: /^\/healthz$/,
      auth: 'none',
      methods: {
        GET: async ({ res }) => sendJson(res, 200, { status: 'ok' }),
      },
    },
    {
      name: '/readyz',
      pattern: /^\/readyz$/,
      auth: 'none',
      methods: {
        GET: async ({ res }) => {
          const readiness = await target.readiness();
          const reasons = readiness.checks
            .filter((c) => !c.ok)
            .map((c) => `${c.name}: ${c.detail}`);
          sendJson(res, readiness.ready ? 200 : 503, {
            ready: readiness.ready,
            ...(reasons.length > 0 ? { reasons } : {}),
            checks: readiness.checks,
          });
        },
      },
    },
    {
      name: '/metrics',
      pattern: /^\/metrics$/,
      auth: 'metrics',
      methods: {
        GET: async ({ res }) =>
          sendText(res, 200, await target.metrics.registry.render(), PROMETHEUS_CONTENT_TYPE),
      },
    },
    {
      name: '/v1/status',
      pattern: /^\/v1\/status$/,
      auth: 'token',
      methods: {
        GET: async ({ res }) => {
          const [reports, open, pending] = await Promise.all([
            target.status(),
            target.store.listIncidents({ status: ['open'] }),
            target.approvals.pending(),
          ]);
          const bySeverity = Object.fromEntries(
            SEVERITIES.map((s) => [s, open.filter((i) => i.severity === s).length]),
          );
          sendJson(res, 200, {
            health: worst(reports.map((r) => r.health)),
            generatedAt: clock.now().toISOString(),
            reports,
            incidents: { open: open.length, bySeverity },
            approvals: { pending: pending.length },
          });
        },
      },
    },
    {
      name: '/v1/incidents',
      pattern: /^\/v1\/incidents$/,
      auth: 'token',
      methods: {
        GET: async ({ res, url }) => {
          const query = parseWith(incidentQuery, queryOf(url), 'query');
          const all = await target.store.listIncidents(
            query.status ? { status: query.status } : {},
          );
          const since =
            query.since === undefined
              ? undefined
              : 'at' in query.since
                ? query.since.at
                : clock.now().getTime() - query.since.ago;
          const matching = all.filter(
            (incident: IncidentRecord) =>
              (!query.severity || query.severity.includes(incident.severity)) &&
              (!query.source || incident.source === query.source) &&
              (since === undefined || incident.lastSeenAt.getTime() >= since),
          );
          sendJson(res, 200, {
            incidents: matching.slice(0, query.limit),
            total: matching.length,
          });
        },
      },
    },
    {
      name: '/v1/incidents/:id',
      pattern: new RegExp(`^/v1/incidents/${ID}$`),
      auth: 'token',
      methods: {
        GET: async ({ res, params }) => {
          const id = params[0]!.toLowerCase();
          const incident = await target.store.getIncident(id);
          if (!incident) throw new HttpError(404, 'not_found', `no incident "${params[0]}"`);
          const approvals = (await target.store.listApprovals()).filter(
            (a) => a.incidentId === incident.id,
          );
          sendJson(res, 200, { incident, approvals });
        },
      },
    },
    {
      name: '/v1/approvals',
      pattern: /^\/v1\/approvals$/,
      auth: 'token',
      methods: {
        GET: async ({ res, url }) => {
          const query = parseWith(approvalQuery, queryOf(url), 'query');
          let approvals: ApprovalRecord[];
          if (query.status === undefined) approvals = await target.approvals.pending();
          else {
            // Expire what is due first, so a stale `pending` is never reported.
            await target.approvals.pending();
            approvals = await target.store.listApprovals(
              query.status === 'all' ? {} : { status: query.status },
            );
          }
          sendJson(res, 200, {
            approvals: approvals.slice(0, query.limit),
            total: approvals.length,
          });
        },
      },
    },
    {
      name: '/v1/approvals/:id',
      pattern: new RegExp(`^/v1/approvals/${ID}$`),
      auth: 'token',
      methods: {
        GET: async ({ res, params }) => {
          const approval = await target.store.getApproval(params[0]!.toLowerCase());
          if (!approval)
            throw new HttpError(404, 'not_found', `no approval request "${params[0]}"`);
          sendJson(res, 200, { approval });
        },
      },
    },
    ...(['approve', 'reject'] as const).map(
      (decision): Route => ({
        name: `/v1/approvals/:id/${decision}`,
        pattern: new RegExp(`^/v1/approvals/${ID}/${decision}$`),
        auth: 'token',
        methods: {
          POST: async ({ req, res, params, principal }) => {
            const body = parseWith(
              decisionBody,
              parseJsonBody(req, await readBody(req, maxBodyBytes)),
              'body',
            );
            const id = params[0]!;
            const outcome = await target.approvals.decide(
              id,
              decision,
              principal!,
              undefined,
              body?.reason,
            );
            if (outcome.status !== 'decided') throw decisionError(outcome, id);
            sendJson(res, 200, { outcome: outcome.approval.status, approval: outcome.approval });
          },
        },
      }),
    ),
  ];

  const unauthorized = () =>
    new HttpError(
      401,
      'unauthorized',
      'a valid bearer token is required',
      {},
      {
        'www-authenticate': 'Bearer realm="opsagent"',
      },
    );

  async function dispatch(ctx: RequestContext, route: Route | undefined): Promise<string> {
    const { req, url } = ctx;
    const needsToken =
      route?.auth === 'token' ||
      (route?.auth === 'metrics' && !metricsOpen) ||
      (!route && url.pathname.startsWith('/v1/'));
    if (needsToken) {
      ctx.principal = auth.authenticate(req.headers.authorization);
      if (!ctx.principal) throw unauthorized();
    }
    if (!route) throw new HttpError(404, 'not_found', `no endpoint ${url.pathname}`);
    const method = req.method ?? 'GET';
    const handler = Object.hasOwn(route.methods, method)
      ? route.methods[method as keyof Route['methods']]
      : undefined;
    if (!handler) {
      const allow = Object.keys(route.methods).join(', ');
      throw new HttpError(
        405,
        'method_not_allowed',
        `${method} is not allowed on ${route.name}; use ${allow}`,
        {},
        { allow },
      );
    }
    await handler(ctx);
    return route.name;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const route = routes.find((r) => r.pattern.test(url.pathname));
    const params = route ? (route.pattern.exec(url.pathname)?.slice(1) ?? []) : [];
    const ctx: RequestContext = { req, res, url, params, principal: undefined };
    const routeName = route?.name ?? 'unmatched';
    dispatch(ctx, route)
      .catch((error: unknown) => {
        if (!res.headersSent && (!res.socket || res.socket.destroyed)) {
          // The client went away mid-request: nobody to answer.
          logger.debug({ requestId, route: routeName }, 'client closed the request');
          return;
        }
        if (res.headersSent) {
          logger.error({ err: error, requestId }, 'management API response failed mid-way');
          res.destroy();
          return;
        }
        if (error instanceof HttpError) {
          sendError(res, error);
          return;
        }
        logger.error(
          { err: error, requestId, method: req.method, route: routeName },
          'management API request failed',
        );
        sendError(
          res,
          new HttpError(
            500,
            'internal',
            `internal error; see the agent's log (request ${requestId})`,
          ),
        );
      })
      .finally(() => {
        requests.inc({ route: routeName, status: String(res.statusCode) });
        logger.debug(
          {
            requestId,
            method: req.method,
            route: routeName,
            status: res.statusCode,
            principal: ctx.principal?.id,
            ms: Math.round(performance.now() - started),
          },
          'management API request',
        );
      });
  }

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  return {
    handle,
    async listen(address) {
      if (server) {
        throw new OpsAgentError('API_ALREADY_LISTENING', 'the management API is already listening');
      }
      const created = createServer(
        // Bounds on receiving a request (not on answering it: an approve waits for its run).
        { headersTimeout: 10_000, requestTimeout: 30_000 },
        handle,
      );
      created.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      created.on('clientError', (_error, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
      });
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          reject(
            new OpsAgentError(
              'API_LISTEN_FAILED',
              `the management API cannot listen on ${address.host}:${address.port}: ${error.code ?? error.message}${error.code === 'EADDRINUSE' ? ' (the port is in use; set api.listen or OPSAGENT_API_PORT)' : ''}`,
              { category: 'user', cause: error },
            ),
          );
        };
        created.once('error', onError);
        created.listen(address.port, address.host, () => {
          created.off('error', onError);
          resolve();
        });
      });
      server = created;
      const bound = created.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      const url = `http://${host}:${bound.port}`;
      logger.info({ url, tokens: options.tokens.length }, 'management API listening');
      return { host: bound.address, port: bound.port, url };
    },
    close() {
      if (!server) return Promise.resolve();
      const current = server;
      closing ??= new Promise<void>((resolve) => {
        const grace = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, options.closeGraceMs ?? 5_000);
        grace.unref();
        current.close(() => {
          clearTimeout(grace);
          resolve();
        });
        current.closeIdleConnections();
      });
      return closing;
    },
  };
}
