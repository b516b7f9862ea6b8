import type { ModelTask } from '@opsagent/core';
import { z } from 'zod';

/** For each task, model references tried in order: `provider:modelId`, or a bare catalog id. */
export type ModelRoutes = Record<ModelTask, readonly string[]>;

/**
 * The AWS Monitor strategy: quick triage on a fast cheap model, analysis on a strong model,
 * diagnosis on Claude with extended thinking; every slot falls back across providers, and
 * models of providers that are not configured are skipped.
 */
export const DEFAULT_ROUTES: ModelRoutes = {
  chat: [
    'anthropic:claude-sonnet-4-5',
    'bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'openai:gpt-4.1',
    'google:gemini-2.5-flash',
  ],
  triage: [
    'anthropic:claude-haiku-4-5',
    'bedrock:global.anthropic.claude-haiku-4-5-20251001-v1:0',
    'openai:gpt-4.1-mini',
    'google:gemini-2.5-flash',
  ],
  analysis: [
    'anthropic:claude-sonnet-4-5',
    'bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'openai:gpt-5',
    'google:gemini-2.5-pro',
  ],
  diagnosis: [
    'anthropic:claude-opus-4-5',
    'anthropic:claude-sonnet-4-5',
    'bedrock:global.anthropic.claude-opus-4-5-20251101-v1:0',
    'bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'openai:gpt-5',
    'google:gemini-2.5-pro',
  ],
};

/** Routes in config: any task may be given; the others keep their defaults. */
export const routesSchema = z
  .object({
    chat: z.array(z.string().min(1)).min(1).describe('Models for questions in chat.'),
    triage: z
      .array(z.string().min(1))
      .min(1)
      .describe("Models for the monitor's quick triage of incidents."),
    analysis: z.array(z.string().min(1)).min(1).describe('Models for error analysis.'),
    diagnosis: z
      .array(z.string().min(1))
      .min(1)
      .describe('Models for complex diagnosis (Claude thinks harder here).'),
  })
  .partial();

/** Default routes with `overrides` applied per task. */
export function mergeRoutes(overrides: Partial<ModelRoutes> = {}): ModelRoutes {
  return { ...DEFAULT_ROUTES, ...stripUndefined(overrides) };
}

function stripUndefined(routes: Partial<ModelRoutes>): Partial<ModelRoutes> {
  const out: Partial<ModelRoutes> = {};
  for (const [task, list] of Object.entries(routes) as Array<[ModelTask, readonly string[]]>) {
    if (list !== undefined) out[task] = list;
  }
  return out;
}
