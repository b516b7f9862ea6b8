import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../contracts/logger.js';
import { SECRET_KEYS, SecretRedactor } from './redact.js';

/** Log levels, least to most severe. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Least severe level written; default `info`. */
  level?: LogLevel;
  /** Human-readable output; default: when the destination is a TTY. */
  pretty?: boolean;
  /** Where lines go; default standard error (standard output belongs to the console chat). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Secret values to scrub from every line, in addition to the known secret field names. */
  redactor?: SecretRedactor;
}

const redactPaths = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** A pino logger (JSON, or pretty on a TTY) with secrets redacted by field name and by value. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const redactor = options.redactor ?? new SecretRedactor();
  const usePretty = options.pretty ?? Boolean(destination.isTTY);
  const stream = usePretty
    ? pretty({
        destination,
        sync: true,
        colorize: Boolean(destination.isTTY),
        ignore: 'pid,hostname',
      })
    : destination;
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: redactPaths, censor: '[redacted]' },
      hooks: { streamWrite: (line) => redactor.redact(line) },
    },
    stream,
  );
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
