import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  errorMessage,
  type Logger,
  type ModelTask,
  SECRET_KEYS,
  type SecretRedactor,
  silentLogger,
  type TokenUsage,
} from '@opsagent/core';

/** Options of {@link createInteractionLog}. */
export interface InteractionLogOptions {
  /** Folder of the log, usually the data directory; created when missing. */
  dir: string;
  /** File name; default `llm.jsonl`. */
  fileName?: string;
  /** Size at which the file rotates; default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one (`llm.jsonl.1` is the newest); default 5. */
  keep?: number;
  /** Hides known secret values in every string of every entry. */
  redactor?: SecretRedactor;
  /** False turns the log off (writes do nothing); default true. */
  enabled?: boolean;
  /** Where a failing write is reported (once); a broken log never fails a model call. */
  logger?: Logger;
}

/** An append-only JSONL record of model calls. */
export interface InteractionLog {
  /** False when turned off. */
  readonly enabled: boolean;
  /** Path of the current file. */
  readonly path: string;
  /** Appends one entry as a JSON line, secrets redacted, rotating first when the file is full. */
  write(entry: Record<string, unknown>): void;
}

const SECRET_FIELDS = new Set<string>(SECRET_KEYS.map((k) => k.toLowerCase()));

/** Creates the LLM interaction log (JSONL, size-rotated, redacted). */
export function createInteractionLog(options: InteractionLogOptions): InteractionLog {
  const path = join(options.dir, options.fileName ?? 'llm.jsonl');
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = Math.max(0, options.keep ?? 5);
  const enabled = options.enabled ?? true;
  const logger = options.logger ?? silentLogger;
  let size: number | undefined;
  let warned = false;

  const rotate = () => {
    const rotated = (n: number) => `${path}.${n}`;
    if (keep === 0) {
      unlinkSync(path);
      return;
    }
    if (existsSync(rotated(keep))) unlinkSync(rotated(keep));
    for (let n = keep - 1; n >= 1; n--) {
      if (existsSync(rotated(n))) renameSync(rotated(n), rotated(n + 1));
    }
    renameSync(path, rotated(1));
  };

  return {
    enabled,
    path,
    write(entry) {
      if (!enabled) return;
      try {
        const line = `${JSON.stringify(redact(entry, options.redactor))}\n`;
        const bytes = Buffer.byteLength(line);
        if (size === undefined) {
          mkdirSync(options.dir, { recursive: true });
          size = existsSync(path) ? statSync(path).size : 0;
        }
        if (size > 0 && size + bytes > maxBytes) {
          rotate();
          size = 0;
        }
        appendFileSync(path, line);
        size += bytes;
      } catch (error) {
        if (!warned) {
          warned = true;
          logger.warn({ path, err: errorMessage(error) }, 'cannot write the LLM interaction log');
        }
      }
    },
  };
}

/** A successful call read back from the interaction log. */
export interface LoggedCall {
  at: Date;
  model: string;
  task: ModelTask;
  usage: TokenUsage;
  latencyMs: number;
  costUsd: number;
  conversation?: string;
  incident?: string;
}

function loggedCall(line: string): LoggedCall | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined; // a torn last line after a crash
  }
  const usage = entry.usage as Partial<TokenUsage> | undefined;
  if (
    typeof entry.at !== 'string' ||
    typeof entry.model !== 'string' ||
    typeof entry.costUsd !== 'number' ||
    typeof usage?.inputTokens !== 'number' ||
    typeof usage.outputTokens !== 'number'
  ) {
    return undefined; // failed calls and foreign lines
  }
  const at = new Date(entry.at);
  if (Number.isNaN(at.getTime())) return undefined;
  return {
    at,
    model: entry.model,
    task: (typeof entry.task === 'string' ? entry.task : 'chat') as ModelTask,
    usage: {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedInputTokens: typeof usage.cachedInputTokens === 'number' ? usage.cachedInputTokens : 0,
      ...(typeof usage.cacheWriteInputTokens === 'number' && usage.cacheWriteInputTokens > 0
        ? { cacheWriteInputTokens: usage.cacheWriteInputTokens }
        : {}),
    },
    latencyMs: typeof entry.latencyMs === 'number' ? entry.latencyMs : 0,
    costUsd: entry.costUsd,
    ...(typeof entry.conversation === 'string' ? { conversation: entry.conversation } : {}),
    ...(typeof entry.incident === 'string' ? { incident: entry.incident } : {}),
  };
}

/**
 * The successful calls of one UTC day (`YYYY-MM-DD`) found in the log and its rotated files, so
 * daily sums and budgets survive a restart. Files last written before that day are not read;
 * unreadable lines are skipped.
 */
export function readLoggedCalls(
  options: { dir: string; fileName?: string; keep?: number },
  day: string,
): LoggedCall[] {
  const path = join(options.dir, options.fileName ?? 'llm.jsonl');
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const files = [path];
  for (let n = 1; n <= (options.keep ?? 5); n++) files.push(`${path}.${n}`);
  const calls: LoggedCall[] = [];
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).mtimeMs < dayStart) break;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{') || !line.includes(`"at":"${day}`)) continue;
      const call = loggedCall(line);
      if (call) calls.push(call);
    }
  }
  return calls.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** A deep copy of `value` with secret-named fields blanked and secret values hidden in strings. */
function redact(value: unknown, redactor: SecretRedactor | undefined): unknown {
  if (typeof value === 'string') return redactor ? redactor.redact(value) : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, redactor));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item instanceof AbortSignal) continue;
      out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? '[redacted]' : redact(item, redactor);
    }
    return out;
  }
  return value;
}
