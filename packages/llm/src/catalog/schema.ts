import { z } from 'zod';

/** Speed/cost class of a model; routing downgrades to the cheapest `fast` model. */
export const modelTierSchema = z.enum(['fast', 'balanced', 'strong']);

/** One catalog entry as written in config (prices in USD per million tokens). */
export const catalogEntrySchema = z.object({
  id: z.string().min(1),
  provider: z.string().min(1),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
  pricing: z.object({
    inputPerMTok: z.number().nonnegative(),
    outputPerMTok: z.number().nonnegative(),
    cachedInputPerMTok: z.number().nonnegative().optional(),
  }),
  capabilities: z
    .object({
      tools: z.boolean().default(true),
      thinking: z.boolean().default(false),
    })
    .default({ tools: true, thinking: false }),
  tier: modelTierSchema,
});

/** A list of catalog entries in config; entries replace built-ins with the same provider and id. */
export const catalogSchema = z.array(catalogEntrySchema);
