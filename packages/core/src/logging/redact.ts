/** Field names whose values are never logged, at any depth. */
export const SECRET_KEYS = [
  'token',
  'apiKey',
  'api_key',
  'secret',
  'password',
  'passphrase',
  'authorization',
  'signingSecret',
  'privateKey',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
] as const;

const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every occurrence of known secret values in `text` with `[redacted]`.
 * Secret values come from the environment (names that look like secrets) and config.
 */
export class SecretRedactor {
  private readonly values = new Set<string>();

  /** Adds values to hide; short values are ignored (they would redact ordinary words). */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (value && value.length >= MIN_SECRET_LENGTH) this.values.add(value);
    }
  }

  /** Adds the values of env vars whose names look like secrets (`*_TOKEN`, `*_KEY`, ...). */
  addFromEnv(env: Readonly<Record<string, string | undefined>>): void {
    for (const [name, value] of Object.entries(env)) {
      if (/(TOKEN|SECRET|PASSWORD|PASSPHRASE|API_KEY|_KEY$|ACCESS_KEY)/i.test(name))
        this.add(value);
    }
  }

  /** `text` with every known secret replaced. */
  redact(text: string): string {
    let out = text;
    for (const value of this.values) {
      if (out.includes(value)) out = out.split(value).join('[redacted]');
    }
    return out;
  }

  /**
   * `value` with every string in it redacted, at any depth (plain objects and arrays are copied;
   * dates and other objects are kept as they are). For messages, history and audit records.
   */
  redactDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value !== null && typeof value === 'object') {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.walk(item);
      return out;
    }
    return value;
  }
}
