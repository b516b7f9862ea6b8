import { OpsAgentError } from '../errors.js';

/** One problem in a config file. */
export interface ConfigIssue {
  /**
   * Where: a config path such as `plugins.slack.botToken` or `principals[0].roles[1]`, a position
   * such as `line 3, column 5` for YAML syntax errors, or empty for the file as a whole.
   */
  path: string;
  /** What is wrong. */
  message: string;
  /** The value found, shown short (and `[redacted]` under secret-looking keys). */
  found?: string;
  /** What would have been accepted. */
  expected?: string;
}

/** The codes a {@link ConfigError} carries. */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_NOT_FOUND' | 'CONFIG_SYNTAX';

/**
 * A config file that cannot be used: not found, not YAML, or not valid. The message lists each
 * issue on its own line as `<file>: <path>: <message> (found <found>; expected <expected>)`.
 */
export class ConfigError extends OpsAgentError {
  /** Every problem found, in file order where known. */
  readonly issues: ConfigIssue[];
  /** The file (or description of the text) the issues are in. */
  readonly source: string;

  constructor(
    code: ConfigErrorCode,
    source: string,
    issues: ConfigIssue[],
    options: { cause?: unknown } = {},
  ) {
    super(code, formatIssues(source, issues), {
      category: 'user',
      cause: options.cause,
      details: { source, issues },
    });
    this.name = 'ConfigError';
    this.source = source;
    this.issues = issues;
  }
}

/**
 * One line per issue: `<file>: <path>: <message> (found <found>; expected <expected>)`, leaving
 * out what an issue does not have.
 */
export function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  return issues
    .map((issue) => {
      const facts = [
        issue.found === undefined ? undefined : `found ${issue.found}`,
        issue.expected === undefined ? undefined : `expected ${issue.expected}`,
      ].filter((fact) => fact !== undefined);
      const suffix = facts.length > 0 ? ` (${facts.join('; ')})` : '';
      const where = issue.path === '' ? '' : `${issue.path}: `;
      return `${source}: ${where}${issue.message}${suffix}`;
    })
    .join('\n');
}

/** `plugins.slack.botToken`, `principals[0].roles[1]`; `(root)` for the whole file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

const SECRET_KEY = /token|secret|key|password|passphrase|passwd|credential|authorization/i;

/** True when any key on the path looks like it holds a secret (token, secret, key, password). */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

const MAX_SHOWN = 40;

/**
 * A value as an error message shows it: strings quoted and cut at 40 characters, collections by
 * kind, and `[redacted]` for anything under a secret-looking key or that `isSecret` recognises
 * (e.g. the value of a secret environment variable).
 */
export function showValue(
  value: unknown,
  path: readonly PropertyKey[],
  isSecret: (text: string) => boolean = () => false,
): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a map';
  if (isSecretPath(path) || isSecret(String(value))) return '[redacted]';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  }
  const text = String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
