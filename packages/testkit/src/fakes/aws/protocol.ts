/** Wire helpers shared by the fake AWS services. */

/** A reply the fake server writes as is. */
export interface AwsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An AWS error a test injects: the service's error code and an HTTP status. */
export interface AwsFault {
  /** Error code, e.g. `RequestLimitExceeded`, `ThrottlingException`, `LimitExceededException`. */
  code: string;
  /** HTTP status; defaults to the service's usual status for throttling. */
  status?: number;
  message?: string;
}

export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** `<name>value</name>` with the value escaped, or nothing when the value is undefined. */
export function xmlTag(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

export function xmlReply(status: number, body: string): AwsReply {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): AwsReply {
  return {
    status,
    headers: { 'content-type': contentType, ...headers },
    body: JSON.stringify(body),
  };
}

/** An opaque page token that holds an offset into a list. */
export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64');
}

/** Reads a token made by {@link encodeToken}; undefined when it is malformed. */
export function decodeToken(token: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown };
    return typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0
      ? parsed.o
      : undefined;
  } catch {
    return undefined;
  }
}

/** The region a SigV4-signed request was signed for (`Credential=AKID/date/<region>/service/...`). */
export function signedRegion(headers: Record<string, string>): string | undefined {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(headers.authorization ?? '');
  return match?.[1];
}

/** The access key id a SigV4-signed request was signed with (`Credential=<AKID>/...`). */
export function signedAccessKeyId(headers: Record<string, string>): string | undefined {
  const match = /Credential=([^/,\s]+)\//.exec(headers.authorization ?? '');
  return match?.[1];
}

let requestCounter = 0;
export function requestId(): string {
  requestCounter += 1;
  return `00000000-0000-4000-8000-${requestCounter.toString(16).padStart(12, '0')}`;
}
