import { z } from 'zod';

/** Speed/cost class of a model; routing downgrades to the cheapest `fast` model. */
export const modelTierSchema = z.enum(['fast', 'balanced', 'strong']);

/** One catalog entry as written in config (prices in USD per million tokens). */
export const catalogEntrySchema = z.object({
  id: z.string().min(1).describe("The vendor's model id, e.g. `llama3.1` or `gpt-4.1`."),
  provider: z.string().min(1).describe('Provider that serves it (a provider name).'),
  contextWindow: z.number().int().positive().describe('Context window in tokens.'),
  maxOutputTokens: z.number().int().positive().describe('Largest output in tokens.'),
  pricing: z
    .object({
      inputPerMTok: z.number().nonnegative().describe('USD per million input tokens.'),
      outputPerMTok: z.number().nonnegative().describe('USD per million output tokens.'),
      cachedInputPerMTok: z
        .number()
        .nonnegative()
        .optional()
        .describe('USD per million cached input tokens; the input price when absent.'),
      cacheWriteInputPerMTok: z
        .number()
        .nonnegative()
        .optional()
        .describe(
          'USD per million input tokens written to the prompt cache (Anthropic, Bedrock); 1.25 times the input price when absent.',
        ),
    })
    .describe('Prices, USD per million tokens.'),
  capabilities: z
    .object({
      tools: z.boolean().default(true).describe('Calls tools.'),
      thinking: z.boolean().default(false).describe('Extended thinking / reasoning.'),
    })
    .default({ tools: true, thinking: false })
    .describe('What the model can do.'),
  tier: modelTierSchema.describe(
    'Speed/cost class: `fast`, `balanced` or `strong`; budgets downgrade to the cheapest `fast`.',
  ),
});

/** A list of catalog entries in config; entries replace built-ins with the same provider and id. */
export const catalogSchema = z.array(catalogEntrySchema);
