import { type Document, isMap, isScalar, isSeq, parse, Scalar } from 'yaml';
import { type ConfigIssue, formatPath } from './errors.js';

/** The environment references are read from. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What {@link expandReferences} made of one string. */
export interface Expansion {
  /** The text with every reference replaced and every `$${` turned into `${`. */
  value: string;
  /** True when the whole text was exactly one reference, e.g. `${PORT:-8080}`. */
  whole: boolean;
  /** Problems: variables not set without a default, malformed references. */
  problems: string[];
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in `text` with values from `env` (the default applies
 * when the variable is unset or empty); `$${` writes a literal `${`. Substituted values are never
 * scanned again, and a `$` not followed by `{` is kept as it is.
 */
export function expandReferences(text: string, env: Env): Expansion {
  const problems: string[] = [];
  let value = '';
  let references = 0;
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      value += text.slice(index);
      break;
    }
    value += text.slice(index, dollar);
    if (text.startsWith('$${', dollar)) {
      value += '${';
      index = dollar + 3;
      continue;
    }
    if (!text.startsWith('${', dollar)) {
      value += '$';
      index = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) {
      problems.push(
        `unterminated reference "${text.slice(dollar, dollar + 30)}": close it with "}", ` +
          'or write "$${" for a literal "${"',
      );
      break;
    }
    const body = text.slice(dollar + 2, close);
    index = close + 1;
    const separator = body.indexOf(':-');
    const variable = separator === -1 ? body : body.slice(0, separator);
    const fallback = separator === -1 ? undefined : body.slice(separator + 2);
    if (!VARIABLE.test(variable)) {
      problems.push(
        `invalid reference "\${${body}}": expected \${NAME} or \${NAME:-default}, ` +
          'or write "$${" for a literal "${"',
      );
      continue;
    }
    if (fallback?.includes('${')) {
      problems.push(`references inside a default are not supported: "\${${body}}"`);
      continue;
    }
    references += 1;
    const found = env[variable];
    if (found !== undefined && (found !== '' || fallback === undefined)) value += found;
    else if (fallback !== undefined) value += fallback;
    else {
      problems.push(
        `environment variable ${variable} is not set (use \${${variable}:-default} for a default)`,
      );
    }
  }
  return { value, whole: references === 1 && WHOLE_REFERENCE.test(text), problems };
}

/**
 * Reads a substituted value the way YAML would read it unquoted, but only as a number or a
 * boolean, and a number only when it reads back as the same text (so `+4915112345678` and `007`
 * stay strings). Maps, lists, nulls and anything else stay the string they are.
 */
export function rereadScalar(text: string): string | number | boolean {
  let parsed: unknown;
  try {
    parsed = parse(text, { logLevel: 'error' });
  } catch {
    return text;
  }
  if (typeof parsed === 'boolean') return parsed;
  if (typeof parsed === 'number' && Number.isFinite(parsed) && String(parsed) === text) {
    return parsed;
  }
  return text;
}

/**
 * Interpolates environment variables into the string values of a parsed YAML document, in place
 * (never in the raw text, so a value cannot inject YAML structure; keys are left alone). An unquoted
 * scalar that is exactly one reference is re-read with {@link rereadScalar}, so `port: ${PORT}`
 * can be a number; quoted and block scalars always stay strings. Returns one issue per problem,
 * naming the config path.
 */
export function interpolateDocument(doc: Document, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  walk(doc.contents, [], env, issues);
  return issues;
}

function walk(node: unknown, path: PropertyKey[], env: Env, issues: ConfigIssue[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      walk(pair.value, [...path, String(key)], env, issues);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      walk(item, [...path, index], env, issues);
    });
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
    const expansion = expandReferences(node.value, env);
    if (expansion.problems.length > 0) {
      const where = formatPath(path);
      for (const message of expansion.problems) issues.push({ path: where, message });
      return;
    }
    const plain = node.type === Scalar.PLAIN && node.tag === undefined;
    node.value = expansion.whole && plain ? rereadScalar(expansion.value) : expansion.value;
  }
}
