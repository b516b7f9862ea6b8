import type { z } from 'zod';
import type { Channel } from './channel.js';
import type { Command } from './command.js';
import type { HealthCheck } from './health-check.js';
import type { LanguageModel } from './language-model.js';
import type { Logger } from './logger.js';
import type { Remediation } from './remediation.js';
import type { Source } from './source.js';
import type { Tool } from './tool.js';

/** What a plugin's `setup` is given. */
export interface PluginContext<Config> {
  /** The plugin's own config section, validated against its `configSchema`. */
  config: Config;
  /** Logger bound to the plugin (`{ plugin: name }`). */
  logger: Logger;
  /** A folder the plugin may write state to. */
  dataDir: string;
  /** The environment, for secrets the config did not give (see `resolveSecret`). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Small values that survive a restart (cursors, work in progress), in the agent's store under
   * keys of this plugin only. Usable once the agent has started (in checks, tools, remediations),
   * not during `setup`. Absent when `setup` is called outside an agent (keep such state in memory).
   */
  values?: PluginValues;
}

/** A plugin's own small key/values in the agent's store (keys are private to the plugin). */
export interface PluginValues {
  /** The value of `key`, undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets `key`, optionally expiring after `ttlMs`. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
}

/** What a plugin adds to the agent. Every list is optional. */
export interface PluginContributions {
  /** Chat media. */
  channels?: Channel[];
  /** Parts of the world to observe. */
  sources?: Source[];
  /** Read-only tools for the model. */
  tools?: Tool[];
  /** Changes that run only with approval. */
  remediations?: Remediation[];
  /** Chat keywords answered without a model. */
  commands?: Command[];
  /** Checks for `opsagent doctor` (credentials, endpoints). */
  checks?: HealthCheck[];
  /** A language model (at most one plugin may contribute it). */
  model?: LanguageModel;
  /** Called when the agent stops, after channels and sources. */
  dispose?: () => Promise<void>;
}

/** A plugin: a manifest with a name, a config schema and a setup function. */
export interface Plugin<Schema extends z.ZodType = z.ZodType> {
  /** Unique name; also the key of its config section. */
  readonly name: string;
  /** Version, for `doctor` and error messages. */
  readonly version?: string;
  /** Schema of the plugin's config section; composed into the config file's schema. */
  readonly configSchema?: Schema;
  /** Builds the plugin's contributions from its validated config. */
  setup(ctx: PluginContext<z.output<Schema>>): PluginContributions | Promise<PluginContributions>;
}

/** Identity function that exists for type inference: `export default definePlugin({...})`. */
export function definePlugin<Schema extends z.ZodType>(plugin: Plugin<Schema>): Plugin<Schema> {
  return plugin;
}
