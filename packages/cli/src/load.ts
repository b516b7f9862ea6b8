import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { slackPlugin } from '@opsagent/channel-slack/plugin';
import {
  type Agent,
  type CoreConfig,
  createAgent,
  createLogger,
  defaultDataDir,
  type Logger,
  type LogLevel,
  loadConfigFile,
  MemoryStore,
  OpsAgentError,
  type PluginEntry,
  parseConfig,
  SecretRedactor,
  SqliteStore,
  type Store,
  toRuntimeOptions,
} from '@opsagent/core';
import { awsEmailPlugin, awsPlugin } from '@opsagent/source-aws';
import { localHostPlugin } from '@opsagent/source-homelab';
import { createModelFromEnv } from './model.js';
import { type Preset, presets, type RunMode } from './presets/index.js';

/** Plugins whose config sections the CLI knows, for validation and `config schema`. */
export const knownPlugins = [localHostPlugin, awsPlugin, awsEmailPlugin, slackPlugin] as const;

/** Options of {@link loadAgent}. */
export interface LoadOptions {
  /** `--config FILE`; default `./opsagent.yaml` when it exists. */
  configPath?: string | undefined;
  /** `--preset NAME`; default the file's `preset:`, else `local`. */
  preset?: string | undefined;
  /** What the agent is for. */
  mode: RunMode;
  /** Environment. */
  env: NodeJS.ProcessEnv;
  /** Folder to look for opsagent.yaml in. */
  cwd: string;
  /** Least log level; overrides the file. */
  logLevel?: LogLevel | undefined;
  /** Plugins added to the preset's (for embedding the CLI and for tests). */
  plugins?: readonly PluginEntry[] | undefined;
}

/** A loaded configuration: the file (or defaults), the preset, and where things live. */
export interface LoadedConfig {
  config: CoreConfig;
  preset: Preset;
  configFile: string | undefined;
  dataDir: string;
}

/** Reads and validates the config (or the defaults when there is no file) and picks the preset. */
export function loadConfig(options: Omit<LoadOptions, 'mode' | 'logLevel'>): LoadedConfig {
  const explicit = options.configPath ? resolve(options.cwd, options.configPath) : undefined;
  const implicit = join(options.cwd, 'opsagent.yaml');
  const configFile = explicit ?? (existsSync(implicit) ? implicit : undefined);
  const config = configFile
    ? loadConfigFile(configFile, { env: options.env, plugins: knownPlugins })
    : parseConfig('', { env: options.env, plugins: knownPlugins, source: '(defaults)' });
  const presetName = options.preset ?? config.preset ?? 'local';
  const preset = presets[presetName];
  if (!preset) {
    throw new OpsAgentError(
      'PRESET_UNKNOWN',
      `unknown preset "${presetName}"${options.preset ? ' (from --preset)' : ' (from preset: in the config file)'}; available: ${Object.keys(presets).join(', ')}`,
      { category: 'user' },
    );
  }
  const dataDir = resolve(options.cwd, config.dataDir ?? defaultDataDir(options.env));
  return { config, preset, configFile, dataDir };
}

/** Builds the store the config asks for. */
export function createStore(loaded: LoadedConfig): Store {
  if (loaded.config.store.type === 'memory') return new MemoryStore();
  return new SqliteStore({ path: loaded.config.store.path ?? join(loaded.dataDir, 'opsagent.db') });
}

/** Loads the config and assembles the agent for a CLI mode. */
export async function loadAgent(
  options: LoadOptions,
): Promise<{ agent: Agent; loaded: LoadedConfig; logger: Logger }> {
  const loaded = loadConfig(options);
  const { config, preset } = loaded;
  const redactor = new SecretRedactor();
  redactor.addFromEnv(options.env);
  // API tokens may be written in the file itself; they never reach a log either way.
  redactor.add(...(config.api?.tokens.map((t) => t.token) ?? []));
  const logger = createLogger({
    level: options.logLevel ?? config.log.level,
    ...(config.log.pretty === undefined ? {} : { pretty: config.log.pretty }),
    redactor,
  });
  const runtime = toRuntimeOptions(config);
  const model = createModelFromEnv({ env: options.env, dataDir: loaded.dataDir, logger, redactor });
  const agent = await createAgent({
    ...(model ? { model } : {}),
    plugins: [...preset.plugins(config.plugins, options.mode), ...(options.plugins ?? [])],
    store: createStore(loaded),
    principals: runtime.principals.length > 0 ? runtime.principals : preset.principals,
    notifications: runtime.notifications.length > 0 ? runtime.notifications : preset.notifications,
    conversation: runtime.conversation,
    agent: runtime.agent,
    monitor: { ...runtime.monitor, enabled: config.monitor.enabled ?? options.mode === 'run' },
    approvals: runtime.approvals,
    logger,
    dataDir: loaded.dataDir,
    env: options.env,
  });
  return { agent, loaded, logger };
}
