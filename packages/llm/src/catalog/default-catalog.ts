import type { CatalogEntry } from './catalog.js';

const TOOLS = { tools: true, thinking: false } as const;
const THINKING = { tools: true, thinking: true } as const;

/**
 * Built-in models with their published list prices (USD per million tokens, standard tier,
 * prompts under the long-context threshold). Prices checked on 2026-11-21 against the vendors'
 * pricing pages (platform.claude.com/docs/en/about-claude/pricing, developers.openai.com/api/docs/pricing,
 * ai.google.dev/gemini-api/docs/pricing). Prices change: override any entry in config.
 */
export const DEFAULT_CATALOG: readonly CatalogEntry[] = [
  // Anthropic (cache reads are 0.1x input; 5-minute cache writes 1.25x input).
  {
    id: 'claude-haiku-4-5',
    provider: 'anthropic',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 1,
      outputPerMTok: 5,
      cachedInputPerMTok: 0.1,
      cacheWriteInputPerMTok: 1.25,
    },
    capabilities: THINKING,
    tier: 'fast',
  },
  {
    id: 'claude-sonnet-4-5',
    provider: 'anthropic',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 3,
      outputPerMTok: 15,
      cachedInputPerMTok: 0.3,
      cacheWriteInputPerMTok: 3.75,
    },
    capabilities: THINKING,
    tier: 'balanced',
  },
  {
    id: 'claude-opus-4-5',
    provider: 'anthropic',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 5,
      outputPerMTok: 25,
      cachedInputPerMTok: 0.5,
      cacheWriteInputPerMTok: 6.25,
    },
    capabilities: THINKING,
    tier: 'strong',
  },
  {
    id: 'claude-sonnet-5',
    provider: 'anthropic',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: {
      inputPerMTok: 2,
      outputPerMTok: 10,
      cachedInputPerMTok: 0.2,
      cacheWriteInputPerMTok: 2.5,
    },
    capabilities: THINKING,
    tier: 'balanced',
  },
  {
    id: 'claude-opus-5',
    provider: 'anthropic',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: {
      inputPerMTok: 5,
      outputPerMTok: 25,
      cachedInputPerMTok: 0.5,
      cacheWriteInputPerMTok: 6.25,
    },
    capabilities: THINKING,
    tier: 'strong',
  },
  // OpenAI (cached input: 0.25x on GPT-4.1, 0.1x on GPT-5).
  {
    id: 'gpt-4.1-mini',
    provider: 'openai',
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMTok: 0.4, outputPerMTok: 1.6, cachedInputPerMTok: 0.1 },
    capabilities: TOOLS,
    tier: 'fast',
  },
  {
    id: 'gpt-4.1',
    provider: 'openai',
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 },
    capabilities: TOOLS,
    tier: 'balanced',
  },
  {
    id: 'o4-mini',
    provider: 'openai',
    contextWindow: 200_000,
    maxOutputTokens: 100_000,
    pricing: { inputPerMTok: 1.1, outputPerMTok: 4.4, cachedInputPerMTok: 0.275 },
    capabilities: THINKING,
    tier: 'balanced',
  },
  {
    id: 'gpt-5-mini',
    provider: 'openai',
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    pricing: { inputPerMTok: 0.25, outputPerMTok: 2, cachedInputPerMTok: 0.025 },
    capabilities: THINKING,
    tier: 'fast',
  },
  {
    id: 'gpt-5',
    provider: 'openai',
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    pricing: { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
    capabilities: THINKING,
    tier: 'strong',
  },
  // Google Gemini (cached input is 0.1x input; 2.5 Pro and 3.x Pro cost more above 200k prompt tokens).
  {
    id: 'gemini-2.5-flash-lite',
    provider: 'google',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 0.1, outputPerMTok: 0.4, cachedInputPerMTok: 0.01 },
    capabilities: TOOLS,
    tier: 'fast',
  },
  {
    id: 'gemini-2.5-flash',
    provider: 'google',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 0.3, outputPerMTok: 2.5, cachedInputPerMTok: 0.03 },
    capabilities: THINKING,
    tier: 'fast',
  },
  {
    id: 'gemini-2.5-pro',
    provider: 'google',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
    capabilities: THINKING,
    tier: 'strong',
  },
  {
    id: 'gemini-3-flash-preview',
    provider: 'google',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 0.5, outputPerMTok: 3, cachedInputPerMTok: 0.05 },
    capabilities: THINKING,
    tier: 'balanced',
  },
  {
    id: 'gemini-3.1-pro-preview',
    provider: 'google',
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { inputPerMTok: 2, outputPerMTok: 12, cachedInputPerMTok: 0.2 },
    capabilities: THINKING,
    tier: 'strong',
  },
  // Claude on Amazon Bedrock. Global cross-region inference profiles cost the API list price;
  // geographic ones (us., eu., jp., apac.) about 10% more (docs.aws.amazon.com/bedrock/latest/userguide/
  // global-cross-region-inference.html). Cache reads are 0.1x input, 5-minute cache writes 1.25x.
  {
    id: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
    provider: 'bedrock',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 1,
      outputPerMTok: 5,
      cachedInputPerMTok: 0.1,
      cacheWriteInputPerMTok: 1.25,
    },
    capabilities: THINKING,
    tier: 'fast',
  },
  {
    id: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    provider: 'bedrock',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 3,
      outputPerMTok: 15,
      cachedInputPerMTok: 0.3,
      cacheWriteInputPerMTok: 3.75,
    },
    capabilities: THINKING,
    tier: 'balanced',
  },
  {
    id: 'global.anthropic.claude-opus-4-5-20251101-v1:0',
    provider: 'bedrock',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    pricing: {
      inputPerMTok: 5,
      outputPerMTok: 25,
      cachedInputPerMTok: 0.5,
      cacheWriteInputPerMTok: 6.25,
    },
    capabilities: THINKING,
    tier: 'strong',
  },
  ...bedrockGeographic('us'),
  ...bedrockGeographic('eu'),
];

/** Claude on Bedrock through a geographic inference profile (`us.`, `eu.`): list price plus 10%. */
function bedrockGeographic(prefix: 'us' | 'eu'): CatalogEntry[] {
  return [
    {
      id: `${prefix}.anthropic.claude-haiku-4-5-20251001-v1:0`,
      provider: 'bedrock',
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      pricing: {
        inputPerMTok: 1.1,
        outputPerMTok: 5.5,
        cachedInputPerMTok: 0.11,
        cacheWriteInputPerMTok: 1.375,
      },
      capabilities: THINKING,
      tier: 'fast',
    },
    {
      id: `${prefix}.anthropic.claude-sonnet-4-5-20250929-v1:0`,
      provider: 'bedrock',
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      pricing: {
        inputPerMTok: 3.3,
        outputPerMTok: 16.5,
        cachedInputPerMTok: 0.33,
        cacheWriteInputPerMTok: 4.125,
      },
      capabilities: THINKING,
      tier: 'balanced',
    },
    {
      id: `${prefix}.anthropic.claude-opus-4-5-20251101-v1:0`,
      provider: 'bedrock',
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      pricing: {
        inputPerMTok: 5.5,
        outputPerMTok: 27.5,
        cachedInputPerMTok: 0.55,
        cacheWriteInputPerMTok: 6.875,
      },
      capabilities: THINKING,
      tier: 'strong',
    },
  ];
}
