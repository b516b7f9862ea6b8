export { providerCheck } from './doctor.js';
export {
  envProviderTypes,
  providerFactory,
  type ResolvedProvider,
  resolveProviders,
} from './providers.js';
export {
  type LlmConfig,
  llmConfigSchema,
  PROVIDER_TYPES,
  type ProviderConfig,
  type ProviderType,
  parseSize,
  providerConfigSchema,
  providerTypeOf,
} from './schema.js';
export { configSecrets, createLlm, type Llm, type LlmOptions, llmPlugin } from './setup.js';
