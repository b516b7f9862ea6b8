import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RecordedRequest } from './http-fake.js';

/** How the fake runs, as signal-cli-rest-api's `MODE`: `json-rpc` streams over a WebSocket, the others answer polls. */
export type FakeSignalMode = 'json-rpc' | 'normal' | 'native';

/** Options of {@link startFakeSignalServer}. */
export interface FakeSignalServerOptions {
  /** The bot's own number (the account); default `+15550000001`. */
  number?: string;
  /** Accounts `GET /v1/accounts` lists (registered or linked); default `[number]`. */
  accounts?: string[];
  /** `MODE`; default `json-rpc`. */
  mode?: FakeSignalMode;
  /**
   * Form of the `POST /v2/send` reply: `object` `{"timestamp":"…"}` as released versions (≤0.100)
   * answer, or `array` `[{"timestamp":"…"}]` as unreleased master does. Default `object`.
   */
  sendResponse?: 'object' | 'array';
  /**
   * Keep messages that arrive while no WebSocket is connected and deliver them on the next
   * connection (default true), as builds that subscribe per WebSocket do: signal-cli leaves them on
   * the Signal server. `false` drops them, as json-rpc mode in releases up to 0.100 does.
   */
  queueWhileDisconnected?: boolean;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Groups the account is in, for `GET /v1/groups/{number}` and for checking sends. */
  groups?: Array<{ internalId: string; name: string; members?: string[] }>;
}

/** A person sending the bot a message. */
export interface FakeSignalIncoming {
  /** Sender's number. */
  from: string;
  /** Sender's uuid; default one derived from the number. */
  uuid?: string;
  /** Sender's profile name. */
  name?: string;
  /** Text, or null for none. */
  text?: string | null;
  /** Group (internal id, as in `groupInfo.groupId`), when said in a group. */
  groupId?: string;
  /** Envelope timestamp (the message id); default a fresh, increasing one. */
  timestamp?: number;
}

/** A reaction a person puts on a message. */
export interface FakeSignalReaction {
  from: string;
  uuid?: string;
  emoji: string;
  /** Timestamp of the message reacted to. */
  targetTimestamp: number;
  /** Author of that message; default the bot's number. */
  targetAuthor?: string;
  /** True when the reaction is taken back. */
  remove?: boolean;
  groupId?: string;
}

/** One accepted `POST /v2/send`. */
export interface FakeSignalSend {
  /** The request body as sent. */
  body: {
    number: string;
    recipients: string[];
    message?: string;
    text_mode?: string;
    [key: string]: unknown;
  };
  /** Timestamp the fake assigned to the sent message. */
  timestamp: number;
}

/** One typing-indicator call. */
export interface FakeSignalTyping {
  action: 'start' | 'stop';
  recipient: string;
}

/** A scripted error for the next calls of a route. */
export interface FakeSignalError {
  status: number;
  /**
   * Body; default `{"error":"fake failure of <route>"}`, or for a 429 the shape
   * signal-cli-rest-api gives a Signal rate limit: `{"error","challenge_tokens":[…],"account"}`.
   */
  body?: unknown;
  /** Response headers, e.g. `{ 'retry-after': '5' }` (seconds or an HTTP date). */
  headers?: Record<string, string>;
  /** How many calls fail; default 1. */
  times?: number;
}

/** Routes that can be made to fail. */
export type FakeSignalRoute = 'about' | 'accounts' | 'send' | 'typing' | 'receive' | 'reactions';

