/** How bad a log line is, from its level (or, without one, from its words). */
export type LogSeverity = 'fatal' | 'error' | 'warning' | 'unknown' | 'info' | 'debug';

const RANK: Record<LogSeverity, number> = {
  debug: 0,
  info: 1,
  unknown: 2,
  warning: 3,
  error: 4,
  fatal: 5,
};

/** Orders severities: higher is worse. `unknown` sits between `info` and `warning`. */
export function severityRank(severity: LogSeverity): number {
  return RANK[severity];
}

const LEVELS: Record<string, LogSeverity> = {
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  fatal: 'fatal',
  panic: 'fatal',
  severe: 'fatal',
  failure: 'error',
  err: 'error',
  error: 'error',
  warn: 'warning',
  warning: 'warning',
  notice: 'info',
  info: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  trace: 'debug',
  verbose: 'debug',
};

/** The severity a level word names (`WARN`, `[error]`, `<info>`, `E:`), if any. */
export function levelSeverity(word: string): LogSeverity | undefined {
  if (word.length < 3 || word.length > 16) return undefined;
  const c = word.charCodeAt(0) | 32;
  // Levels start with a letter or `[`, `<`, `(` (91, 60, 40; | 32 maps `[` to `{`).
  if (!((c >= 97 && c <= 122) || c === 123 || c === 60 || c === 40)) return undefined;
  let a = 0;
  let b = word.length;
  const first = word[0];
  if (first === '[' || first === '<' || first === '(') a = 1;
  while (b > a && ']>):'.includes(word[b - 1] as string)) b--;
  if (b - a < 3 || b - a > 13) return undefined;
  return LEVELS[word.slice(a, b).toLowerCase()];
}

const ERROR_WORDS =
  /\b(?:error|errors|fail|failed|failure|fatal|exception|panic|refused|denied|timed? ?out|unreachable|abort(?:ed)?|corrupt(?:ed)?|critical)\b/i;
const WARNING_WORDS = /\b(?:warn|warning|deprecated|retry(?:ing)?|slow|degraded)\b/i;

/** A guess of the severity of a message with no level, from its words. */
export function inferSeverity(content: string): LogSeverity {
  if (ERROR_WORDS.test(content)) return 'error';
  if (WARNING_WORDS.test(content)) return 'warning';
  return 'unknown';
}

/** A line with its header removed. */
export interface StrippedLine {
  /** The message, without timestamp, level, pid or component. */
  content: string;
  /** The level word found in the header, as written (`INFO`, `[error]`), if any. */
  level?: string;
  /** The severity of the level, or `undefined` when the header had no level. */
  severity?: LogSeverity;
}

interface HeaderToken {
  text: string;
  end: number;
}

const MONTHS = new Set([
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
]);

const MAX_HEADER_TOKENS = 12;

/** The header tokens of a line, read on demand (a `[...]` group is one token). */
class HeaderTokens {
  private readonly tokens: HeaderToken[] = [];
  private pos = 0;

  constructor(private readonly line: string) {}

  get(k: number): HeaderToken | undefined {
    const line = this.line;
    const n = line.length;
    while (this.tokens.length <= k && this.tokens.length < MAX_HEADER_TOKENS) {
      let i = this.pos;
      while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i >= n) return undefined;
      const start = i;
      if (line.charCodeAt(i) === 91 /* [ */) {
        const close = line.indexOf(']', i);
        if (close > 0 && close - i <= 256) i = close + 1;
      }
      while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
      this.tokens.push({ text: line.slice(start, i), end: i });
      this.pos = i;
    }
    return this.tokens[k];
  }
}

function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function isMonthOrDay(text: string): boolean {
  return text.length === 3 && MONTHS.has(text.toLowerCase());
}

