import {
  type Clock,
  errorMessage,
  isOpsAgentError,
  type LanguageModel,
  type Logger,
  type ModelRequest,
  type ModelResponse,
  type ModelTask,
  OpsAgentError,
  silentLogger,
  systemClock,
} from '@opsagent/core';
import { ModelCatalog, type ModelTier, type ResolvedModel } from '../catalog/catalog.js';
import { LLM_ALL_FAILED, type LlmErrorCode, llmError, RETRYABLE_LLM_CODES } from '../errors.js';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
import { type ModelRoutes, mergeRoutes } from './routes.js';

/** Builds a provider's model for a vendor model id; how a provider registers with the router. */
export type ModelFactory = (modelId: string) => LanguageModel;

/** Providers by name (`anthropic`, `openai`, `google`, `bedrock`, or any other). */
export type ModelFactories =
  | ReadonlyMap<string, ModelFactory>
  | Readonly<Record<string, ModelFactory | undefined>>;

/** Thrown by {@link createRouter} when a route names a model it cannot place (category `user`). */
export const LLM_ROUTE_INVALID = 'LLM_ROUTE_INVALID';
/** Thrown when no configured provider serves any model of the task's route (category `user`). */
export const LLM_NO_MODEL = 'LLM_NO_MODEL';

/** Waits `ms`, rejecting when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Env vars (or other credentials) to check when a provider answers 401/403. */
export const DEFAULT_CREDENTIAL_HINTS: Readonly<Record<string, string>> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  google: 'GEMINI_API_KEY (or GOOGLE_API_KEY)',
  bedrock: 'the AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
};

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** Registered providers; route entries of other providers are skipped. */
  models: ModelFactories;
  /** Per-task model lists; tasks left out keep {@link DEFAULT_ROUTES}. */
  routes?: Partial<ModelRoutes>;
  /** Catalog used to place bare model ids and to list tiers; the built-in one by default. */
  catalog?: ModelCatalog;
  /** Time source for the circuit breaker. */
  clock?: Clock;
  /** Logger (fallbacks at info, opened circuits and disabled providers at warn). */
  logger?: Logger;
  /** Waits for a rate limit's retry-after; injectable for tests. */
  sleep?: Sleep;
  /** Longest retry-after honoured (once) before moving on; default 10 s. */
  maxRetryWaitMs?: number;
  /** Circuit breaker per provider. */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'clock'>;
  /** What to check when a provider rejects our credentials, by provider name. */
  credentialHints?: Record<string, string>;
}

/** One model the router tried or skipped, and why. */
export interface ModelAttempt {
  /** `provider:modelId`. */
  model: string;
  /** The error code, or `SKIPPED_CIRCUIT_OPEN` / `SKIPPED_PROVIDER_DISABLED`. */
  code: string;
  /** Human-readable reason. */
  reason: string;
}

/** Health of one provider, for `doctor`. */
export interface ProviderStatus {
  /** Provider name. */
  provider: string;
  /** True after an auth error. */
  disabled: boolean;
  /** Circuit breaker state. */
  circuit: CircuitState;
}

/** The routing LanguageModel: picks the model list for `request.task` and falls back in order. */
export interface Router extends LanguageModel {
  /** Tries the task's models in order. */
  generate(request: ModelRequest): Promise<ModelResponse>;
  /** `provider:modelId` refs the task would try, registered providers only, in order. */
  candidates(task: ModelTask): string[];
  /** A LanguageModel over the catalog's `tier` models of registered providers, cheapest first. */
  tier(tier: ModelTier): LanguageModel;
  /** Health of every registered provider. */
  providers(): ProviderStatus[];
}

