import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '@opsagent/core';
import fc from 'fast-check';
import { knownPlugins, presets } from 'opsagent';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fuzzRuns, report } from './runs.js';

// Surface 4: config files. Any text is either a valid config or a ConfigError whose issues each
// name where (a config path, a line and column, or the file) and what; never another exception.

const RUNS = fuzzRuns(200);
const root = new URL('../../', import.meta.url).pathname;
const seeds: string[] = [
  ...Object.values(presets).map((preset) => preset.template),
  ...['homelab-sre', 'cloudops-bot', 'aws-monitor'].map((name) =>
    readFileSync(join(root, 'examples', name, 'opsagent.yaml'), 'utf8'),
  ),
];
// Every ${VAR} the seeds use, set, so an unmutated seed is valid and mutations reach the schema.
const env: Record<string, string> = {};
for (const seed of seeds) {
  for (const match of seed.matchAll(/\$\{([A-Z0-9_]+)/g))
    env[match[1]!] = 'fuzz-value-0123456789abcdef';
}
env.SLACK_BOT_TOKEN = 'xoxb-fuzz';
env.SLACK_APP_TOKEN = 'xapp-fuzz';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-fuzz-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses, and checks the outcome is a config or a well-formed ConfigError. */
function check(text: string, through: 'parse' | 'file' = 'parse'): void {
  try {
    let config: unknown;
    if (through === 'file') {
      const file = join(dir, 'opsagent.yaml');
      writeFileSync(file, text);
      config = loadConfigFile(file, { env: { ...env }, plugins: knownPlugins });
    } else {
      config = parseConfig(text, { env, plugins: knownPlugins, source: 'fuzz.yaml' });
    }
    expect(typeof config).toBe('object');
    expect(Object.isFrozen(config)).toBe(true);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw new Error(`not a ConfigError for ${JSON.stringify(text.slice(0, 300))}: ${error}`, {
        cause: error,
      });
    }
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) {
      expect(typeof issue.path).toBe('string');
      expect(issue.message.length).toBeGreaterThan(0);
    }
    // The message names the file and each problem.
    expect(error.message).toContain(through === 'file' ? 'opsagent.yaml' : 'fuzz.yaml');
    if (error.code === 'CONFIG_INVALID') {
      // A value problem names where: a path, unless the document as a whole is the problem.
      const named = error.issues.filter((i) => i.path !== '');
      expect(named.length + error.issues.filter((i) => i.path === '').length).toBe(
        error.issues.length,
      );
    }
  }
}

type Tree = unknown;
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const keyName = fc.oneof(
  fc.constantFrom(
    'preset',
    'model',
    'plugins',
    'principals',
    'monitor',
    'store',
    'policy',
    'notifications',
    'dataDir',
    'modules',
    'log',
    'roles',
    'identities',
    'interval',
    '__proto__',
    'constructor',
    '<<',
  ),
  fc.string({ maxLength: 12 }),
);

/** Paths into a tree (objects and arrays), for mutating a seed at a random place. */
function paths(tree: Tree, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(tree)) {
    for (const [i, v] of tree.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (tree && typeof tree === 'object')
    for (const [k, v] of Object.entries(tree)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Mutation =
  | { kind: 'replace'; value: unknown }
  | { kind: 'delete' }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'wrap' };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: jsonValue }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('add' as const), key: keyName, value: jsonValue }),
  fc.record({ kind: fc.constant('wrap' as const) }),
);

function mutate(tree: Tree, path: Array<string | number>, m: Mutation): Tree {
  if (path.length === 0) {
    if (m.kind === 'replace') return m.value;
    if (m.kind === 'delete') return null;
    if (m.kind === 'wrap') return [tree];
    if (tree && typeof tree === 'object' && !Array.isArray(tree))
      return { ...tree, [m.key]: m.value };
    return { [m.key]: m.value };
  }
  const [head, ...rest] = path;
  if (Array.isArray(tree)) {
    const copy = [...tree];
    if (rest.length === 0 && m.kind === 'delete') copy.splice(head as number, 1);
    else copy[head as number] = mutate(copy[head as number], rest, m);
    return copy;
  }
  const copy = { ...(tree as Record<string, unknown>) };
  if (rest.length === 0 && m.kind === 'delete') delete copy[head as string];
  else copy[head as string] = mutate(copy[head as string], rest, m);
  return copy;
}

const yamlChars = fc.constantFrom(
  ...'abcxyz019 :-\n\t#&*!|>{}[],"\'%@`?<=~$'.split(''),
  '$' + '{',
  '$' + '{X}',
  '<<: *a',
  '&a ',
  '---\n',
  '...\n',
  '!!binary ',
  '\u0000',
  '\uFEFF',
  '💥',
);

describe('config files, fuzzed', () => {
  it('the seeds themselves are valid configs', () => {
    for (const seed of seeds) parseConfig(seed, { env, plugins: knownPlugins });
  });

  it('random YAML-ish text: a config or a ConfigError', () => {
    fc.assert(
      fc.property(fc.array(yamlChars, { maxLength: 80 }), (chars) => check(chars.join(''))),
      { numRuns: RUNS },
    );
    report('config', 'random YAML-ish text', RUNS);
  });

  it('random YAML documents (any JSON value): a config or a ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => check(stringify(value))),
      { numRuns: RUNS },
    );
    report('config', 'random YAML documents', RUNS);
  });

  it('random mutations of the shipped configs: a config or a ConfigError naming the path', () => {
    const trees = seeds.map((seed) => parse(seed) as Tree);
    const arb = fc.integer({ min: 0, max: trees.length - 1 }).chain((i) => {
      const all = paths(trees[i]);
      return fc.tuple(
        fc.constant(i),
        fc.array(fc.tuple(fc.constantFrom(...all), mutation), { minLength: 1, maxLength: 3 }),
      );
    });
    fc.assert(
      fc.property(arb, fc.boolean(), ([i, edits], viaFile) => {
        let tree = trees[i];
        for (const [path, m] of edits) {
          try {
            tree = mutate(tree, path, m);
          } catch {
            // an earlier edit removed this path; skip it
          }
        }
        check(stringify(tree), viaFile ? 'file' : 'parse');
      }),
      { numRuns: RUNS },
    );
    report('config', 'mutations of shipped configs', RUNS);
  });

  it('byte-level damage to the shipped configs: a config or a ConfigError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 8 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (seed, cuts) => {
          let text = seed;
          for (const [at, drop, insert] of cuts) {
            const pos = at % (text.length + 1);
            text = text.slice(0, pos) + insert + text.slice(pos + drop);
          }
          check(text);
        },
      ),
      { numRuns: RUNS },
    );
    report('config', 'byte-level damage of shipped configs', RUNS);
  });
});
