import type { LanguageModel, Logger, ModelTask, SecretRedactor } from '@opsagent/core';
import {
  createAnthropicModel,
  createBedrockModel,
  createGoogleModel,
  createInteractionLog,
  createOpenAIModel,
  createRouter,
  type ModelFactory,
  mergeRoutes,
  UsageMeter,
} from '@opsagent/llm';

/** Which providers the environment configures, in the order the default routes try them. */
export function configuredProviders(env: NodeJS.ProcessEnv): string[] {
  const providers: string[] = [];
  if (env.ANTHROPIC_API_KEY) providers.push('anthropic');
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) providers.push('openai');
  if (env.GEMINI_API_KEY || env.GOOGLE_API_KEY) providers.push('google');
  // AWS credentials are common for other reasons: Bedrock only when asked for.
  if (env.OPSAGENT_MODEL?.trim().startsWith('bedrock:') || env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME) {
    providers.push('bedrock');
  }
  return providers;
}

const TASKS: readonly ModelTask[] = ['chat', 'triage', 'analysis', 'diagnosis'];

/**
 * The model the CLI uses, from the environment alone: each provider whose key (or, for
 * OpenAI-compatible local servers, base URL) is set, behind the task router with fallback, metered
 * and logged to `<dataDir>/llm.jsonl`. `OPSAGENT_MODEL=provider:model` (e.g. `openai:llama3.1`
 * for Ollama) puts one model first for every task. Undefined when no provider is configured.
 */
export function createModelFromEnv(options: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logger: Logger;
  redactor: SecretRedactor;
}): LanguageModel | undefined {
  const { env, logger } = options;
  const providers = configuredProviders(env);
  if (providers.length === 0) return undefined;
  const factories: Record<string, ModelFactory> = {};
  const log = (provider: string) => logger.child({ provider });
  if (providers.includes('anthropic')) {
    factories.anthropic = (model) => createAnthropicModel({ model, env, logger: log('anthropic') });
  }
  if (providers.includes('openai')) {
    factories.openai = (model) => createOpenAIModel({ model, env, logger: log('openai') });
  }
  if (providers.includes('google')) {
    factories.google = (model) => createGoogleModel({ model, env });
  }
  if (providers.includes('bedrock')) {
    factories.bedrock = (model) => createBedrockModel({ model, env, logger: log('bedrock') });
  }
  const preferred = env.OPSAGENT_MODEL?.trim();
  const routes = mergeRoutes(
    preferred
      ? Object.fromEntries(TASKS.map((task) => [task, [preferred, ...mergeRoutes()[task]]]))
      : {},
  );
  const router = createRouter({
    models: factories,
    routes,
    logger: logger.child({ component: 'router' }),
  });
  const meter = new UsageMeter({
    log: createInteractionLog({ dir: options.dataDir, redactor: options.redactor, logger }),
    logger,
  });
  return meter.wrap(router);
}
