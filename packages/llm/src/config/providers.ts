import type { LanguageModel, Logger } from '@opsagent/core';
import { createAnthropicModel } from '../providers/anthropic.js';
import { bedrockSettings, createBedrockModel } from '../providers/bedrock.js';
import { createGoogleModel } from '../providers/google.js';
import { createOpenAIModel } from '../providers/openai.js';
import {
  type LlmConfig,
  type ProviderConfig,
  type ProviderType,
  providerTypeOf,
} from './schema.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A provider the agent will use, from config or from the environment. */
export interface ResolvedProvider {
  /** Name in routes (`anthropic`, `ollama`, ...). */
  name: string;
  /** API it speaks. */
  type: ProviderType;
  /** Where it was configured. */
  source: 'config' | 'env';
  /** Its config entry (empty for env providers). */
  config: ProviderConfig;
  /**
   * Environment the provider's SDK settings may come from: the real one for entries named after
   * their API, none for custom names, so `OPENAI_API_KEY` never goes to a local server.
   */
  env: Env;
  /** Where the credential comes from, e.g. `ANTHROPIC_API_KEY`, or undefined when there is none. */
  credential: string | undefined;
  /** What to set or check for the credential, e.g. `ANTHROPIC_API_KEY or plugins.llm...apiKey`. */
  credentialHint: string;
  /** The endpoint it talks to (undefined: the vendor's default). */
  baseURL: string | undefined;
}

/** Provider types the environment configures on its own (Bedrock only when asked for). */
export function envProviderTypes(env: Env): ProviderType[] {
  const out: ProviderType[] = [];
  if (env.ANTHROPIC_API_KEY) out.push('anthropic');
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) out.push('openai');
  if (env.GEMINI_API_KEY || env.GOOGLE_API_KEY) out.push('google');
  // AWS credentials are common for other reasons: Bedrock only when asked for.
  if (env.OPSAGENT_MODEL?.trim().startsWith('bedrock:') || env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME) {
    out.push('bedrock');
  }
  return out;
}

const EMPTY_PROVIDER: ProviderConfig = { enabled: true };

function credentialOf(
  name: string,
  type: ProviderType,
  config: ProviderConfig,
  env: Env,
): { credential: string | undefined; hint: string; baseURL: string | undefined } {
  const at = `plugins.llm.providers.${name}`;
  switch (type) {
    case 'anthropic':
      return {
        credential: config.apiKey
          ? `${at}.apiKey`
          : env.ANTHROPIC_API_KEY
            ? 'ANTHROPIC_API_KEY'
            : undefined,
        hint: `ANTHROPIC_API_KEY or ${at}.apiKey`,
        baseURL: config.baseURL ?? env.ANTHROPIC_BASE_URL,
      };
    case 'openai': {
      const baseURL = config.baseURL ?? env.OPENAI_BASE_URL;
      return {
        credential: config.apiKey
          ? `${at}.apiKey`
          : env.OPENAI_API_KEY
            ? 'OPENAI_API_KEY'
            : baseURL
              ? 'none needed for a local server'
              : undefined,
        hint: `OPENAI_API_KEY or ${at}.apiKey (or a baseURL for a local server)`,
        baseURL,
      };
    }
    case 'google':
      return {
        credential: config.apiKey
          ? `${at}.apiKey`
          : env.GOOGLE_API_KEY
            ? 'GOOGLE_API_KEY'
            : env.GEMINI_API_KEY
              ? 'GEMINI_API_KEY'
              : undefined,
        hint: `GEMINI_API_KEY or ${at}.apiKey`,
        baseURL: config.baseURL ?? env.GOOGLE_GEMINI_BASE_URL,
      };
    case 'bedrock': {
      const settings = bedrockSettings({
        ...(config.region ? { region: config.region } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...bedrockCredentials(config),
        env,
      });
      return {
        credential: `${settings.credentialSource} (region ${settings.region})`,
        hint: 'AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
        baseURL: settings.endpoint,
      };
    }
  }
}

function bedrockCredentials(config: ProviderConfig) {
  return config.accessKeyId && config.secretAccessKey
    ? {
        credentials: {
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
          ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
        },
      }
    : {};
}

/**
 * The providers to use: enabled config entries, then (with `fromEnv`) each provider the
 * environment configures that config does not name.
 */
export function resolveProviders(config: LlmConfig, env: Env): ResolvedProvider[] {
  const out: ResolvedProvider[] = [];
  const add = (
    name: string,
    type: ProviderType,
    entry: ProviderConfig,
    source: 'config' | 'env',
  ) => {
    const providerEnv = name === type || type === 'bedrock' ? env : {};
    const { credential, hint, baseURL } = credentialOf(name, type, entry, providerEnv);
    out.push({
      name,
      type,
      source,
      config: entry,
      env: providerEnv,
      credential,
      credentialHint: hint,
      baseURL,
    });
  };
  for (const [name, entry] of Object.entries(config.providers)) {
    const type = providerTypeOf(name, entry);
    if (type !== undefined && entry.enabled) add(name, type, entry, 'config');
  }
  if (config.fromEnv) {
    for (const type of envProviderTypes(env)) {
      if (!Object.hasOwn(config.providers, type)) add(type, type, EMPTY_PROVIDER, 'env');
    }
  }
  return out;
}

/** The model factory of one resolved provider. */
export function providerFactory(
  provider: ResolvedProvider,
  logger: Logger,
): (modelId: string) => LanguageModel {
  const { name, config, env } = provider;
  const common = {
    env,
    ...(config.timeout !== undefined ? { timeoutMs: config.timeout } : {}),
  };
  const output =
    config.maxOutputTokens !== undefined ? { maxOutputTokens: config.maxOutputTokens } : {};
  const configPath = `plugins.llm.providers.${name}.apiKey`;
  const log = logger.child({ provider: name });
  switch (provider.type) {
    case 'anthropic':
      return (model) =>
        createAnthropicModel({
          model,
          ...common,
          ...output,
          ...(config.apiKey ? { apiKey: config.apiKey } : {}),
          ...(config.baseURL ? { baseURL: config.baseURL } : {}),
          configPath,
          logger: log,
        });
    case 'openai':
      return (model) =>
        createOpenAIModel({
          model,
          ...common,
          ...output,
          provider: name,
          ...(config.apiKey ? { apiKey: config.apiKey } : {}),
          ...(config.baseURL ? { baseURL: config.baseURL } : {}),
          configPath,
          logger: log,
        });
    case 'google':
      return (model) =>
        createGoogleModel({
          model,
          ...common,
          ...(config.apiKey ? { apiKey: config.apiKey } : {}),
          ...(config.baseURL ? { baseURL: config.baseURL } : {}),
        });
    case 'bedrock':
      return (model) =>
        createBedrockModel({
          model,
          ...common,
          ...output,
          ...(config.region ? { region: config.region } : {}),
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          ...bedrockCredentials(config),
          logger: log,
        });
  }
}
