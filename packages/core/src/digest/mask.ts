/** The placeholder a variable part of a message becomes. */
export const WILDCARD = '<*>';

/** Splits a message into its whitespace-separated tokens. */
export function tokenize(content: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (space) {
      if (start >= 0) {
        tokens.push(content.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) tokens.push(content.slice(start));
  return tokens;
}

// Characters that split a token into pieces masked one by one: `uid=0` -> `uid=<*>`.
const DELIMITER = new Uint8Array(128);
for (const ch of '=:,;()[]{}<>\'"|') DELIMITER[ch.charCodeAt(0)] = 1;
// Characters that wrap a whole token: `[/var/log/x]`, `"http://a/b",`.
const LEADING_WRAP = '([{<\'"';
const TRAILING_WRAP = ')]}>\'",;:.';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * True when a piece of a token is a variable: it starts with a digit (numbers, sizes, durations,
 * IPs, hex, dates), or has two or more runs of digits or a run of three or more (ids like
 * `blk_-1608`, `R02-M1-N0`, `appattempt_1445_0020`). `jk2_init`, `ssh2` and `C1` stay constants.
 */
export function isVariablePiece(piece: string): boolean {
  const first = piece.charCodeAt(0);
  if (isDigit(first)) return true;
  if ((first === 45 || first === 43) && isDigit(piece.charCodeAt(1))) return true;
  let runs = 0;
  let run = 0;
  for (let i = 0; i < piece.length; i++) {
    if (isDigit(piece.charCodeAt(i))) {
      run++;
      if (run === 1) runs++;
      if (run >= 3 || runs >= 2) return true;
    } else {
      run = 0;
    }
  }
  return false;
}

function isWholeVariable(core: string): boolean {
  if (core.length < 2) return false;
  const c0 = core.charCodeAt(0);
  // Absolute, home-relative and dot-relative paths.
  if (c0 === 47 /* / */) return core.charCodeAt(1) !== 47 || core.length > 2;
  if ((c0 === 126 /* ~ */ || c0 === 46) /* . */ && core.includes('/')) return true;
  // URLs and e-mail addresses.
  if (core.includes('://')) return true;
  const at = core.indexOf('@');
  if (at > 0 && core.indexOf('.', at) > at + 1 && !core.includes('(')) return true;
  return false;
}

function maskPieces(token: string): string {
  let out = '';
  let start = 0;
  const n = token.length;
  let i = 0;
  while (i <= n) {
    const c = i < n ? token.charCodeAt(i) : -1;
    if (i === n || (c < 128 && DELIMITER[c] === 1)) {
      if (i > start) {
        let piece = token.slice(start, i);
        // An IPv4 address with its port is one variable: `10.0.0.1:8080`.
        if (
          c === 58 /* : */ &&
          isDigit(token.charCodeAt(i + 1)) &&
          /^\d+\.\d+\.\d+\.\d+$/.test(piece)
        ) {
          let j = i + 1;
          while (j < n && isDigit(token.charCodeAt(j))) j++;
          piece = token.slice(start, j);
          i = j;
          out += WILDCARD;
          start = i;
          continue;
        }
        let tail = '';
        while (piece.length > 1 && piece.endsWith('.')) {
          piece = piece.slice(0, -1);
          tail += '.';
        }
        out += (isVariablePiece(piece) ? WILDCARD : piece) + tail;
      }
      if (i < n) out += token[i];
      start = i + 1;
    }
    i++;
  }
  return out;
}

/**
 * Masks the obvious variables of one token: numbers, hex, IPs with ports, UUIDs, ids, durations,
 * sizes (all contain digits), paths, URLs and e-mail addresses. Wrapping brackets, quotes and
 * punctuation stay: `[10.0.0.1]` -> `[<*>]`, `uid=0` -> `uid=<*>`.
 */
export function maskToken(token: string): string {
  let interesting = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (isDigit(c) || c === 47 /* / */ || c === 64 /* @ */) {
      interesting = true;
      break;
    }
  }
  if (!interesting) return token;
  let a = 0;
  let b = token.length;
  while (a < b && LEADING_WRAP.includes(token[a] as string)) a++;
  while (b > a && TRAILING_WRAP.includes(token[b - 1] as string)) b--;
  if (isWholeVariable(token.slice(a, b))) return token.slice(0, a) + WILDCARD + token.slice(b);
  return maskPieces(token);
}

/** Masks every token of a message; see {@link maskToken}. */
export function maskTokens(tokens: readonly string[]): string[] {
  const out = new Array<string>(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = maskToken(tokens[i] as string);
  return out;
}

/**
 * Masks a whole message and joins its tokens with single spaces: the same as
 * `maskTokens(tokenize(content)).join(' ')`, in one pass that copies runs of plain tokens whole.
 */
export function maskMessage(content: string): string {
  let out = '';
  const n = content.length;
  let runStart = -1; // start of a run of plain tokens separated by single spaces
  let runEnd = -1;
  let i = 0;
  while (i < n) {
    let c = content.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    }
    const start = i;
    let interesting = false;
    while (i < n) {
      c = content.charCodeAt(i);
      if (c === 32 || (c >= 9 && c <= 13)) break;
      if ((c >= 48 && c <= 57) || c === 47 || c === 64) interesting = true;
      i++;
    }
    if (!interesting) {
      if (runStart >= 0 && runEnd === start - 1 && content.charCodeAt(runEnd) === 32) {
        runEnd = i;
        continue;
      }
      if (runStart >= 0)
        out += out === '' ? content.slice(runStart, runEnd) : ` ${content.slice(runStart, runEnd)}`;
      runStart = start;
      runEnd = i;
      continue;
    }
    if (runStart >= 0) {
      out += out === '' ? content.slice(runStart, runEnd) : ` ${content.slice(runStart, runEnd)}`;
      runStart = -1;
    }
    const masked = maskToken(content.slice(start, i));
    out += out === '' ? masked : ` ${masked}`;
  }
  if (runStart >= 0)
    out += out === '' ? content.slice(runStart, runEnd) : ` ${content.slice(runStart, runEnd)}`;
  return out;
}

/**
 * The values a template token replaced in a token: `uid=<*>` against `uid=0` gives `["0"]`.
 * Returns the whole token when the template's literal parts do not line up.
 */
export function extractValues(templateToken: string, token: string): string[] {
  if (templateToken === WILDCARD) return [token];
  if (!templateToken.includes(WILDCARD)) return [];
  const literals = templateToken.split(WILDCARD);
  const values: string[] = [];
  const head = literals[0] as string;
  if (!token.startsWith(head)) return [token];
  let pos = head.length;
  for (let k = 1; k < literals.length; k++) {
    const literal = literals[k] as string;
    const last = k === literals.length - 1;
    const end = last
      ? literal === ''
        ? token.length
        : token.endsWith(literal) && token.length - literal.length >= pos
          ? token.length - literal.length
          : -1
      : literal === ''
        ? pos
        : token.indexOf(literal, pos);
    if (end < 0) return [token];
    values.push(token.slice(pos, end));
    pos = end + literal.length;
  }
  return values;
}
