import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { signalPlugin } from '@opsagent/channel-signal';
import { slackPlugin } from '@opsagent/channel-slack/plugin';
import {
  type Agent,
  ConfigError,
  type CoreConfig,
  createAgent,
  createLogger,
  defaultDataDir,
  type Logger,
  type LogLevel,
  loadConfigFile,
  MemoryStore,
  OpsAgentError,
  type Plugin,
  type PluginEntry,
  parseConfig,
  SecretRedactor,
  SqliteStore,
  type Store,
  toRuntimeOptions,
} from '@opsagent/core';
import { configSecrets } from '@opsagent/llm';
import { awsEmailPlugin, awsPlugin } from '@opsagent/source-aws';
import { homelabPlugin, localHostPlugin } from '@opsagent/source-homelab';
import { llmPlugin, llmSection } from './model.js';
import { importPluginModules } from './modules.js';
import { type Preset, presets, type RunMode } from './presets/index.js';

/** Plugins whose config sections the CLI knows, for validation and `config schema`. */
export const knownPlugins = [
  localHostPlugin,
  homelabPlugin,
  signalPlugin,
  slackPlugin,
  awsPlugin,
  awsEmailPlugin,
  llmPlugin,
] as const;

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

/**
 * Imports the plugins listed under `modules:` (see {@link importPluginModules}) and validates
 * their sections of the config file against their schemas.
 */
export async function loadModules(
  loaded: LoadedConfig,
  options: Pick<LoadOptions, 'env' | 'cwd'>,
): Promise<{ loaded: LoadedConfig; modules: Plugin[] }> {
  if (loaded.config.modules.length === 0) return { loaded, modules: [] };
  const baseDir = loaded.configFile ? dirname(loaded.configFile) : options.cwd;
  const modules = await importPluginModules(loaded.config.modules, baseDir);
  const plugins = [...knownPlugins, ...modules];
  const config = loaded.configFile
    ? loadConfigFile(loaded.configFile, { env: options.env, plugins })
    : parseConfig('', { env: options.env, plugins, source: '(defaults)' });
  return { loaded: { ...loaded, config }, modules };
}

/**
 * Builds the store the config asks for. `@opsagent/store-dynamodb` (and the AWS SDK) is loaded
 * only for `type: dynamodb`. Throws a `CONFIG_INVALID` {@link ConfigError} naming the `store.`
 * field for a DynamoDB option the store refuses.
 */
export async function createStore(
  loaded: LoadedConfig,
  options: { env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<Store> {
  const { store } = loaded.config;
  if (store.type === 'memory') return new MemoryStore();
  if (store.type === 'sqlite') {
    return new SqliteStore({ path: store.path ?? join(loaded.dataDir, 'opsagent.db') });
  }
  const { DynamoStore, dynamoStoreConfigSchema } = await import('@opsagent/store-dynamodb');
  const { type: _type, path: _path, ...dynamo } = store;
  const parsed = dynamoStoreConfigSchema.safeParse(dynamo);
  if (!parsed.success) {
    throw new ConfigError(
      'CONFIG_INVALID',
      loaded.configFile ?? '(defaults)',
      parsed.error.issues.map((issue) => ({
        path: ['store', ...issue.path].join('.'),
        message: issue.message,
      })),
    );
  }
  return new DynamoStore({
    ...parsed.data,
    ...(options.env ? { env: options.env } : {}),
    ...(options.logger ? { logger: options.logger.child({ store: 'dynamodb' }) } : {}),
  });
}

/** Loads the config and assembles the agent for a CLI mode. */
export async function loadAgent(
  options: LoadOptions,
): Promise<{ agent: Agent; loaded: LoadedConfig; logger: Logger }> {
  const { loaded, modules } = await loadModules(loadConfig(options), options);
  const { config, preset } = loaded;
  const moduleEntries: PluginEntry[] = modules.map((plugin) => ({
    plugin,
    config: config.plugins[plugin.name],
    validated: true,
  }));
  const redactor = new SecretRedactor();
  redactor.addFromEnv(options.env);
  const secrets = [
    ...configSecrets(llmSection(config)),
    // API tokens may be written in the file itself; they never reach a log either way.
    ...(config.api?.tokens.map((t) => t.token) ?? []),
  ];
  redactor.add(...secrets);
  const logger = createLogger({
    level: options.logLevel ?? config.log.level,
    ...(config.log.pretty === undefined ? {} : { pretty: config.log.pretty }),
    redactor,
  });
  const runtime = toRuntimeOptions(config);
  const fromEnv = preset.fromEnv?.(options.env) ?? {};
  const agent = await createAgent({
    // Models, routing, budgets, the interaction log and `cost` come from plugins.llm and the
    // environment (see @opsagent/llm's llmPlugin).
    plugins: [
      ...preset.plugins(config.plugins, options.mode, options.env),
      { plugin: llmPlugin, config: llmSection(config), validated: true },
      ...moduleEntries,
      ...(options.plugins ?? []),
    ],
    store: await createStore(loaded, { env: options.env, logger }),
    principals:
      runtime.principals.length > 0
        ? runtime.principals
        : (fromEnv.principals ?? preset.principals),
    notifications:
      runtime.notifications.length > 0
        ? runtime.notifications
        : (fromEnv.notifications ?? preset.notifications),
    conversation: runtime.conversation,
    queue: runtime.queue,
    agent: runtime.agent,
    monitor: { ...runtime.monitor, enabled: config.monitor.enabled ?? options.mode === 'run' },
    approvals: {
      ...runtime.approvals,
      policy:
        runtime.approvals.policy.length > 0 ? runtime.approvals.policy : (preset.policy ?? []),
    },
    logger,
    dataDir: loaded.dataDir,
    env: options.env,
  });
  return { agent, loaded, logger };
}
