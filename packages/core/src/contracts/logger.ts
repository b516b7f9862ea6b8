/** One log method: pino's shapes, a message alone or structured fields first. */
export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

/**
 * The narrow logger the kernel hands to every plugin (`logger.child({ plugin })`).
 * pino satisfies it; plugins never import pino themselves.
 */
export interface Logger {
  /** Very detailed tracing, off by default. */
  trace: LogFn;
  /** Diagnostic detail. */
  debug: LogFn;
  /** Normal operation. */
  info: LogFn;
  /** Something unexpected that the agent survived. */
  warn: LogFn;
  /** A failure of one operation. */
  error: LogFn;
  /** A logger that adds `bindings` to every record. */
  child(bindings: Record<string, unknown>): Logger;
}
