import { randomBytes } from 'node:crypto';

// No 0/o/1/l/i: ids are read off a phone and typed back in `approve <id>`.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short random id, easy to read and type, e.g. `k7m2qd`. */
export function shortId(length = 6): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
