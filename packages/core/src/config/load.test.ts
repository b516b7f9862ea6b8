// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ${VAR} references in config text.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isOpsAgentError } from '../errors.js';
import { configJsonSchema } from './compose.js';
import { ConfigError } from './errors.js';
import { loadConfigFile, loadDotEnv, parseConfig } from './load.js';
import { toRuntimeOptions } from './schema.js';

const slackPlugin = {
  name: 'slack',
  configSchema: z.strictObject({
    botToken: z.string().describe('Slack bot token (xoxb-...).'),
    port: z.number().int().default(3000).describe('Port of the Events API receiver.'),
  }),
};
const hostPlugin = {
  name: 'host',
  configSchema: z.object({
    interval: z.number().default(5),
    disks: z.array(z.string()).default([]),
  }),
};

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function parse(text: string, env: Record<string, string> = {}) {
  return parseConfig(text, { env, source: 'opsagent.yaml', plugins: [hostPlugin] });
}

describe('parseConfig', () => {
  it('treats an empty file as {} with every default', () => {
    const config = parse('# nothing here\n');
    expect(config.log.level).toBe('info');
    expect(config.monitor.interval).toBe(60_000);
    expect(config.store.type).toBe('sqlite');
    expect(config.plugins).toEqual({ host: { interval: 5, disks: [] } });
  });

  it('returns a deeply frozen config', () => {
    const config = parse(
      'principals:\n  - id: a\n    roles: [admin]\n    identities: { console: ["*"] }\n',
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.monitor)).toBe(true);
    expect(Object.isFrozen(config.principals[0]?.roles)).toBe(true);
    expect(Object.isFrozen(config.plugins.host)).toBe(true);
    expect(() => {
      (config.monitor as { interval: number }).interval = 1;
    }).toThrow(TypeError);
  });

  it('treats a key with an empty value as absent', () => {
    const config = parse('monitor:\nagent:\n  # maxRounds: 3\n');
    expect(config.monitor.openAfter).toBe(2);
    expect(config.agent.maxRounds).toBe(8);
  });

  it('interpolates before validating, so a whole reference can be a number', () => {
    const config = parse('conversation:\n  historyLimit: ${LIMIT:-40}\n  idleTimeout: ${IDLE}\n', {
      IDLE: '2h',
    });
    expect(config.conversation).toEqual({
      historyLimit: 40,
      idleTimeout: 7_200_000,
      maxPending: 20,
      maxPendingTotal: 1000,
    });
  });

  it('reports a missing variable with its path', () => {
    const error = configError(() =>
      parse('plugins:\n  slack:\n    botToken: ${SLACK_BOT_TOKEN}\n'),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'opsagent.yaml: plugins.slack.botToken: environment variable SLACK_BOT_TOKEN is not set ' +
        '(use ${SLACK_BOT_TOKEN:-default} for a default)',
    );
  });

  it('is a coded user error listing its issues', () => {
    const error = configError(() => parse('log:\n  level: loud\n'));
    expect(isOpsAgentError(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.category).toBe('user');
    expect(error.issues).toEqual([
      {
        path: 'log.level',
        message: 'not an accepted value',
        found: '"loud"',
        expected: 'one of "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      },
    ]);
  });

  it('names an unknown key (a typo) and suggests the key meant', () => {
    const error = configError(() => parse('monitor:\n  intervall: 5m\n'));
    expect(error.message).toBe(
      'opsagent.yaml: monitor.intervall: unknown key; did you mean "interval"? ' +
        '(expected one of enabled, interval, timeout, openAfter, resolveAfter, triage, diagnose)',
    );
  });

  it('names an unknown top-level section', () => {
    const error = configError(() => parse('notification:\n  routes: []\n'));
    expect(error.issues[0]).toMatchObject({
      path: 'notification',
      message: 'unknown key; did you mean "notifications"?',
    });
  });

  it('names what was found and what is expected for a wrong type', () => {
    const error = configError(() => parse('conversation:\n  historyLimit: lots\n'));
    expect(error.message).toBe(
      'opsagent.yaml: conversation.historyLimit: wrong type (found "lots"; expected a number)',
    );
  });

  it('names an out-of-range number', () => {
    const error = configError(() => parse('conversation:\n  historyLimit: 501\n'));
    expect(error.issues[0]).toEqual({
      path: 'conversation.historyLimit',
      message: 'too big',
      found: '501',
      expected: 'at most 500',
    });
  });

  it('names a queue bound below 1 and maps the bounds to the runtime queue options', () => {
    const error = configError(() => parse('conversation:\n  maxPending: 0\n'));
    expect(error.issues[0]).toMatchObject({ path: 'conversation.maxPending', found: '0' });
    const config = parse('conversation:\n  maxPending: 3\n  maxPendingTotal: 50\n');
    expect(toRuntimeOptions(config).queue).toEqual({ maxPerConversation: 3, maxTotal: 50 });
  });

  it('rejects an invalid role', () => {
    const error = configError(() =>
      parse('principals:\n  - id: alice\n    roles: [root]\n    identities: { slack: [U1] }\n'),
    );
    expect(error.message).toBe(
      'opsagent.yaml: principals[0].roles[0]: not an accepted value ' +
        '(found "root"; expected one of "viewer", "operator", "admin")',
    );
  });

  it('rejects an invalid role in a policy rule', () => {
    const error = configError(() =>
      parse('approvals:\n  policy:\n    - name: r\n      decision: approve\n      from: [robot]\n'),
    );
    expect(error.issues[0]?.path).toBe('approvals.policy[0].from[0]');
    expect(error.issues[0]?.expected).toBe('one of "monitor", "viewer", "operator", "admin"');
  });

  it('rejects a duplicate principal id', () => {
    const error = configError(() =>
      parse(
        'principals:\n' +
          '  - { id: alice, roles: [admin], identities: { console: ["*"] } }\n' +
          '  - { id: alice, roles: [viewer], identities: { slack: [U2] } }\n',
      ),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('principals[1].id');
    expect(error.issues[0]?.message).toContain('duplicate principal id "alice"');
  });

  it('rejects a bad duration with a hint', () => {
    const error = configError(() => parse('approvals:\n  expiresIn: an hour\n'));
    expect(error.message).toBe(
      'opsagent.yaml: approvals.expiresIn: expected a duration like "30s", "5m" or "1h", ' +
        'or milliseconds (found "an hour")',
    );
  });

  it('reports every issue, one per line', () => {
    const error = configError(() => parse('log:\n  level: loud\nagent:\n  maxRounds: 0\n'));
    expect(error.message.split('\n')).toHaveLength(2);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const error = configError(() => parse('log:\n  level: info\n agent: [\n'));
    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.issues[0]?.path).toMatch(/^line 3, column \d+$/);
    expect(error.message).toMatch(/^opsagent\.yaml: line 3, column \d+: /);
  });

  it('reports a repeated key as a syntax error', () => {
    const error = configError(() => parse('log: {}\nlog: {}\n'));
    expect(error.code).toBe('CONFIG_SYNTAX');
    expect(error.message).toContain('line 2, column 1');
  });

  it('rejects a file that is not a map', () => {
    const error = configError(() => parse('- a\n- b\n'));
    expect(error.message).toBe(
      'opsagent.yaml: (root): wrong type (found a list of 2 items; expected a map)',
    );
  });

  it('supports anchors and merge keys, interpolated where the anchor is', () => {
    const config = parse(
      'notifications:\n  routes:\n' +
        '    - &route { channel: slack, to: { chat: "${CHAT}" }, minSeverity: critical }\n' +
        '    - { <<: *route, channel: signal }\n',
      { CHAT: 'C1' },
    );
    expect(config.notifications.routes).toEqual([
      { channel: 'slack', to: { chat: 'C1' }, minSeverity: 'critical' },
      { channel: 'signal', to: { chat: 'C1' }, minSeverity: 'critical' },
    ]);
  });

  it('reports a merge key that is not a map as a syntax error with its line (found by fuzzing)', () => {
    for (const text of ['<<: *a\n', 'monitor:\n  <<: ""\n', 'a: &x 1\nmonitor:\n  <<: *x\n']) {
      const error = configError(() => parse(text));
      expect(error.code).toBe('CONFIG_SYNTAX');
      expect(error.message).toContain('merge key');
    }
    expect(configError(() => parse('monitor:\n  <<: ""\n')).issues[0]?.path).toBe(
      'line 2, column 3',
    );
  });

  it('keeps an injected value a string, so it cannot add structure', () => {
    const error = configError(() =>
      parse('store:\n  type: ${STORE}\n', { STORE: 'memory\nplugins: { evil: {} }' }),
    );
    expect(error.issues[0]).toMatchObject({ path: 'store.type', message: 'not an accepted value' });
  });
});

describe('plugin sections', () => {
  function parseWith(text: string, env: Record<string, string> = {}) {
    return parseConfig(text, { env, source: 'opsagent.yaml', plugins: [slackPlugin, hostPlugin] });
  }

  it('applies each plugin schema, with its defaults', () => {
    const config = parseWith('plugins:\n  slack:\n    botToken: ${SLACK_BOT_TOKEN}\n', {
      SLACK_BOT_TOKEN: 'xoxb-1',
    });
    expect(config.plugins).toEqual({
      slack: { botToken: 'xoxb-1', port: 3000 },
      host: { interval: 5, disks: [] },
    });
  });

  it('gives an empty section (`host:`) the defaults', () => {
    const config = parseWith('plugins:\n  slack: { botToken: x }\n  host:\n');
    expect(config.plugins.host).toEqual({ interval: 5, disks: [] });
  });

  it('passes sections of plugins it does not know through', () => {
    const config = parseWith(
      'plugins:\n  slack: { botToken: x }\n  other: { anything: [1] }\n  bare:\n',
    );
    expect(config.plugins.other).toEqual({ anything: [1] });
    expect(config.plugins.bare).toEqual({});
  });

  it('names the plugin field in a plugin error', () => {
    const error = configError(() =>
      parseWith('plugins:\n  slack:\n    botToken: x\n    port: http\n    colour: red\n'),
    );
    expect(error.issues).toEqual([
      { path: 'plugins.slack.port', message: 'wrong type', found: '"http"', expected: 'a number' },
      { path: 'plugins.slack.colour', message: 'unknown key', expected: 'one of botToken, port' },
    ]);
  });

  it('reports a missing section when the plugin needs settings', () => {
    const error = configError(() => parseWith(''));
    expect(error.message).toBe(
      'opsagent.yaml: plugins.slack: missing section: the "slack" plugin needs settings here (botToken)',
    );
  });

  it('refuses to list one plugin twice', () => {
    expect(() => parseConfig('', { env: {}, plugins: [hostPlugin, hostPlugin] })).toThrow(
      /listed twice/,
    );
  });
});

describe('values in messages', () => {
  function parseWith(text: string, env: Record<string, string> = {}) {
    return parseConfig(text, { env, source: 'opsagent.yaml', plugins: [slackPlugin] });
  }

  it('redacts values under secret-looking keys', () => {
    const error = configError(() => parseWith('plugins:\n  slack:\n    botToken: 123456789\n'));
    expect(error.message).toBe(
      'opsagent.yaml: plugins.slack.botToken: wrong type (found [redacted]; expected a string)',
    );
    expect(error.message).not.toContain('123456789');
  });

  it('redacts the values of secret environment variables wherever they land', () => {
    const error = configError(() =>
      parseWith('plugins:\n  slack:\n    botToken: x\n    port: ${SLACK_BOT_TOKEN}\n', {
        SLACK_BOT_TOKEN: 'xoxb-very-secret-value',
      }),
    );
    expect(error.issues[0]).toMatchObject({ path: 'plugins.slack.port', found: '[redacted]' });
    expect(error.message).not.toContain('very-secret');
    expect(JSON.stringify(error.details)).not.toContain('very-secret');
  });

  it('cuts long values at 40 characters', () => {
    const long = 'a'.repeat(100);
    const error = configError(() => parseWith(`store:\n  type: ${long}\n`));
    expect(error.issues[0]?.found).toBe(`"${'a'.repeat(40)}…"`);
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opsagent-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loadDotEnv sets only variables not already set and returns their names', () => {
    writeFileSync(join(dir, '.env'), 'A=from-file\nB="quoted value"\n# comment\nC=file\n');
    const env: Record<string, string | undefined> = { C: 'from-env' };
    expect(loadDotEnv(dir, env)).toEqual(['A', 'B']);
    expect(env).toEqual({ A: 'from-file', B: 'quoted value', C: 'from-env' });
  });

  it('loadDotEnv does nothing without a .env', () => {
    const env = {};
    expect(loadDotEnv(dir, env)).toEqual([]);
    expect(env).toEqual({});
  });

  it('loadConfigFile reads the file and the .env beside it; the environment wins', () => {
    writeFileSync(join(dir, '.env'), 'SLACK_BOT_TOKEN=from-dotenv\nLEVEL=debug\n');
    const path = join(dir, 'opsagent.yaml');
    writeFileSync(
      path,
      'log:\n  level: ${LEVEL}\nplugins:\n  slack:\n    botToken: ${SLACK_BOT_TOKEN}\n',
    );
    const env: Record<string, string | undefined> = { SLACK_BOT_TOKEN: 'from-env' };
    const config = loadConfigFile(path, { env, plugins: [slackPlugin] });
    expect(config.log.level).toBe('debug');
    expect(config.plugins.slack).toEqual({ botToken: 'from-env', port: 3000 });
    expect(env.LEVEL).toBe('debug');
  });

  it('names the file in validation messages', () => {
    const path = join(dir, 'opsagent.yaml');
    writeFileSync(path, 'agent:\n  maxRounds: many\n');
    const error = configError(() => loadConfigFile(path, { env: {} }));
    expect(error.message.startsWith(`${path}: agent.maxRounds: `)).toBe(true);
  });

  it('reports a missing file, naming it and suggesting opsagent init', () => {
    const path = join(dir, 'missing.yaml');
    const error = configError(() => loadConfigFile(path, { env: {} }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.category).toBe('user');
    expect(error.message).toBe(`${path}: config file not found; run "opsagent init" to create one`);
  });
});

/** The parts of a JSON Schema node the tests read. */
interface JsonSchemaNode {
  $schema?: string;
  description?: string;
  default?: unknown;
  required?: string[];
  additionalProperties?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

describe('configJsonSchema', () => {
  it('describes the whole file, plugin sections included', () => {
    const schema = configJsonSchema([slackPlugin]) as JsonSchemaNode;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.monitor?.description).toBe('The monitor: schedule and flap damping.');
    expect(schema.properties?.monitor?.properties?.interval).toMatchObject({
      default: '60s',
      description: 'Default interval between checks of a source.',
    });
    const slack = schema.properties?.plugins?.properties?.slack;
    expect(slack?.properties?.botToken?.description).toBe('Slack bot token (xoxb-...).');
    expect(slack?.required).toEqual(['botToken']);
  });

  it('gives every core field a description', () => {
    const schema = configJsonSchema() as JsonSchemaNode;
    const undescribed: string[] = [];
    const visit = (node: JsonSchemaNode | undefined, path: string): void => {
      if (node === undefined) return;
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undescribed.push(`${path}${key}`);
        visit(child, `${path}${key}.`);
      }
      visit(node.items, `${path}[].`);
    };
    visit(schema, '');
    expect(undescribed).toEqual([]);
  });
});
