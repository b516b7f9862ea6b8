import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

/** One request a fake server received. */
export interface RecordedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path with query, e.g. `/v1/messages`. */
  path: string;
  /** Headers, lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON body (the raw text when it is not JSON; undefined when empty). */
  body: unknown;
}

/** An HTTP error reply: status, headers and a body (JSON-encoded unless a string). */
export interface FakeHttpError {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A raw reply the fake writes as is. */
export interface FakeHttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The shared machinery of the wire fakes: a queue of replies and the requests seen. */
export interface HttpFake<Step> {
  readonly url: string;
  readonly requests: RecordedRequest[];
  push(...steps: Step[]): void;
  pending(): number;
  close(): Promise<void>;
}

/** How a fake turns the next step (undefined when the queue is empty) into a reply. */
export type StepHandler<Step> = (
  step: Step | undefined,
  request: RecordedRequest,
) => { reply: FakeHttpReply; delayMs?: number | undefined };

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

function headersOf(req: AnyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (`:path`, `:method`) are not headers.
    if (value !== undefined && !name.startsWith(':')) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return out;
}

async function readBody(req: AnyRequest): Promise<unknown> {
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

/** A JSON reply. */
export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): FakeHttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/**
 * Starts a node:http server on 127.0.0.1 (port 0). Requests that `accepts` consume the next step;
 * others get 404. `basePath` is appended to the origin to form `url`. With `protocol: 'h2c'` it
 * speaks HTTP/2 over cleartext (prior knowledge), as clients that default to HTTP/2 expect.
 */
export async function startHttpFake<Step>(options: {
  steps?: Step[] | undefined;
  basePath: string;
  protocol?: 'http1' | 'h2c';
  accepts(request: RecordedRequest): boolean;
  /** Answers fixed routes (e.g. a models list) without consuming a step; undefined: not one. */
  fixed?(request: RecordedRequest): FakeHttpReply | undefined;
  handle: StepHandler<Step>;
}): Promise<HttpFake<Step>> {
  const queue = [...(options.steps ?? [])];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const respond = (res: AnyResponse, reply: FakeHttpReply) => {
    if (res.destroyed || res.writableEnded) return;
    (res as ServerResponse).writeHead(reply.status, reply.headers);
    res.end(reply.body);
  };

  const listener = (req: AnyRequest, res: AnyResponse) => {
    void (async () => {
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: headersOf(req),
        body: await readBody(req),
      };
      requests.push(request);
      const fixed = options.fixed?.(request);
      if (fixed) {
        respond(res, fixed);
        return;
      }
      if (!options.accepts(request)) {
        respond(
          res,
          jsonReply(404, {
            error: { message: `fake: no route for ${request.method} ${request.path}` },
          }),
        );
        return;
      }
      const outcome = options.handle(queue.shift(), request);
      if (outcome.delayMs && outcome.delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          respond(res, outcome.reply);
        }, outcome.delayMs);
        timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      respond(res, outcome.reply);
    })().catch((error: unknown) => {
      respond(res, jsonReply(500, { error: { message: `fake: ${String(error)}` } }));
    });
  };
  const sessions = new Set<Http2Session>();
  const server =
    options.protocol === 'h2c'
      ? createHttp2Server(listener).on('session', (session) => {
          sessions.add(session);
          session.on('close', () => sessions.delete(session));
        })
      : createServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${options.basePath}`,
    requests,
    push: (...steps) => {
      queue.push(...steps);
    },
    pending: () => queue.length,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if ('closeAllConnections' in server) server.closeAllConnections();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
