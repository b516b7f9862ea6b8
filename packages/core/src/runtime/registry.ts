import type { z } from 'zod';
import type { Channel } from '../contracts/channel.js';
import type { Command } from '../contracts/command.js';
import type { HealthCheck } from '../contracts/health-check.js';
import type { LanguageModel } from '../contracts/language-model.js';
import type { Logger } from '../contracts/logger.js';
import type { Plugin, PluginContributions, PluginValues } from '../contracts/plugin.js';
import type { Remediation } from '../contracts/remediation.js';
import type { Source } from '../contracts/source.js';
import type { Store } from '../contracts/store.js';
import type { Tool } from '../contracts/tool.js';
import { OpsAgentError } from '../errors.js';

/** A plugin with the config section it should get (validated against its schema). */
export interface PluginEntry {
  /** The plugin manifest. */
  plugin: Plugin;
  /** Its config section; `{}` when absent. */
  config?: unknown;
  /** True when `config` is already the output of the plugin's schema (e.g. from `parseConfig`). */
  validated?: boolean;
}

/** Everything the plugins contributed, by kind, names unique within each kind. */
export interface Registry {
  /** Plugins in registration order. */
  plugins: Plugin[];
  /** Channels by name. */
  channels: Map<string, Channel>;
  /** Sources by name. */
  sources: Map<string, Source>;
  /** Tools by name. */
  tools: Map<string, Tool>;
  /** Remediations by name. */
  remediations: Map<string, Remediation>;
  /** Commands by keyword (names and aliases). */
  commands: Map<string, Command>;
  /** Commands in registration order, once each. */
  commandList: Command[];
  /** The language model, when one plugin contributed it. */
  model?: LanguageModel;
  /** Doctor checks, in registration order. */
  checks: HealthCheck[];
  /** Dispose hooks, in registration order. */
  disposers: Array<() => Promise<void>>;
}

const NAME = /^[a-z0-9][a-z0-9_.:@/-]*$/i;

/** Validates a manifest's shape; throws `PLUGIN_INVALID` naming what is wrong. */
export function assertPlugin(value: unknown, origin = 'plugin'): asserts value is Plugin {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) {
    problems.push('is not an object (export a definePlugin({ name, setup }) value)');
  } else {
    const candidate = value as Record<string, unknown>;
    if (typeof candidate.name !== 'string' || !NAME.test(candidate.name)) {
      problems.push('has no valid `name` (letters, digits, - _ . : @ /)');
    }
    if (typeof candidate.setup !== 'function') problems.push('has no `setup(ctx)` function');
    const schema = candidate.configSchema as { safeParse?: unknown } | undefined;
    if (schema !== undefined && typeof schema?.safeParse !== 'function') {
      problems.push('has a `configSchema` that is not a zod schema');
    }
  }
  if (problems.length > 0) {
    throw new OpsAgentError('PLUGIN_INVALID', `${origin} ${problems.join('; ')}`, {
      category: 'user',
      details: { origin, problems },
    });
  }
}

function add<T extends { name: string }>(
  map: Map<string, T>,
  item: T,
  kind: string,
  plugin: string,
  owners: Map<string, string>,
): void {
  const key = `${kind}:${item.name}`;
  if (typeof item.name !== 'string' || !NAME.test(item.name)) {
    throw new OpsAgentError(
      'PLUGIN_INVALID',
      `plugin "${plugin}" contributes a ${kind} without a valid name`,
      {
        category: 'user',
        details: { plugin, kind },
      },
    );
  }
  if (map.has(item.name)) {
    throw new OpsAgentError(
      'PLUGIN_DUPLICATE',
      `${kind} "${item.name}" is registered twice: by plugin "${owners.get(key)}" and by plugin "${plugin}"; rename one or remove a plugin`,
      { category: 'user', details: { kind, name: item.name, plugins: [owners.get(key), plugin] } },
    );
  }
  map.set(item.name, item);
  owners.set(key, plugin);
}

/** Context handed to every plugin's setup, less the per-plugin parts. */
export interface SetupEnvironment {
  /** Root logger; each plugin gets a child. */
  logger: Logger;
  /** Data folder. */
  dataDir: string;
  /** Environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** The agent's store, for each plugin's {@link PluginValues} (keys `plugin:<name>:<key>`). */
  store?: Pick<Store, 'getValue' | 'setValue'>;
}

