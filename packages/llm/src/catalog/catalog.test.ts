import { describe, expect, it } from 'vitest';
import { type CatalogEntry, costOf, ModelCatalog } from './catalog.js';
import { DEFAULT_CATALOG } from './default-catalog.js';
import { catalogEntrySchema } from './schema.js';

describe('ModelCatalog', () => {
  const catalog = new ModelCatalog();

  it('finds entries by bare id, provider:id and dated id', () => {
    expect(catalog.get('claude-sonnet-4-5')?.provider).toBe('anthropic');
    expect(catalog.get('openai:gpt-4.1')?.id).toBe('gpt-4.1');
    expect(catalog.get('claude-sonnet-4-5-20250929')?.id).toBe('claude-sonnet-4-5');
    expect(catalog.get('gpt-4.1-mini-2025-04-14')?.id).toBe('gpt-4.1-mini');
    expect(catalog.get('no-such-model')).toBeUndefined();
  });

  it('resolves route refs, including bedrock ids that contain a colon', () => {
    expect(catalog.resolve('gemini-2.5-pro')).toMatchObject({
      provider: 'google',
      modelId: 'gemini-2.5-pro',
    });
    expect(catalog.resolve('bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toMatchObject({
      provider: 'bedrock',
      modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    });
    expect(catalog.resolve('openai:llama3.1')).toEqual({ provider: 'openai', modelId: 'llama3.1' });
    expect(catalog.resolve('llama3.1')).toBeUndefined();
  });

  it('prices Bedrock global profiles at list price and geographic ones about 10% higher', () => {
    const global = catalog.get('global.anthropic.claude-sonnet-4-5-20250929-v1:0');
    const eu = catalog.get('eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(global?.provider).toBe('bedrock');
    expect(global?.pricing).toEqual({
      inputPerMTok: 3,
      outputPerMTok: 15,
      cachedInputPerMTok: 0.3,
      cacheWriteInputPerMTok: 3.75,
    });
    expect(eu?.pricing.inputPerMTok).toBeCloseTo(3.3);
    expect(eu?.pricing.cacheWriteInputPerMTok).toBeCloseTo(4.125);
    expect(eu?.pricing.outputPerMTok).toBeCloseTo(16.5);
    expect(catalog.cheapest('fast', ['bedrock'])?.id).toBe(
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
    );
  });

  it('lets config entries replace and extend the built-ins', () => {
    const local: CatalogEntry = catalogEntrySchema.parse({
      id: 'llama3.1',
      provider: 'openai',
      contextWindow: 128_000,
      maxOutputTokens: 8192,
      pricing: { inputPerMTok: 0, outputPerMTok: 0 },
      tier: 'fast',
    });
    const cheaperSonnet = { ...DEFAULT_CATALOG[1], pricing: { inputPerMTok: 1, outputPerMTok: 2 } };
    const extended = new ModelCatalog([local, cheaperSonnet as CatalogEntry]);
    expect(extended.get('llama3.1')?.capabilities).toEqual({ tools: true, thinking: false });
    expect(extended.get('claude-sonnet-4-5')?.pricing.inputPerMTok).toBe(1);
    expect(extended.list()).toHaveLength(DEFAULT_CATALOG.length + 1);
    expect(extended.cheapest('fast')?.id).toBe('llama3.1');
  });

  it('rejects an invalid config entry, naming the field', () => {
    const result = catalogEntrySchema.safeParse({ id: 'x', provider: 'openai', tier: 'cheap' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('tier');
  });

  it('every built-in entry satisfies the schema and has a unique provider and id', () => {
    for (const entry of DEFAULT_CATALOG) expect(catalogEntrySchema.parse(entry)).toEqual(entry);
    const keys = DEFAULT_CATALOG.map((e) => `${e.provider}:${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('picks the cheapest model of a tier among given providers', () => {
    expect(catalog.cheapest('fast', ['anthropic'])?.id).toBe('claude-haiku-4-5');
    expect(catalog.cheapest('fast', ['google'])?.id).toBe('gemini-2.5-flash-lite');
    expect(catalog.cheapest('fast', ['nobody'])).toBeUndefined();
  });
});

describe('costOf', () => {
  it('prices input, cached input and output tokens from the catalog', () => {
    const sonnet = new ModelCatalog().get('claude-sonnet-4-5');
    if (!sonnet) throw new Error('missing');
    // 1M input at $3, 1M cached at $0.30, 1M output at $15.
    expect(
      costOf(sonnet, { inputTokens: 1e6, cachedInputTokens: 1e6, outputTokens: 1e6 }),
    ).toBeCloseTo(18.3, 10);
    expect(costOf(sonnet, { inputTokens: 2000, outputTokens: 500 })).toBeCloseTo(0.0135, 10);
  });

  it('bills cached tokens at the input price when no cached price is set', () => {
    const entry = catalogEntrySchema.parse({
      id: 'x',
      provider: 'p',
      contextWindow: 1,
      maxOutputTokens: 1,
      pricing: { inputPerMTok: 2, outputPerMTok: 4 },
      tier: 'fast',
    });
    expect(costOf(entry, { inputTokens: 0, cachedInputTokens: 1e6, outputTokens: 0 })).toBe(2);
  });

  it('prices cache writes at the catalog price, above the input price', () => {
    const sonnet = new ModelCatalog().get('claude-sonnet-4-5');
    if (!sonnet) throw new Error('missing');
    // 1M written to the cache at $3.75 (1.25x the $3 input price), 1M read at $0.30.
    expect(
      costOf(sonnet, {
        inputTokens: 0,
        cacheWriteInputTokens: 1e6,
        cachedInputTokens: 1e6,
        outputTokens: 0,
      }),
    ).toBeCloseTo(4.05, 10);
  });

  it('derives the cache-write price as 1.25x input when an entry does not say, and takes an explicit one', () => {
    const entry = (pricing: Record<string, number>) =>
      catalogEntrySchema.parse({
        id: 'x',
        provider: 'bedrock',
        contextWindow: 1,
        maxOutputTokens: 1,
        pricing,
        tier: 'fast',
      });
    const usage = { inputTokens: 0, cacheWriteInputTokens: 1e6, outputTokens: 0 };
    expect(costOf(entry({ inputPerMTok: 2, outputPerMTok: 4 }), usage)).toBeCloseTo(2.5, 10);
    // A model whose provider does not charge extra for writes says so.
    expect(
      costOf(entry({ inputPerMTok: 2, outputPerMTok: 4, cacheWriteInputPerMTok: 2 }), usage),
    ).toBe(2);
    expect(() =>
      entry({ inputPerMTok: 2, outputPerMTok: 4, cacheWriteInputPerMTok: -1 }),
    ).toThrow();
  });
});