/** A token that may sit before the level in a header: time, date, pid, host id, `-`, `[...]`, `RAS`. */
function isHeaderish(text: string): boolean {
  if (hasDigit(text) || text === '-' || text.startsWith('[') || isMonthOrDay(text)) return true;
  if (text.length > 10) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c === 95 && i > 0))) return false;
  }
  return true;
}

const DATE = /^\[?\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[T ]?[\d:.,]*)?(?:Z|[+-]\d\d:?\d\d)?\]?,?$/;
const TIME = /^\[?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?,?$/;

/** A token of a timestamp: a date, a time, a month or weekday name, a bracketed date-time. */
function isTimestampPart(text: string, previous: string | undefined): boolean {
  if (isMonthOrDay(text)) return true;
  const c = text.charCodeAt(0);
  if (!(c >= 48 && c <= 57) && c !== 91 /* [ */) return false;
  if (DATE.test(text) || TIME.test(text) || isMonthOrDay(text)) return true;
  if (text.startsWith('[') && text.endsWith(']') && /\d:\d\d/.test(text)) return true;
  // The day after a month name, the year after a time.
  if (previous !== undefined && /^\d{1,4}$/.test(text)) {
    if (isMonthOrDay(previous) || TIME.test(previous)) return true;
  }
  return false;
}

/** `org.apache.Foo:`, `dfs.DataNode$PacketResponder:`, `sshd[42]:`, `kernel:` after a host. */
function isComponent(text: string, loose: boolean): boolean {
  if (text.length < 2 || !text.endsWith(':') || text.includes('=')) return false;
  if (loose) return true;
  return /[.$]|\]:$/.test(text) && /^[\w.$/-]+(?:\([\w.-]+\))?(?:\[\d+\])?:$/.test(text);
}

function rest(line: string, end: number): string {
  return line.slice(end).trim();
}

/**
 * Removes the common header of a log line, generically (no per-format rules): leading
 * timestamps in the usual forms, a level (kept for severity), pids, `[thread]` and
 * `logger.Name:` components, and the syslog `host prog[pid]:` prefix.
 */
export function stripHeader(line: string): StrippedLine {
  const tokens = new HeaderTokens(line);
  const zero = tokens.get(0);
  if (zero === undefined) return { content: '' };

  // 1. A level word, preceded only by header-like tokens, at least one with a digit.
  let digits = false;
  for (let k = 0; k < 10; k++) {
    const token = tokens.get(k);
    if (token === undefined) break;
    const text = token.text;
    const severity = levelSeverity(text);
    if (severity !== undefined && (k === 0 || digits)) {
      let end = token.end;
      const after = tokens.get(k + 1);
      const afterNext = tokens.get(k + 2);
      // `[thread] logger.Name:`
      if (after?.text.startsWith('[') && afterNext && isComponent(afterNext.text, false)) {
        end = afterNext.end;
      } else if (after && isComponent(after.text, false)) {
        end = after.end;
      } else if (after && /^[\w$]+(?:\.[\w$]+)+$/.test(after.text) && afterNext?.text === '-') {
        // log4j `%p %c - %m`
        end = afterNext.end;
      }
      return { content: rest(line, end), level: text, severity };
    }
    if (!isHeaderish(text)) break;
    if (hasDigit(text)) digits = true;
  }

  // 2. A timestamp, then maybe syslog's `host prog[pid]:` (or just `prog:`).
  let k = 0;
  let previous: string | undefined;
  for (;;) {
    const token = tokens.get(k);
    if (token === undefined || !isTimestampPart(token.text, previous)) break;
    previous = token.text;
    k++;
  }
  if (k === 0) return { content: line.trim() };
  let end = (tokens.get(k - 1) as HeaderToken).end;
  const first = tokens.get(k);
  const second = tokens.get(k + 1);
  if (first && isComponent(first.text, false)) end = first.end;
  else if (
    isMonthOrDay(zero.text) &&
    first &&
    second &&
    !first.text.endsWith(':') &&
    isComponent(second.text, true)
  )
    end = second.end;
  return { content: rest(line, end) };
}
