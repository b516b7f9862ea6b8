import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Largest value `setValue` takes: 8 MiB of UTF-8. Larger values are refused, nothing written. */
export const MAX_VALUE_BYTES = 8 * 1024 * 1024;

/**
 * Largest value (UTF-8 bytes, or bytes after gzip) kept in the head item itself. With a key of at
 * most 2 KB and the other attributes, the item stays under DynamoDB's 400 KB limit.
 */
export const INLINE_MAX_BYTES = 350 * 1024;

/** Bytes of gzip data per part item (same bound as an inline value). */
export const PART_BYTES = 350 * 1024;

/** How a value is stored: inline text, inline gzip, or gzip split over part items. */
export type EncodedValue =
  | { kind: 'text'; text: string }
  | { kind: 'gzip'; data: Buffer }
  | { kind: 'parts'; parts: Buffer[]; size: number; sha256: string };

/**
 * Chooses how to store `value` of `bytes` UTF-8 bytes (at most {@link MAX_VALUE_BYTES}): as text
 * when it fits one item, else gzipped in the item when that fits, else gzipped over parts.
 */
export function encodeValue(value: string, bytes: number): EncodedValue {
  if (bytes <= INLINE_MAX_BYTES) return { kind: 'text', text: value };
  const data = gzipSync(value);
  if (data.byteLength <= INLINE_MAX_BYTES) return { kind: 'gzip', data };
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.byteLength; offset += PART_BYTES) {
    parts.push(data.subarray(offset, offset + PART_BYTES));
  }
  return { kind: 'parts', parts, size: data.byteLength, sha256: digest(data) };
}

/** The value from gzip data stored inline. */
export function decodeGzip(data: Uint8Array): string {
  return gunzipSync(data).toString('utf8');
}

/**
 * The value from its parts, in order; throws a plain Error (the caller adds the key) when the
 * joined bytes do not have the size and SHA-256 the head item recorded.
 */
export function joinParts(parts: Uint8Array[], size: number, sha256: string): string {
  const data = Buffer.concat(parts);
  if (data.byteLength !== size) {
    throw new Error(`the parts hold ${data.byteLength} bytes, the head recorded ${size}`);
  }
  if (digest(data) !== sha256) throw new Error('the parts do not match the recorded SHA-256');
  return gunzipSync(data).toString('utf8');
}

function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
