export {
  CACHE_WRITE_PRICE_FACTOR,
  type CatalogEntry,
  costOf,
  type ModelCapabilities,
  ModelCatalog,
  type ModelPricing,
  type ModelTier,
  type ProviderName,
  type ResolvedModel,
} from './catalog.js';
export { DEFAULT_CATALOG } from './default-catalog.js';
export { catalogEntrySchema, catalogSchema, modelTierSchema } from './schema.js';
