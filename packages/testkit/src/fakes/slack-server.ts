import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call (or response_url post) the fake received. */
export interface SlackApiCall {
  /** Web API method, e.g. `chat.postMessage`; `response_url` for posts to a response URL. */
  method: string;
  /** Arguments: form fields with JSON-looking values (blocks, attachments) parsed, or the JSON body. */
  args: Record<string, unknown>;
  /** Bearer token from the Authorization header, if any. */
  token: string | undefined;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The HTTP status the fake answered with. */
  status: number;
}

/** A message as the fake keeps it (after any `chat.update`). */
export interface SlackFakeMessage {
  channel: string;
  ts: string;
  /** Parent ts when posted into a thread. */
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Set for `chat.postEphemeral`. */
  user?: string;
  /** How many times `chat.update` changed it. */
  updates: number;
}

/** A scripted failure for the next calls of a method. */
export type SlackFakeFailure =
  /** HTTP 429 with `Retry-After: <retryAfter>` (seconds). */
  | { kind: 'rate_limited'; retryAfter: number }
  /** An HTTP error status (5xx) with a plain body. */
  | { kind: 'http'; status: number }
  /** HTTP 200 with `{ ok: false, error }`, e.g. `channel_not_found`. */
  | { kind: 'error'; error: string };

/** Options of {@link startFakeSlackServer}. */
export interface FakeSlackServerOptions {
  /** Bot token accepted on Web API calls; calls with another token get `invalid_auth`. Default: any. */
  botToken?: string;
  /** App-level token accepted by `apps.connections.open`. Default: any `xapp-` token. */
  appToken?: string;
  /** `auth.test` identity. */
  identity?: { user_id?: string; bot_id?: string; team_id?: string; team?: string; user?: string };
  /** URL returned by `apps.connections.open` (a Socket Mode fake); settable later with `setSocketUrl`. */
  socketUrl?: string;
}

/** A fake Slack Web API on 127.0.0.1 with a recorder of calls and a store of posted messages. */
export interface FakeSlackServer {
  /** Web API base URL, with the trailing slash (`slackApiUrl` / `SLACK_API_URL`). */
  readonly url: string;
  /** Base of response URLs the fake hands out: `${origin}/response/<id>`. */
  readonly responseUrlBase: string;
  /** Every call, in order. */
  readonly calls: SlackApiCall[];
  /** Messages by `channel:ts`, latest content. */
  readonly messages: Map<string, SlackFakeMessage>;
  /** Calls of one method. */
  callsTo(method: string): SlackApiCall[];
  /** A posted message by channel and ts. */
  message(channel: string, ts: string): SlackFakeMessage | undefined;
  /** Messages of one thread (parent ts), oldest first, excluding ephemeral ones. */
  thread(channel: string, threadTs: string): SlackFakeMessage[];
  /** The next `times` calls of `method` (or of any method with `*`) fail this way. */
  fail(method: string, failure: SlackFakeFailure, times?: number): void;
  /** Sets the URL `apps.connections.open` returns. */
  setSocketUrl(url: string): void;
  /** Resolves once `predicate` holds for the recorded calls; rejects after `timeoutMs` (default 5 s). */
  waitFor(predicate: (calls: SlackApiCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Form fields, with values that look like JSON arrays or objects parsed (as the SDK stringifies them). */
function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const trimmed = value.trim();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      try {
        out[key] = JSON.parse(trimmed) as unknown;
        continue;
      } catch {
        // a plain string that happens to start with a bracket
      }
    }
    out[key] = value;
  }
  return out;
}

function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.includes('application/json')) {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }
  return parseForm(text);
}

/**
 * Starts a fake Slack Web API on 127.0.0.1. It speaks the wire format the official client uses:
 * `POST /api/<method>`, form-encoded (or JSON) arguments, `Authorization: Bearer`, HTTP 200 with
 * `{ ok, ... }`; scripted failures give 429 with `Retry-After`, a 5xx, or `{ ok: false, error }`.
 * It implements `auth.test`, `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
 * `chat.delete`, `reactions.add`/`remove`, `apps.connections.open`, `users.info`, and accepts
 * posts to response URLs (`responseUrlBase/<id>`). Unknown methods answer `unknown_method`.
 */
