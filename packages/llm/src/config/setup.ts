import {
  type Clock,
  type Command,
  definePlugin,
  type HealthCheck,
  type LanguageModel,
  type Logger,
  type ModelTask,
  SecretRedactor,
  silentLogger,
} from '@opsagent/core';
import { ModelCatalog } from '../catalog/catalog.js';
import { createRouter, type Router, type Sleep } from '../routing/router.js';
import { mergeRoutes } from '../routing/routes.js';
import { createCostCommand } from '../usage/cost-command.js';
import {
  createInteractionLog,
  type InteractionLog,
  readLoggedCalls,
} from '../usage/interaction-log.js';
import { UsageMeter } from '../usage/meter.js';
import { providerCheck } from './doctor.js';
import { providerFactory, type ResolvedProvider, resolveProviders } from './providers.js';
import { type LlmConfig, llmConfigSchema } from './schema.js';

/** Options of {@link createLlm}. */
export interface LlmOptions {
  /** The validated `plugins.llm` section; defaults apply when absent. */
  config?: LlmConfig;
  /** Environment (provider keys, `OPSAGENT_MODEL`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder of the interaction log. */
  dataDir: string;
  logger?: Logger;
  /** Hides secrets in the interaction log; one built from `env` and the config's keys otherwise. */
  redactor?: SecretRedactor;
  clock?: Clock;
  /** Waits for retry-after (tests inject one). */
  sleep?: Sleep;
}

/** Everything the agent gets from the llm section. */
export interface Llm {
  /** Providers in use, config first. */
  providers: ResolvedProvider[];
  /** The router, when any provider is configured. */
  router: Router | undefined;
  /** Usage, cost and budgets. */
  meter: UsageMeter;
  /** The interaction log. */
  log: InteractionLog;
  /** The metered router, or undefined without providers (commands only). */
  model: LanguageModel | undefined;
  /** `cost`. */
  commands: Command[];
  /** One doctor check per provider. */
  checks: HealthCheck[];
}

const TASKS: readonly ModelTask[] = ['chat', 'triage', 'analysis', 'diagnosis'];

/** Secret values written in the section itself (after `${VAR}` interpolation). */
export function configSecrets(config: LlmConfig): string[] {
  return Object.values(config.providers).flatMap((p) =>
    [p.apiKey, p.secretAccessKey, p.sessionToken].filter((v): v is string => v !== undefined),
  );
}

/**
 * Builds models, router, meter, interaction log, the `cost` command and doctor checks from the
 * `plugins.llm` section and the environment. `OPSAGENT_MODEL` (else `model:`) is tried first for
 * every task.
 */
export function createLlm(options: LlmOptions): Llm {
  const config = options.config ?? llmConfigSchema.parse({});
  const logger = options.logger ?? silentLogger;
  const redactor = options.redactor ?? new SecretRedactor();
  if (!options.redactor) redactor.addFromEnv(options.env);
  redactor.add(...configSecrets(config));

  const catalog = new ModelCatalog(config.catalog);
  const providers = resolveProviders(config, options.env);
  const log = createInteractionLog({
    dir: options.dataDir,
    redactor,
    logger,
    enabled: config.interactionLog.enabled,
    maxBytes: config.interactionLog.maxSize,
    keep: config.interactionLog.keep,
  });

  let router: Router | undefined;
  if (providers.length > 0) {
    const preferred = options.env.OPSAGENT_MODEL?.trim() || config.model;
    const routes = mergeRoutes(config.routes);
    router = createRouter({
      models: Object.fromEntries(providers.map((p) => [p.name, providerFactory(p, logger)])),
      routes: preferred
        ? Object.fromEntries(
            TASKS.map((task) => [
              task,
              [preferred, ...routes[task].filter((r) => r !== preferred)],
            ]),
          )
        : routes,
      catalog,
      logger: logger.child({ component: 'router' }),
      credentialHints: Object.fromEntries(providers.map((p) => [p.name, p.credentialHint])),
      circuitBreaker: {
        failureThreshold: config.circuitBreaker.failureThreshold,
        cooldownMs: config.circuitBreaker.cooldown,
      },
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  }
  const { perConversationUsd, perDayUsd, onExceeded } = config.budgets;
  const meter = new UsageMeter({
    catalog,
    log,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    budgets: {
      ...(perConversationUsd !== undefined ? { perConversationUsd } : {}),
      ...(perDayUsd !== undefined ? { perDayUsd } : {}),
      onExceeded: router ? onExceeded : 'refuse',
    },
    ...(router && onExceeded === 'downgrade' ? { downgradeTo: router.tier('fast') } : {}),
  });
  if (config.interactionLog.enabled) {
    // Today's calls from before a restart still count towards today's sums and budget.
    const today = (options.clock?.now() ?? new Date()).toISOString().slice(0, 10);
    // Conversation sums start afresh: the same chat key is reused across separate conversations.
    const restored = meter.restore(
      readLoggedCalls({ dir: options.dataDir, keep: config.interactionLog.keep }, today).map(
        ({ conversation: _conversation, ...call }) => call,
      ),
    );
    if (restored > 0) logger.debug({ restored, day: today }, "today's model usage restored");
  }
  return {
    providers,
    router,
    meter,
    log,
    model: router ? meter.wrap(router) : undefined,
    commands: [createCostCommand(meter)],
    checks: providers.map(providerCheck),
  };
}

/**
 * The llm section as a plugin (`plugins.llm`): contributes the model (when any provider is
 * configured, from config or the environment), the `cost` command and one doctor check per
 * provider.
 */
export const llmPlugin = definePlugin({
  name: 'llm',
  configSchema: llmConfigSchema,
  setup(ctx) {
    const llm = createLlm({
      config: ctx.config,
      env: ctx.env,
      dataDir: ctx.dataDir,
      logger: ctx.logger,
    });
    return {
      ...(llm.model ? { model: llm.model } : {}),
      commands: llm.commands,
      checks: llm.checks,
    };
  },
});
