import type { TokenUsage } from '@opsagent/core';
import { DEFAULT_CATALOG } from './default-catalog.js';

/** Speed/cost class of a model. */
export type ModelTier = 'fast' | 'balanced' | 'strong';

/** Known providers; any other string names a provider registered by the caller. */
export type ProviderName = 'anthropic' | 'openai' | 'google' | 'bedrock' | (string & {});

/** Prices in USD per million tokens. */
export interface ModelPricing {
  /** Input tokens billed at the normal rate. */
  inputPerMTok: number;
  /** Output tokens (thinking tokens included, as providers bill them). */
  outputPerMTok: number;
  /** Input tokens read from the prompt cache; the input price when absent. */
  cachedInputPerMTok?: number;
  /**
   * Input tokens written to the prompt cache (Anthropic, Bedrock); {@link CACHE_WRITE_PRICE_FACTOR}
   * times the input price when absent. Providers that report no cache writes never use it.
   */
  cacheWriteInputPerMTok?: number;
}

/** What a model can do. */
export interface ModelCapabilities {
  /** Calls tools. */
  tools: boolean;
  /** Extended thinking / reasoning. */
  thinking: boolean;
}

/** One model the router and the meter know about. */
export interface CatalogEntry {
  /** The vendor's model id, e.g. `claude-sonnet-4-5`. */
  id: string;
  /** Provider that serves it. */
  provider: ProviderName;
  /** Context window in tokens. */
  contextWindow: number;
  /** Largest output in tokens. */
  maxOutputTokens: number;
  /** Prices. */
  pricing: ModelPricing;
  /** Capabilities. */
  capabilities: ModelCapabilities;
  /** Speed/cost class. */
  tier: ModelTier;
}

/** A model reference resolved to provider and vendor id. */
export interface ResolvedModel {
  /** Provider name. */
  provider: string;
  /** Vendor model id. */
  modelId: string;
  /** Catalog entry, when the model is known. */
  entry?: CatalogEntry;
}

const PROVIDER_PREFIX = /^([a-z][a-z0-9_-]*):(.+)$/;

/** The model catalog: built-in entries plus config entries (which win on the same provider and id). */
export class ModelCatalog {
  private readonly entries: CatalogEntry[];

  constructor(
    extra: readonly CatalogEntry[] = [],
    base: readonly CatalogEntry[] = DEFAULT_CATALOG,
  ) {
    const byKey = new Map<string, CatalogEntry>();
    for (const entry of [...base, ...extra]) byKey.set(`${entry.provider}:${entry.id}`, entry);
    this.entries = [...byKey.values()];
  }

  /** Every entry. */
  list(): CatalogEntry[] {
    return [...this.entries];
  }

  /**
   * The entry for `ref`: `provider:id`, a bare id, or a dated/suffixed id whose longest catalog
   * prefix matches (`claude-sonnet-4-5-20250929` finds `claude-sonnet-4-5`).
   */
  get(ref: string, provider?: string): CatalogEntry | undefined {
    const parsed = this.split(ref);
    const wanted = provider ?? parsed?.provider;
    const id = parsed?.modelId ?? ref;
    const candidates = this.entries.filter((e) => wanted === undefined || e.provider === wanted);
    const exact = candidates.find((e) => e.id === id);
    if (exact) return exact;
    let best: CatalogEntry | undefined;
    for (const entry of candidates) {
      if (id.startsWith(`${entry.id}-`) && (!best || entry.id.length > best.id.length))
        best = entry;
    }
    return best;
  }

  /** Provider and vendor id for a route entry; undefined for a bare id the catalog lacks. */
  resolve(ref: string): ResolvedModel | undefined {
    const parsed = this.split(ref);
    if (parsed) {
      const entry = this.get(parsed.modelId, parsed.provider);
      return entry ? { ...parsed, entry } : parsed;
    }
    const entry = this.entries.find((e) => e.id === ref);
    return entry ? { provider: entry.provider, modelId: entry.id, entry } : undefined;
  }

  /** The cheapest entry of `tier` (by input plus output price), optionally among `providers`. */
  cheapest(tier: ModelTier, providers?: Iterable<string>): CatalogEntry | undefined {
    return this.byPrice(tier, providers)[0];
  }

  /** Entries of `tier`, cheapest first, optionally among `providers`. */
  byPrice(tier: ModelTier, providers?: Iterable<string>): CatalogEntry[] {
    const allowed = providers ? new Set(providers) : undefined;
    return this.entries
      .filter((e) => e.tier === tier && (!allowed || allowed.has(e.provider)))
      .sort((a, b) => blendedPrice(a) - blendedPrice(b));
  }

  private split(ref: string): { provider: string; modelId: string } | undefined {
    const match = PROVIDER_PREFIX.exec(ref);
    if (!match?.[1] || !match[2]) return undefined;
    return { provider: match[1], modelId: match[2] };
  }
}

function blendedPrice(entry: CatalogEntry): number {
  return entry.pricing.inputPerMTok + entry.pricing.outputPerMTok;
}

/**
 * What a prompt-cache write costs against the input price when a catalog entry does not say:
 * Anthropic bills a 5-minute cache write (the TTL opsagent asks for) at 1.25 times the input price,
 * on its own API and on Bedrock.
 */
export const CACHE_WRITE_PRICE_FACTOR = 1.25;

/**
 * Cost in USD of one call. The token counts are disjoint (per core's TokenUsage):
 * `usage.inputTokens` are billed at the input price, `usage.cachedInputTokens` at the cached
 * price and `usage.cacheWriteInputTokens` at the cache-write price
 * (default {@link CACHE_WRITE_PRICE_FACTOR} times the input price).
 */
export function costOf(entry: CatalogEntry, usage: TokenUsage): number {
  const {
    inputPerMTok,
    outputPerMTok,
    cachedInputPerMTok = inputPerMTok,
    cacheWriteInputPerMTok = inputPerMTok * CACHE_WRITE_PRICE_FACTOR,
  } = entry.pricing;
  return (
    (usage.inputTokens * inputPerMTok +
      (usage.cachedInputTokens ?? 0) * cachedInputPerMTok +
      (usage.cacheWriteInputTokens ?? 0) * cacheWriteInputPerMTok +
      usage.outputTokens * outputPerMTok) /
    1_000_000
  );
}
