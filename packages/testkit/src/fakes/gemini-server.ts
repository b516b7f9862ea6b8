import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A function call the fake model makes. */
export interface GeminiFakeCall {
  /** Function name. */
  name: string;
  /** Arguments (an object). */
  args?: Record<string, unknown>;
  /** Call id; omitted on the wire when not given, as Gemini often does. */
  id?: string;
  /** Opaque `thoughtSignature` sent on the part, as Gemini 3 models do. */
  thoughtSignature?: string;
}

/** Token counts of a scripted reply; anything left out is derived or zero. */
export interface GeminiFakeUsage {
  /** Prompt tokens (includes cached ones, as on the real API). */
  promptTokenCount?: number;
  /** Output tokens. */
  candidatesTokenCount?: number;
  /** Prompt tokens served from the context cache. */
  cachedContentTokenCount?: number;
  /** Thinking tokens. */
  thoughtsTokenCount?: number;
}

/** One scripted answer of the fake server, used by the next request. */
export interface GeminiFakeReply {
  /** Text of the answer. */
  text?: string;
  /** Function calls, in order (two or more make a parallel call). */
  functionCalls?: GeminiFakeCall[];
  /** `finishReason` of the candidate; `STOP` by default. */
  finishReason?: string;
  /** Token usage. */
  usage?: GeminiFakeUsage;
  /** HTTP status; 400 and above make an error reply. */
  status?: number;
  /** Raw JSON body sent instead of the built one (errors, odd shapes). */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Wait this long before answering (a client abort cancels the wait). */
  delayMs?: number;
}

/** A request the fake server received. */
export interface GeminiFakeRequest {
  /** HTTP method. */
  method: string;
  /** Path with query, e.g. `/v1/models/gemini-2.5-flash:generateContent`. */
  path: string;
  /** API version from the path, `v1` or `v1beta`. */
  apiVersion: string;
  /** Model from the path. */
  model: string;
  /** True for `:streamGenerateContent`. */
  stream: boolean;
  /** Request headers (lower-case names), e.g. `x-goog-api-key`. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body. */
  body: GeminiFakeRequestBody;
}

