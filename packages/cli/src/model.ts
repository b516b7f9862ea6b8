import type { CoreConfig } from '@opsagent/core';
import {
  type LlmConfig,
  llmConfigSchema,
  llmPlugin,
  type ResolvedProvider,
  resolveProviders,
} from '@opsagent/llm';

export { llmPlugin };

/** The validated `plugins.llm` section of a loaded config (defaults when absent). */
export function llmSection(config: CoreConfig): LlmConfig {
  const section = (config.plugins as Record<string, unknown>)[llmPlugin.name];
  // Validated (defaults filled) by the config loader: llmPlugin is one of the known plugins.
  return section === undefined ? llmConfigSchema.parse({}) : (section as LlmConfig);
}

/** The providers the CLI will use: config entries, then those the environment configures. */
export function providersOf(config: CoreConfig, env: NodeJS.ProcessEnv): ResolvedProvider[] {
  return resolveProviders(llmSection(config), env);
}