export async function startFakeSlackServer(
  options: FakeSlackServerOptions = {},
): Promise<FakeSlackServer> {
  const calls: SlackApiCall[] = [];
  const messages = new Map<string, SlackFakeMessage>();
  const failures: Array<{ method: string; failure: SlackFakeFailure; left: number }> = [];
  const waiters = new Set<() => void>();
  let socketUrl = options.socketUrl;
  let tsCounter = 0;
  const identity = {
    user_id: 'U_BOT',
    bot_id: 'B_BOT',
    team_id: 'T_FAKE',
    team: 'Fake Team',
    user: 'opsagent',
    ...options.identity,
  };
  const baseSeconds = Math.floor(Date.now() / 1000);
  const nextTs = () => {
    tsCounter += 1;
    return `${baseSeconds}.${String(tsCounter).padStart(6, '0')}`;
  };

  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    if (res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
      ...headers,
    });
    res.end(text);
  };

  const takeFailure = (method: string): SlackFakeFailure | undefined => {
    const index = failures.findIndex((f) => f.method === method || f.method === '*');
    if (index < 0) return undefined;
    const entry = failures[index]!;
    entry.left -= 1;
    if (entry.left <= 0) failures.splice(index, 1);
    return entry.failure;
  };

  const str = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

  const handle = (
    method: string,
    args: Record<string, unknown>,
    token: string | undefined,
  ): Record<string, unknown> => {
    if (method === 'apps.connections.open') {
      if (!token || !(options.appToken ? token === options.appToken : token.startsWith('xapp-')))
        return { ok: false, error: 'invalid_auth' };
      if (!socketUrl) return { ok: false, error: 'fake: no socket URL set' };
      return { ok: true, url: socketUrl };
    }
    if (!token) return { ok: false, error: 'not_authed' };
    if (options.botToken && token !== options.botToken) return { ok: false, error: 'invalid_auth' };
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.com/', ...identity };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        const channel = str(args.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const text = str(args.text) ?? '';
        const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined;
        if (!text && !blocks) return { ok: false, error: 'no_text' };
        const ts = nextTs();
        const threadTs = str(args.thread_ts);
        const user = method === 'chat.postEphemeral' ? str(args.user) : undefined;
        if (method === 'chat.postEphemeral' && !user) return { ok: false, error: 'user_not_found' };
        messages.set(`${channel}:${ts}`, {
          channel,
          ts,
          text,
          updates: 0,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(blocks ? { blocks } : {}),
          ...(user ? { user } : {}),
        });
        if (method === 'chat.postEphemeral') return { ok: true, message_ts: ts };
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            text,
            user: identity.user_id,
            bot_id: identity.bot_id,
            ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        };
      }
      case 'chat.update': {
        const channel = str(args.channel);
        const ts = str(args.ts);
        const existing = channel && ts ? messages.get(`${channel}:${ts}`) : undefined;
        if (!existing || existing.user) return { ok: false, error: 'message_not_found' };
        const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined;
        existing.text = str(args.text) ?? existing.text;
        if (blocks) existing.blocks = blocks;
        existing.updates += 1;
        return { ok: true, channel, ts, text: existing.text };
      }
      case 'chat.delete': {
        const key = `${str(args.channel)}:${str(args.ts)}`;
        if (!messages.delete(key)) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case 'reactions.add':
      case 'reactions.remove': {
        const key = `${str(args.channel)}:${str(args.timestamp)}`;
        if (!str(args.name)) return { ok: false, error: 'invalid_name' };
        if (!messages.has(key) && !str(args.timestamp)) return { ok: false, error: 'no_item' };
        return { ok: true };
      }
      case 'users.info': {
        const user = str(args.user);
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: user, name: user.toLowerCase(), real_name: user, is_bot: false },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const headers = headersOf(req);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const auth = headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
      let args: Record<string, unknown>;
      try {
        args = parseBody(text, headers['content-type']);
      } catch {
        send(res, 400, 'invalid_json');
        return;
      }
      const record = (method: string, status: number) => {
        calls.push({ method, args, token: token ?? str(args.token), headers, status });
        notify();
      };
      if (req.method === 'POST' && path.startsWith('/response/')) {
        const failure = takeFailure('response_url');
        if (failure?.kind === 'http') {
          record('response_url', failure.status);
          send(res, failure.status, 'fake failure');
          return;
        }
        record('response_url', 200);
        send(res, 200, 'ok');
        return;
      }
      if (req.method !== 'POST' || !path.startsWith('/api/')) {
        record(`${req.method} ${path}`, 404);
        send(res, 404, 'not found');
        return;
      }
      const method = path.slice('/api/'.length);
      const failure = takeFailure(method);
      if (failure?.kind === 'rate_limited') {
        record(method, 429);
        send(
          res,
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(failure.retryAfter) },
        );
        return;
      }
      if (failure?.kind === 'http') {
        record(method, failure.status);
        send(res, failure.status, 'fake upstream failure');
        return;
      }
      const result =
        failure?.kind === 'error'
          ? { ok: false, error: failure.error }
          : handle(method, args, token ?? str(args.token));
      record(method, 200);
      send(res, 200, result);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/api/`,
    responseUrlBase: `${origin}/response`,
    calls,
    messages,
    callsTo: (method) => calls.filter((c) => c.method === method),
    message: (channel, ts) => messages.get(`${channel}:${ts}`),
    thread: (channel, threadTs) =>
      [...messages.values()].filter(
        (m) => m.channel === channel && !m.user && (m.thread_ts === threadTs || m.ts === threadTs),
      ),
    fail: (method, failure, times = 1) => {
      failures.push({ method, failure, left: times });
    },
    setSocketUrl: (url) => {
      socketUrl = url;
    },
    waitFor: (predicate, timeoutMs = 5_000) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(calls)) {
          resolve();
          return;
        }
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake slack: condition not met within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