/** The parts of a generateContent body tests look at; everything else is kept as sent. */
export interface GeminiFakeRequestBody {
  contents?: Array<{ role?: string; parts?: Array<Record<string, unknown>> }>;
  systemInstruction?: { role?: string; parts?: Array<Record<string, unknown>> };
  tools?: Array<{ functionDeclarations?: Array<Record<string, unknown>> }>;
  generationConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Options of {@link createGeminiServer}. */
export interface GeminiServerOptions {
  /** When set, requests with another `x-goog-api-key` get Gemini's 400 `API_KEY_INVALID`. */
  apiKey?: string;
}

/** A local double of the Gemini API (`generateContent` and `streamGenerateContent?alt=sse`). */
export interface GeminiServer {
  /** Base URL for `httpOptions.baseUrl` / `GOOGLE_GEMINI_BASE_URL`, e.g. `http://127.0.0.1:4711`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: GeminiFakeRequest[];
  /** Replies not used yet. */
  readonly pending: number;
  /** Queues replies, used one per request in order; with none queued the server answers 500. */
  enqueue(...replies: GeminiFakeReply[]): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Google's error body, e.g. `geminiErrorBody(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded')`. */
export function geminiErrorBody(
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
): { error: { code: number; message: string; status: string; details: unknown[] } } {
  return { error: { code, message, status, details } };
}

/** A 429 with `RetryInfo`, as the Gemini API sends when a quota is exhausted. */
export function geminiRateLimited(retryDelaySeconds?: number): GeminiFakeReply {
  const details =
    retryDelaySeconds === undefined
      ? []
      : [
          {
            '@type': 'type.googleapis.com/google.rpc.RetryInfo',
            retryDelay: `${retryDelaySeconds}s`,
          },
        ];
  return {
    status: 429,
    body: geminiErrorBody(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details.',
      details,
    ),
  };
}

/** An error reply with Google's body for the status. */
export function geminiError(status: number, message?: string): GeminiFakeReply {
  const name = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
  return { status, body: geminiErrorBody(status, name, message ?? `fake gemini ${name}`) };
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const ROUTE = /^\/(v1|v1beta)\/models\/([^/:?]+):(generateContent|streamGenerateContent)(?:\?|$)/;

/** Starts the double on 127.0.0.1 with a free port. */
export async function createGeminiServer(options: GeminiServerOptions = {}): Promise<GeminiServer> {
  const queue: GeminiFakeReply[] = [];
  const requests: GeminiFakeRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const route = ROUTE.exec(path);
      if (req.method !== 'POST' || !route) {
        sendJson(res, 404, geminiErrorBody(404, 'NOT_FOUND', `fake gemini: no route ${path}`));
        return;
      }
      let body: GeminiFakeRequestBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as GeminiFakeRequestBody;
      } catch {
        sendJson(res, 400, geminiErrorBody(400, 'INVALID_ARGUMENT', 'fake gemini: invalid JSON'));
        return;
      }
      const stream = route[3] === 'streamGenerateContent';
      requests.push({
        method: req.method,
        path,
        apiVersion: route[1] ?? '',
        model: decodeURIComponent(route[2] ?? ''),
        stream,
        headers: req.headers,
        body,
      });
      if (options.apiKey !== undefined && req.headers['x-goog-api-key'] !== options.apiKey) {
        sendJson(res, 400, invalidKeyBody());
        return;
      }
      const reply = queue.shift() ?? geminiError(500, 'fake gemini: no scripted reply left');
      const answer = () => respond(res, reply, stream);
      if (!reply.delayMs) {
        answer();
        return;
      }
      const timer = setTimeout(answer, reply.delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get pending() {
      return queue.length;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function respond(res: ServerResponse, reply: GeminiFakeReply, stream: boolean): void {
  if (res.destroyed) return;
  const status = reply.status ?? 200;
  if (status >= 400) {
    sendJson(res, status, reply.body ?? geminiError(status).body, reply.headers);
    return;
  }
  const body = reply.body ?? buildResponse(reply);
  if (!stream) {
    sendJson(res, status, body, reply.headers);
    return;
  }
  res.writeHead(status, { 'content-type': 'text/event-stream', ...reply.headers });
  for (const event of reply.body === undefined ? streamEvents(reply) : [body]) {
    res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
  }
  res.end();
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function replyParts(reply: GeminiFakeReply): Array<Record<string, unknown>> {
  const parts: Array<Record<string, unknown>> = [];
  if (reply.text) parts.push({ text: reply.text });
  for (const call of reply.functionCalls ?? []) {
    const functionCall: Record<string, unknown> = { name: call.name, args: call.args ?? {} };
    if (call.id !== undefined) functionCall.id = call.id;
    const part: Record<string, unknown> = { functionCall };
    if (call.thoughtSignature !== undefined) part.thoughtSignature = call.thoughtSignature;
    parts.push(part);
  }
  return parts;
}

function usageMetadata(reply: GeminiFakeReply): Record<string, number> {
  const prompt = reply.usage?.promptTokenCount ?? 10;
  const output = reply.usage?.candidatesTokenCount ?? 5;
  const usage: Record<string, number> = {
    promptTokenCount: prompt,
    candidatesTokenCount: output,
    totalTokenCount: prompt + output + (reply.usage?.thoughtsTokenCount ?? 0),
  };
  if (reply.usage?.cachedContentTokenCount !== undefined) {
    usage.cachedContentTokenCount = reply.usage.cachedContentTokenCount;
  }
  if (reply.usage?.thoughtsTokenCount !== undefined) {
    usage.thoughtsTokenCount = reply.usage.thoughtsTokenCount;
  }
  return usage;
}

function buildResponse(reply: GeminiFakeReply): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: replyParts(reply) },
        finishReason: reply.finishReason ?? 'STOP',
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(reply),
    modelVersion: 'fake-gemini',
    responseId: 'fake-response',
  };
}

/** One event per part; the last one carries the finish reason and usage, as Gemini streams. */
function streamEvents(reply: GeminiFakeReply): Array<Record<string, unknown>> {
  const parts = replyParts(reply);
  if (parts.length === 0) parts.push({ text: '' });
  return parts.map((part, index) => {
    const last = index === parts.length - 1;
    const candidate: Record<string, unknown> = {
      content: { role: 'model', parts: [part] },
      index: 0,
    };
    if (last) candidate.finishReason = reply.finishReason ?? 'STOP';
    const event: Record<string, unknown> = {
      candidates: [candidate],
      modelVersion: 'fake-gemini',
      responseId: 'fake-response',
    };
    if (last) event.usageMetadata = usageMetadata(reply);
    return event;
  });
}

function invalidKeyBody(): unknown {
  return geminiErrorBody(
    400,
    'INVALID_ARGUMENT',
    'API key not valid. Please pass a valid API key.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
      },
    ],
  );
}
