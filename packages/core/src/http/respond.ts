import type { IncomingMessage, ServerResponse } from 'node:http';

/** A failed request, answered as `{ "error": { "code", "message" } }` with `status`. */
export class HttpError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Stable machine-readable code, e.g. `not_found`. */
    readonly code: string,
    message: string,
    /** Extra response fields (never secrets). */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** Sends `body` as JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Sends plain text (e.g. the Prometheus exposition). */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Sends an {@link HttpError}. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message }, ...error.extra },
    error.headers,
  );
}

/**
 * Reads a request body of at most `limit` bytes. A declared or actual length over the limit is a
 * 413; the rest of the body is drained (not kept) so the client can read the answer.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(
      413,
      'payload_too_large',
      `request body is larger than ${limit} bytes`,
      {},
      {
        connection: 'close',
      },
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON request body; empty means `undefined`. 400 for malformed JSON, 415 for other types. */
export function parseJsonBody(req: IncomingMessage, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `expected an application/json body, got ${type}`,
    );
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new HttpError(
      400,
      'invalid_json',
      `the body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`,
    );
  }
}