/** A plugin's view of the store's key/values: its own keys only. */
export function pluginValues(
  store: Pick<Store, 'getValue' | 'setValue'>,
  plugin: string,
): PluginValues {
  const prefix = `plugin:${plugin}:`;
  return {
    get: (key) => store.getValue(prefix + key),
    set: (key, value, ttlMs) => store.setValue(prefix + key, value, ttlMs),
  };
}

/**
 * Validates each plugin's config, runs its setup, and registers what it contributes.
 * Duplicate plugin names, or duplicate names within a kind, throw `PLUGIN_DUPLICATE`.
 */
export async function buildRegistry(
  entries: PluginEntry[],
  environment: SetupEnvironment,
): Promise<Registry> {
  const registry: Registry = {
    plugins: [],
    channels: new Map(),
    sources: new Map(),
    tools: new Map(),
    remediations: new Map(),
    commands: new Map(),
    commandList: [],
    checks: [],
    disposers: [],
  };
  const owners = new Map<string, string>();
  const pluginNames = new Set<string>();
  let modelOwner: string | undefined;

  for (const entry of entries) {
    assertPlugin(entry.plugin);
    const { plugin } = entry;
    if (pluginNames.has(plugin.name)) {
      throw new OpsAgentError('PLUGIN_DUPLICATE', `plugin "${plugin.name}" is registered twice`, {
        category: 'user',
        details: { kind: 'plugin', name: plugin.name },
      });
    }
    pluginNames.add(plugin.name);
    const config = entry.validated ? entry.config : parsePluginConfig(plugin, entry.config);
    let contributions: PluginContributions;
    try {
      contributions = await plugin.setup({
        config,
        logger: environment.logger.child({ plugin: plugin.name }),
        dataDir: environment.dataDir,
        env: environment.env,
        ...(environment.store ? { values: pluginValues(environment.store, plugin.name) } : {}),
      });
    } catch (error) {
      if (error instanceof OpsAgentError) throw error;
      throw new OpsAgentError(
        'PLUGIN_SETUP_FAILED',
        `plugin "${plugin.name}" failed to set up: ${String(error)}`,
        {
          cause: error,
          details: { plugin: plugin.name },
        },
      );
    }
    registry.plugins.push(plugin);
    for (const channel of contributions.channels ?? [])
      add(registry.channels, channel, 'channel', plugin.name, owners);
    for (const source of contributions.sources ?? [])
      add(registry.sources, source, 'source', plugin.name, owners);
    for (const tool of contributions.tools ?? [])
      add(registry.tools, tool, 'tool', plugin.name, owners);
    for (const remediation of contributions.remediations ?? []) {
      add(registry.remediations, remediation, 'remediation', plugin.name, owners);
    }
    for (const command of contributions.commands ?? [])
      addCommand(registry, command, plugin.name, owners);
    if (contributions.model) {
      if (registry.model) {
        throw new OpsAgentError(
          'PLUGIN_DUPLICATE',
          `a language model is contributed twice: by plugin "${modelOwner}" and by plugin "${plugin.name}"`,
          { category: 'user', details: { kind: 'model', plugins: [modelOwner, plugin.name] } },
        );
      }
      registry.model = contributions.model;
      modelOwner = plugin.name;
    }
    registry.checks.push(...(contributions.checks ?? []));
    if (contributions.dispose) registry.disposers.push(contributions.dispose);
  }
  return registry;
}

/** Registers a command under its name and aliases (also used for the built-ins). */
export function addCommand(
  registry: Registry,
  command: Command,
  owner: string,
  owners: Map<string, string>,
): void {
  for (const keyword of [command.name, ...(command.aliases ?? [])]) {
    const word = keyword.toLowerCase();
    const key = `command:${word}`;
    if (registry.commands.has(word)) {
      throw new OpsAgentError(
        'PLUGIN_DUPLICATE',
        `command "${word}" is registered twice: by "${owners.get(key)}" and by "${owner}"`,
        {
          category: 'user',
          details: { kind: 'command', name: word, plugins: [owners.get(key), owner] },
        },
      );
    }
    registry.commands.set(word, command);
    owners.set(key, owner);
  }
  registry.commandList.push(command);
}

function parsePluginConfig(plugin: Plugin, section: unknown): unknown {
  const schema = plugin.configSchema as z.ZodType | undefined;
  if (!schema) return section ?? {};
  const result = schema.safeParse(section ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues
    .map(
      (issue) =>
        `plugins.${plugin.name}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
    )
    .join('\n');
  throw new OpsAgentError(
    'CONFIG_INVALID',
    `invalid config for plugin "${plugin.name}":\n${issues}`,
    {
      category: 'user',
      details: { plugin: plugin.name },
    },
  );
}