/** A fake signal-cli-rest-api on 127.0.0.1, speaking its HTTP and WebSocket wire format. */
export interface FakeSignalServer {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (what `SIGNAL_API_URL` is set to). */
  readonly url: string;
  /** The bot's number. */
  readonly number: string;
  /** `MODE` the fake reports in `/v1/about`. */
  readonly mode: FakeSignalMode;
  /** Every HTTP request (WebSocket upgrades included). */
  readonly requests: RecordedRequest[];
  /** Accepted sends, in order. */
  readonly sent: FakeSignalSend[];
  /** Typing indicator calls, in order. */
  readonly typing: FakeSignalTyping[];
  /** A person writes to the bot; returns the envelope timestamp. */
  message(incoming: FakeSignalIncoming): number;
  /** A person reacts to a message; returns the envelope timestamp. */
  reaction(reaction: FakeSignalReaction): number;
  /** Delivers a raw frame (an object is JSON-encoded; a string goes as is, e.g. malformed JSON). */
  deliver(frame: unknown): void;
  /** The `{envelope, account}` frame the fake would deliver for `incoming`, without delivering it. */
  frameFor(incoming: FakeSignalIncoming): { envelope: Record<string, unknown>; account: string };
  /** Frames waiting for a receiver. */
  queued(): number;
  /** Open WebSocket connections. */
  connections(): number;
  /** Resolves once at least `count` WebSockets have connected since start (reconnections count). */
  waitForConnections(count: number): Promise<void>;
  /** Resolves with the sends once at least `count` have been accepted. */
  waitForSent(count: number): Promise<FakeSignalSend[]>;
  /** Resolves once a send matches. */
  waitForSend(match: (send: FakeSignalSend) => boolean): Promise<FakeSignalSend>;
  /** Drops every WebSocket abruptly (no close frame), as a network failure or a restart does. */
  dropConnections(): void;
  /**
   * Stops answering the client's pings and sending it frames while keeping the TCP connection
   * open: a half-open connection, as after a router restart. `false` restores it.
   */
  goSilent(silent: boolean): void;
  /** Makes the next calls of a route fail with this status and body. */
  failNext(route: FakeSignalRoute, error: FakeSignalError): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const DEFAULT_NUMBER = '+15550000001';

function uuidFor(number: string): string {
  const digits = number.replace(/\D/g, '').padStart(12, '0').slice(-12);
  return `00000000-0000-4000-8000-${digits}`;
}

function groupIdFor(internalId: string): string {
  return `group.${Buffer.from(internalId).toString('base64')}`;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function json(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * Starts a fake signal-cli-rest-api on 127.0.0.1 (port 0):
 * `GET /v1/about`, `GET /v1/health`, `GET /v1/accounts`, `GET /v1/groups/{n}`,
 * `GET /v1/receive/{n}` (a WebSocket in json-rpc mode, a poll returning a JSON array otherwise),
 * `POST /v2/send`, `PUT|DELETE /v1/typing-indicator/{n}`, `POST|DELETE /v1/reactions/{n}` and
 * `POST /v1/receipts/{n}`. Incoming messages and reactions are real envelope JSON.
 */
export async function startFakeSignalServer(
  options: FakeSignalServerOptions = {},
): Promise<FakeSignalServer> {
  const number = options.number ?? DEFAULT_NUMBER;
  const accounts = options.accounts ?? [number];
  const mode = options.mode ?? 'json-rpc';
  const keepQueued = options.queueWhileDisconnected ?? true;
  const groups = options.groups ?? [];
  const requests: RecordedRequest[] = [];
  const sent: FakeSignalSend[] = [];
  const typing: FakeSignalTyping[] = [];
  const queue: string[] = [];
  const sockets = new Set<WebSocket>();
  const failures = new Map<FakeSignalRoute, FakeSignalError[]>();
  const waiters = new Set<() => void>();
  const pollers = new Set<() => void>();
  let connectionCount = 0;
  let clock = Date.now();
  const nextTimestamp = () => {
    clock = Math.max(clock + 1, Date.now());
    return clock;
  };

  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const waitFor = <T>(ready: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        waiters.delete(check);
        resolve(value);
      };
      waiters.add(check);
      check();
    });

  const takeFailure = (route: FakeSignalRoute): FakeSignalError | undefined => {
    const list = failures.get(route);
    const head = list?.[0];
    if (!head || !list) return undefined;
    const remaining = (head.times ?? 1) - 1;
    if (remaining <= 0) list.shift();
    else list[0] = { ...head, times: remaining };
    return head;
  };

  const flush = () => {
    if (mode !== 'json-rpc') {
      for (const poller of [...pollers]) poller();
      return;
    }
    const open = [...sockets].filter((s) => s.readyState === s.OPEN);
    if (open.length === 0 || silent) return;
    while (queue.length > 0) {
      const frame = queue.shift()!;
      for (const socket of open) socket.send(frame);
    }
  };

  const deliver = (frame: unknown) => {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    const connected = [...sockets].some((s) => s.readyState === s.OPEN);
    if (mode === 'json-rpc' && !connected && !keepQueued) return;
    queue.push(text);
    flush();
  };

  const envelopeBase = (from: string, uuid: string | undefined, name: string | undefined) => {
    const timestamp = nextTimestamp();
    return {
      source: from,
      sourceNumber: from,
      sourceUuid: uuid ?? uuidFor(from),
      sourceName: name ?? from,
      sourceDevice: 1,
      timestamp,
      serverReceivedTimestamp: timestamp + 5,
      serverDeliveredTimestamp: timestamp + 9,
    };
  };

  const groupInfo = (groupId: string | undefined) => {
    if (!groupId) return {};
    const known = groups.find((g) => g.internalId === groupId);
    return {
      groupInfo: {
        groupId,
        groupName: known?.name ?? 'group',
        revision: 1,
        type: 'DELIVER',
      },
    };
  };

  const frameFor = (incoming: FakeSignalIncoming) => {
    const base = envelopeBase(incoming.from, incoming.uuid, incoming.name);
    const timestamp = incoming.timestamp ?? base.timestamp;
    return {
      envelope: {
        ...base,
        timestamp,
        dataMessage: {
          timestamp,
          message: incoming.text ?? null,
          expiresInSeconds: 0,
          viewOnce: false,
          ...groupInfo(incoming.groupId),
        },
      },
      account: number,
    };
  };

  const receiveNumber = (path: string): string | undefined => {
    const match = /^\/v1\/receive\/([^/?]+)/.exec(path);
    return match ? decodeURIComponent(match[1]!) : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: headersOf(req),
      body: await readBody(req),
    };
    requests.push(request);
    const url = new URL(request.path, 'http://fake');
    const path = url.pathname;
    const method = request.method;
    const failWith = (route: FakeSignalRoute): boolean => {
      const failure = takeFailure(route);
      if (!failure) return false;
      const body =
        failure.body ??
        (failure.status === 429
          ? {
              error: `fake rate limit of ${route} (429)`,
              challenge_tokens: ['fake-challenge-token'],
              account: number,
            }
          : { error: `fake failure of ${route}` });
      json(res, failure.status, body, failure.headers);
      return true;
    };
    const numberIn = (prefix: string) =>
      decodeURIComponent(path.slice(prefix.length).split('/')[0] ?? '');
    const knownAccount = (n: string) => {
      if (accounts.includes(n)) return true;
      json(res, 400, { error: `User ${n} is not registered.` });
      return false;
    };

    if (method === 'GET' && path === '/v1/about') {
      if (failWith('about')) return;
      json(res, 200, {
        versions: ['v1', 'v2'],
        build: 2,
        mode,
        version: '0.100',
        capabilities: { 'v2/send': ['quotes', 'mentions'] },
      });
      return;
    }
    if (method === 'GET' && path === '/v1/health') {
      json(res, 204);
      return;
    }
    if (method === 'GET' && path === '/v1/accounts') {
      if (failWith('accounts')) return;
      json(res, 200, accounts);
      return;
    }
    if (method === 'GET' && path.startsWith('/v1/groups/')) {
      if (!knownAccount(numberIn('/v1/groups/'))) return;
      json(
        res,
        200,
        groups.map((g) => ({
          id: groupIdFor(g.internalId),
          internal_id: g.internalId,
          name: g.name,
          members: g.members ?? [],
          admins: [],
          blocked: false,
          pending_invites: [],
          pending_requests: [],
          invite_link: '',
        })),
      );
      return;
    }
    if (method === 'GET' && path.startsWith('/v1/receive/')) {
      if (failWith('receive')) return;
      const account = receiveNumber(path)!;
      if (!knownAccount(account)) return;
      if (mode === 'json-rpc') {
        json(res, 400, { error: 'Receive is only supported over a WebSocket in json-rpc mode' });
        return;
      }
      const timeoutSeconds = Number(url.searchParams.get('timeout') ?? '1');
      const max = Number(url.searchParams.get('max_messages') ?? '0');
      const answer = () => {
        const count = max > 0 ? Math.min(max, queue.length) : queue.length;
        const frames = queue.splice(0, count);
        if (res.destroyed) {
          queue.unshift(...frames);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(`[${frames.join(',')}]`);
      };
      if (queue.length > 0) {
        answer();
        return;
      }
      // Like `signal-cli receive -t`: wait up to the timeout for something to arrive.
      const poller = () => {
        if (queue.length === 0) return;
        clearTimeout(timer);
        pollers.delete(poller);
        answer();
      };
      const timer = setTimeout(() => {
        pollers.delete(poller);
        answer();
      }, Math.max(0, timeoutSeconds) * 1000);
      pollers.add(poller);
      res.on('close', () => {
        clearTimeout(timer);
        pollers.delete(poller);
      });
      return;
    }
    if (method === 'POST' && path === '/v2/send') {
      if (failWith('send')) return;
      const body = request.body as FakeSignalSend['body'] | undefined;
      if (!body || typeof body !== 'object' || typeof body.number !== 'string') {
        json(res, 400, { error: "Couldn't process request - invalid request" });
        return;
      }
      if (!Array.isArray(body.recipients) || body.recipients.length === 0) {
        json(res, 400, {
          error: "Couldn't process request - please provide at least one recipient",
        });
        return;
      }
      if (!knownAccount(body.number)) return;
      const groupRecipients = body.recipients.filter((r) => r.startsWith('group.'));
      if (groupRecipients.length > 0 && groupRecipients.length !== body.recipients.length) {
        json(res, 400, {
          error:
            'Signal Messenger Groups and phone numbers cannot be specified together in one request! Please split them up into multiple REST API calls.',
        });
        return;
      }
      if (groupRecipients.length > 1) {
        json(res, 400, {
          error:
            'A signal message cannot be sent to more than one group at once! Please use multiple REST API calls for that.',
        });
        return;
      }
      const group = groupRecipients[0];
      if (group && groups.length > 0 && !groups.some((g) => groupIdFor(g.internalId) === group)) {
        json(res, 400, { error: `Failed to send message: Invalid group id ${group}` });
        return;
      }
      const timestamp = nextTimestamp();
      sent.push({ body, timestamp });
      notify();
      const stamp = { timestamp: String(timestamp) };
      json(res, 201, options.sendResponse === 'array' ? [stamp] : stamp);
      return;
    }
    if ((method === 'PUT' || method === 'DELETE') && path.startsWith('/v1/typing-indicator/')) {
      if (failWith('typing')) return;
      if (!knownAccount(numberIn('/v1/typing-indicator/'))) return;
      const recipient = (request.body as { recipient?: unknown } | undefined)?.recipient;
      if (typeof recipient !== 'string' || recipient === '') {
        json(res, 400, { error: "Couldn't process request - recipient missing" });
        return;
      }
      typing.push({ action: method === 'PUT' ? 'start' : 'stop', recipient });
      notify();
      json(res, 204);
      return;
    }
    if ((method === 'POST' || method === 'DELETE') && path.startsWith('/v1/reactions/')) {
      if (failWith('reactions')) return;
      if (!knownAccount(numberIn('/v1/reactions/'))) return;
      json(res, 204);
      return;
    }
    if (method === 'POST' && path.startsWith('/v1/receipts/')) {
      if (!knownAccount(numberIn('/v1/receipts/'))) return;
      json(res, 204);
      return;
    }
    json(res, 404, { error: `fake signal-cli-rest-api: no route for ${method} ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  let silent = false;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = req.url ?? '/';
    requests.push({ method: 'GET', path, headers: headersOf(req), body: undefined });
    const account = receiveNumber(path);
    const failure = account ? takeFailure('receive') : undefined;
    const refuse = (status: number, reason: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: reason })}`,
      );
    };
    if (!account) return refuse(404, 'Not Found');
    if (failure) return refuse(failure.status, 'Fake failure');
    if (mode !== 'json-rpc') return refuse(400, 'WebSocket receive needs json-rpc mode');
    if (!accounts.includes(account)) return refuse(400, `User ${account} is not registered.`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      connectionCount += 1;
      ws.on('close', () => {
        sockets.delete(ws);
        notify();
      });
      ws.on('error', () => sockets.delete(ws));
      ws.on('ping', (data) => {
        if (!silent) ws.pong(data);
      });
      notify();
      flush();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    number,
    mode,
    requests,
    sent,
    typing,
    message(incoming) {
      const frame = frameFor(incoming);
      deliver(frame);
      return frame.envelope.timestamp;
    },
    reaction(reaction) {
      const base = envelopeBase(reaction.from, reaction.uuid, undefined);
      const author = reaction.targetAuthor ?? number;
      deliver({
        envelope: {
          ...base,
          dataMessage: {
            timestamp: base.timestamp,
            message: null,
            expiresInSeconds: 0,
            viewOnce: false,
            reaction: {
              emoji: reaction.emoji,
              targetAuthor: author,
              targetAuthorNumber: author,
              targetAuthorUuid: uuidFor(author),
              targetSentTimestamp: reaction.targetTimestamp,
              isRemove: reaction.remove ?? false,
            },
            ...groupInfo(reaction.groupId),
          },
        },
        account: number,
      });
      return base.timestamp;
    },
    deliver,
    frameFor,
    queued: () => queue.length,
    connections: () => [...sockets].filter((s) => s.readyState === s.OPEN).length,
    waitForConnections: (count) =>
      waitFor(() => (connectionCount >= count ? (true as const) : undefined)).then(() => {}),
    waitForSent: (count) => waitFor(() => (sent.length >= count ? [...sent] : undefined)),
    waitForSend: (match) => waitFor(() => sent.find(match)),
    dropConnections() {
      for (const socket of sockets) socket.terminate();
      sockets.clear();
    },
    goSilent(value) {
      silent = value;
      if (!value) flush();
    },
    failNext(route, error) {
      const list = failures.get(route) ?? [];
      list.push(error);
      failures.set(route, list);
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      sockets.clear();
      for (const poller of pollers) poller();
      pollers.clear();
      waiters.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
