import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { SecretRedactor } from '../logging/redact.js';
import { buildConfigSchema, type PluginConfigSpec } from './compose.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { type Env, interpolateDocument } from './interpolate.js';
import { toConfigIssues } from './issues.js';
import type { CoreConfig } from './schema.js';

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Environment for `${VAR}` references. */
  env: Env;
  /** File name for messages; default `(config)`. */
  source?: string | undefined;
  /** Plugins whose `configSchema` validates their `plugins.<name>` section. */
  plugins?: ReadonlyArray<PluginConfigSpec> | undefined;
}

/** Options of {@link loadConfigFile}. */
export interface LoadConfigFileOptions {
  /** Environment for `${VAR}` references; variables from a `.env` beside the file are added to it. */
  env: Record<string, string | undefined>;
  /** Plugins whose `configSchema` validates their `plugins.<name>` section. */
  plugins?: ReadonlyArray<PluginConfigSpec> | undefined;
}

/**
 * Reads `.env` in `dir`, if there is one, into `env`, setting only variables `env` does not
 * already have (the real environment wins). Returns the names it set.
 */
export function loadDotEnv(dir: string, env: Record<string, string | undefined>): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, '.env'), 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return [];
    throw error;
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

/**
 * Parses and validates the text of a config file: YAML 1.2 with anchors and `<<` merge keys (an
 * empty file is `{}`; a repeated key is an error), then `${VAR}` interpolation (see
 * {@link interpolateDocument}), then validation against the core schema with each plugin's
 * section composed in (see {@link buildConfigSchema}). A key with an empty value (`monitor:` with
 * everything under it commented out) counts as absent; an empty plugin section (`slack:`) as `{}`.
 *
 * @returns the validated config, deeply frozen
 * @throws {ConfigError} `CONFIG_SYNTAX` for YAML errors (with line and column), `CONFIG_INVALID`
 *   for missing variables and invalid values (naming each path)
 */
export function parseConfig(text: string, options: ParseConfigOptions): CoreConfig {
  const source = options.source ?? '(config)';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error): ConfigIssue => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { path: `line ${line}, column ${col}`, message: error.message };
    });
    throw new ConfigError('CONFIG_SYNTAX', source, issues);
  }
  const missing = interpolateDocument(doc, options.env);
  if (missing.length > 0) throw new ConfigError('CONFIG_INVALID', source, missing);

  let js: unknown;
  try {
    js = doc.toJS();
  } catch (error) {
    // The syntax is fine but the document cannot become data, e.g. a `<<` merge key whose value
    // is not a map or an alias of one.
    let where = '';
    visit(doc, {
      Pair(_, pair) {
        if (!isScalar(pair.key) || pair.key.source !== '<<' || where) return;
        const value = pair.value;
        const ok = isMap(value) || (isAlias(value) && isMap(value.resolve(doc)));
        if (!ok && pair.key.range) {
          const { line, col } = lineCounter.linePos(pair.key.range[0]);
          where = `line ${line}, column ${col}`;
        }
      },
    });
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      'CONFIG_SYNTAX',
      source,
      [
        {
          path: where,
          message: `${message}; a "<<" merge key takes a map or an alias (*name) of one`,
        },
      ],
      { cause: error },
    );
  }
  const tree = withoutEmptyValues(js ?? {}, []);
  const schema = buildConfigSchema(options.plugins);
  const result = schema.safeParse(tree);
  if (!result.success) {
    const redactor = new SecretRedactor();
    redactor.addFromEnv(options.env);
    const isSecret = (value: string) => redactor.redact(value) !== value;
    const issues = toConfigIssues(result.error.issues, tree, schema, isSecret);
    throw new ConfigError('CONFIG_INVALID', source, issues);
  }
  return frozenCopy(result.data);
}

/**
 * Reads and validates a config file; a `.env` beside it is loaded into `options.env` first
 * (see {@link loadDotEnv}). Messages name the file as `path` was given.
 *
 * @throws {ConfigError} `CONFIG_NOT_FOUND` when there is no such file, else as {@link parseConfig}
 */
export function loadConfigFile(path: string, options: LoadConfigFileOptions): CoreConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT') || hasCode(error, 'EISDIR')) {
      const problem = hasCode(error, 'EISDIR') ? 'is a folder, not a file' : 'not found';
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        path,
        [{ path: '', message: `config file ${problem}; run "opsagent init" to create one` }],
        { cause: error },
      );
    }
    throw error;
  }
  loadDotEnv(dirname(path), options.env);
  return parseConfig(text, { env: options.env, source: path, plugins: options.plugins });
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Drops map entries whose value is null (an empty `key:`); under `plugins`, null becomes `{}`. */
function withoutEmptyValues(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutEmptyValues(item, []));
  if (!isPlainObject(value)) return value;
  const pluginSections = path.length === 1 && path[0] === 'plugins';
  const entries: Array<[string, unknown]> = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === null) {
      if (pluginSections) entries.push([key, {}]);
      continue;
    }
    entries.push([key, withoutEmptyValues(item, [...path, key])]);
  }
  return Object.fromEntries(entries);
}

/** A deep copy of plain objects and arrays, frozen; other values are kept as they are. */
function frozenCopy<T>(value: T): T {
  return copyAndFreeze(value) as T;
}

function copyAndFreeze(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(copyAndFreeze));
  if (!isPlainObject(value)) return value;
  return Object.freeze(
    Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyAndFreeze(item)])),
  );
}
