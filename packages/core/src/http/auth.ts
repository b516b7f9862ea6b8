import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../contracts/roles.js';

/** One accepted bearer token and the principal it acts as. */
export interface ApiToken {
  /** The secret token. */
  token: string;
  /** Who it acts as. */
  principal: Principal;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` headers. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, against every configured token with no early exit, so neither the length nor
 * the content of a token shows in response times. Tokens are kept only as digests.
 */
export class BearerAuth {
  private readonly entries: ReadonlyArray<{ digest: Buffer; principal: Principal }>;

  constructor(tokens: readonly ApiToken[]) {
    this.entries = tokens.map((t) => ({ digest: digest(t.token), principal: t.principal }));
  }

  /** True when no token is configured (then nothing but the open endpoints is reachable). */
  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The principal of a valid `Authorization` header value, else undefined. */
  authenticate(header: string | undefined): Principal | undefined {
    if (!header) return undefined;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) return undefined;
    const presented = digest(match[1]!);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && !found) found = entry.principal;
    }
    return found;
  }
}
