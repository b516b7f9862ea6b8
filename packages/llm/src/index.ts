export {
  type CatalogEntry,
  catalogEntrySchema,
  catalogSchema,
  costOf,
  DEFAULT_CATALOG,
  type ModelCapabilities,
  ModelCatalog,
  type ModelPricing,
  type ModelTier,
  modelTierSchema,
  type ProviderName,
  type ResolvedModel,
} from './catalog/index.js';
export {
  configSecrets,
  createLlm,
  envProviderTypes,
  type Llm,
  type LlmConfig,
  type LlmOptions,
  llmConfigSchema,
  llmPlugin,
  PROVIDER_TYPES,
  type ProviderConfig,
  type ProviderType,
  parseSize,
  providerCheck,
  providerConfigSchema,
  providerFactory,
  providerTypeOf,
  type ResolvedProvider,
  resolveProviders,
} from './config/index.js';
export {
  isLlmErrorCode,
  LLM_ALL_FAILED,
  LLM_BUDGET_EXCEEDED,
  LLM_ERROR_CODES,
  type LlmErrorCode,
  type LlmErrorOptions,
  llmError,
  RETRYABLE_LLM_CODES,
} from './errors.js';
export {
  type AnthropicModelOptions,
  anthropicSupportsThinking,
  createAnthropicModel,
} from './providers/anthropic.js';
export {
  type BedrockCredentials,
  type BedrockModelOptions,
  bedrockSettings,
  createBedrockModel,
  toBedrockError,
} from './providers/bedrock.js';
export { createGoogleModel, type GoogleModelOptions } from './providers/google.js';
export {
  createOpenAIModel,
  type OpenAIModelOptions,
  parseToolArguments,
} from './providers/openai.js';
export { retryAfterMs, toLlmError } from './providers/provider-errors.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  createRouter,
  DEFAULT_CREDENTIAL_HINTS,
  DEFAULT_ROUTES,
  LLM_NO_MODEL,
  LLM_ROUTE_INVALID,
  type ModelAttempt,
  type ModelFactories,
  type ModelFactory,
  type ModelRoutes,
  mergeRoutes,
  type ProviderStatus,
  type Router,
  type RouterOptions,
  routesSchema,
  type Sleep,
} from './routing/index.js';
export { createCostCommand, formatUsd } from './usage/cost-command.js';
export {
  type BudgetBehaviour,
  type BudgetBreach,
  type Budgets,
  createInteractionLog,
  type InteractionLog,
  type InteractionLogOptions,
  type LoggedCall,
  readLoggedCalls,
  type UsageKeys,
  UsageMeter,
  type UsageMeterOptions,
  type UsageRecord,
  type UsageTotals,
} from './usage/index.js';