const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Creates the router (name `router`): routing by task, fallback, retry-after, circuit breaker. */
export function createRouter(options: RouterOptions): Router {
  const factories = toMap(options.models);
  const catalog = options.catalog ?? new ModelCatalog();
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? defaultSleep;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 10_000;
  const hints = { ...DEFAULT_CREDENTIAL_HINTS, ...options.credentialHints };
  const breaker = new CircuitBreaker({
    ...options.circuitBreaker,
    clock: options.clock ?? systemClock,
  });
  const disabled = new Set<string>();
  const instances = new Map<string, LanguageModel>();

  const routes = new Map<ModelTask, ResolvedModel[]>();
  for (const [task, refs] of Object.entries(mergeRoutes(options.routes)) as Array<
    [ModelTask, readonly string[]]
  >) {
    routes.set(
      task,
      refs.map((ref) => {
        const resolved = catalog.resolve(ref);
        if (!resolved) {
          throw new OpsAgentError(
            LLM_ROUTE_INVALID,
            `Route "${task}" names "${ref}", which is not in the model catalog; write it as provider:modelId (e.g. openai:${ref}) or add it to the catalog`,
            { category: 'user', details: { task, ref } },
          );
        }
        return resolved;
      }),
    );
  }

  const refOf = (model: ResolvedModel) => `${model.provider}:${model.modelId}`;
  const available = (list: readonly ResolvedModel[]) =>
    list.filter((model) => factories.has(model.provider));

  const instance = (model: ResolvedModel): LanguageModel => {
    const key = refOf(model);
    let built = instances.get(key);
    if (!built) {
      const factory = factories.get(model.provider);
      if (!factory) throw new Error(`no factory for ${model.provider}`);
      built = factory(model.modelId);
      instances.set(key, built);
    }
    return built;
  };

  const checkAborted = (request: ModelRequest) => {
    if (request.signal?.aborted) throw llmError('LLM_ABORTED', 'The model request was aborted');
  };

  const callOnce = async (model: ResolvedModel, request: ModelRequest): Promise<ModelResponse> => {
    const llm = instance(model);
    try {
      return await llm.generate(request);
    } catch (error) {
      if (!isOpsAgentError(error, 'LLM_RATE_LIMITED')) throw error;
      const waitMs = error.details.retryAfterMs;
      if (typeof waitMs !== 'number' || waitMs < 0 || waitMs > maxRetryWaitMs) throw error;
      logger.info({ model: refOf(model), waitMs }, 'rate limited; waiting once for retry-after');
      try {
        await sleep(waitMs, request.signal);
      } catch (cause) {
        throw llmError('LLM_ABORTED', 'The model request was aborted', { cause });
      }
      checkAborted(request);
      return await llm.generate(request);
    }
  };

  const run = async (
    list: readonly ResolvedModel[],
    request: ModelRequest,
    label: string,
  ): Promise<ModelResponse> => {
    const candidates = available(list);
    if (candidates.length === 0) {
      throw new OpsAgentError(
        LLM_NO_MODEL,
        `No configured provider serves ${label} (tried ${list.map(refOf).join(', ') || 'nothing'}; configured: ${[...factories.keys()].join(', ') || 'none'})`,
        { category: 'user', details: { task: request.task, models: list.map(refOf) } },
      );
    }
    const attempts: ModelAttempt[] = [];
    for (const model of candidates) {
      checkAborted(request);
      const ref = refOf(model);
      const { provider } = model;
      if (disabled.has(provider)) {
        attempts.push({
          model: ref,
          code: 'SKIPPED_PROVIDER_DISABLED',
          reason: `provider ${provider} disabled after an auth error`,
        });
        continue;
      }
      if (!breaker.tryAcquire(provider)) {
        attempts.push({
          model: ref,
          code: 'SKIPPED_CIRCUIT_OPEN',
          reason: `circuit open for provider ${provider}`,
        });
        continue;
      }
      try {
        const response = await callOnce(model, request);
        breaker.success(provider);
        return response;
      } catch (error) {
        const code = isOpsAgentError(error) ? error.code : 'LLM_UNKNOWN';
        if (code === 'LLM_BAD_REQUEST' || code === 'LLM_ABORTED') {
          breaker.release(provider);
          throw error;
        }
        if (code === 'LLM_AUTH') {
          breaker.release(provider);
          disabled.add(provider);
          logger.warn(
            { provider, model: ref, err: errorMessage(error) },
            `LLM provider ${provider} rejected our credentials and is disabled until restart; check ${hints[provider] ?? `the ${provider} credentials`}`,
          );
          attempts.push({ model: ref, code, reason: `auth failed: ${errorMessage(error)}` });
          continue;
        }
        attempts.push({ model: ref, code, reason: errorMessage(error) });
        if (breaker.failure(provider)) {
          logger.warn({ provider }, `LLM provider ${provider} keeps failing; circuit opened`);
        }
        logger.info(
          { model: ref, code, err: errorMessage(error) },
          'model failed; trying the next',
        );
      }
    }
    throw new OpsAgentError(
      LLM_ALL_FAILED,
      `Every model for ${label} failed: ${attempts.map((a) => `${a.model} (${a.code}: ${a.reason})`).join('; ')}`,
      {
        category: 'third-party',
        retryable: attempts.some(
          (a) =>
            a.code === 'SKIPPED_CIRCUIT_OPEN' || RETRYABLE_LLM_CODES.has(a.code as LlmErrorCode),
        ),
        details: { task: request.task, attempts },
      },
    );
  };

  const smallestWindow = (list: readonly ResolvedModel[]): number | undefined => {
    const windows = available(list).map((model) => model.entry?.contextWindow);
    // A model the catalog does not know could be small: then say nothing (the loop's default).
    if (windows.length === 0 || windows.includes(undefined)) return undefined;
    return Math.min(...(windows as number[]));
  };
  const chatWindow = smallestWindow(routes.get('chat') ?? []);

  return {
    name: 'router',
    // The agent loop asks for `chat`: the smallest window among the models it may fall back to.
    ...(chatWindow !== undefined ? { contextWindow: chatWindow } : {}),
    generate(request) {
      return run(routes.get(request.task) ?? [], request, `task "${request.task}"`);
    },
    candidates(task) {
      return available(routes.get(task) ?? []).map(refOf);
    },
    tier(tier) {
      const list = (): ResolvedModel[] =>
        catalog
          .byPrice(tier, factories.keys())
          .map((entry) => ({ provider: entry.provider, modelId: entry.id, entry }));
      const window = smallestWindow(list());
      return {
        name: `router:${tier}`,
        ...(window !== undefined ? { contextWindow: window } : {}),
        generate: (request) => run(list(), request, `tier "${tier}"`),
      };
    },
    providers() {
      return [...factories.keys()].map((provider) => ({
        provider,
        disabled: disabled.has(provider),
        circuit: breaker.state(provider),
      }));
    },
  };
}

function toMap(models: ModelFactories): Map<string, ModelFactory> {
  const map = new Map<string, ModelFactory>();
  const entries =
    models instanceof Map
      ? [...(models as ReadonlyMap<string, ModelFactory>).entries()]
      : Object.entries(models as Readonly<Record<string, ModelFactory | undefined>>);
  for (const [name, factory] of entries) if (factory) map.set(name, factory);
  return map;
}
