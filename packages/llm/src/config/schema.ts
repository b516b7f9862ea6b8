import { duration } from '@opsagent/core';
import { z } from 'zod';
import { ModelCatalog } from '../catalog/catalog.js';
import { catalogSchema } from '../catalog/schema.js';
import { routesSchema } from '../routing/routes.js';

/** The APIs a provider entry can speak. */
export const PROVIDER_TYPES = ['anthropic', 'openai', 'google', 'bedrock'] as const;

/** One of {@link PROVIDER_TYPES}. */
export type ProviderType = (typeof PROVIDER_TYPES)[number];

const PROVIDER_NAME = /^[a-z][a-z0-9_-]*$/;
const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i;
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Bytes from `10485760`, `"10MiB"`, `"500 KB"`. */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = SIZE_PATTERN.exec(value);
  if (!match?.[1]) return undefined;
  const bytes = Math.round(Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1));
  return bytes > 0 ? bytes : undefined;
}

const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'expected a size like "10MiB", "500KB" or a number of bytes',
    });
    return z.NEVER;
  }
  return bytes;
});

const text = z.string().min(1);
const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const API_FIELDS = ['apiKey', 'baseURL'] as const;
const AWS_FIELDS = [
  'region',
  'endpoint',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
] as const;

/** One provider entry: which API, where, with which credentials. */
export const providerConfigSchema = z
  .strictObject({
    type: z
      .enum(PROVIDER_TYPES)
      .optional()
      .describe(
        'API the provider speaks; default the entry name when it is anthropic, openai, google or ' +
          'bedrock. A local Ollama, vLLM or LM Studio server is `type: openai`.',
      ),
    enabled: z.boolean().default(true).describe('False keeps the entry but does not use it.'),
    apiKey: text
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config-file reference, shown as is
      .describe('API key, usually `${ANTHROPIC_API_KEY}`; else the SDK env var. Not for bedrock.'),
    baseURL: url
      .optional()
      .describe(
        'Base URL; for openai-type providers including `/v1` (Ollama: `http://127.0.0.1:11434/v1`). Not for bedrock.',
      ),
    region: text.optional().describe('bedrock: AWS region; else `AWS_REGION`, else us-east-1.'),
    endpoint: url
      .optional()
      .describe('bedrock: endpoint URL; else `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.'),
    accessKeyId: text
      .optional()
      .describe('bedrock: access key id; else the AWS SDK default credential chain.'),
    secretAccessKey: text.optional().describe('bedrock: secret access key (with accessKeyId).'),
    sessionToken: text.optional().describe('bedrock: session token of temporary credentials.'),
    timeout: duration.optional().describe('Time allowed for one request, e.g. `2m`.'),
    maxOutputTokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Output tokens when a request names none; default 4096.'),
  })
  .describe('A model provider.');

/** A provider entry as written in config. */
export type ProviderConfig = z.output<typeof providerConfigSchema>;

/** The API a provider entry speaks: its `type`, else its name when that is a known API. */
export function providerTypeOf(name: string, config: ProviderConfig): ProviderType | undefined {
  return (
    config.type ??
    ((PROVIDER_TYPES as readonly string[]).find((t) => t === name) as ProviderType | undefined)
  );
}

const budgetsSchema = z
  .strictObject({
    perConversationUsd: z
      .number()
      .positive()
      .optional()
      .describe('Spending limit per conversation, in USD.'),
    perDayUsd: z.number().positive().optional().describe('Spending limit per UTC day, in USD.'),
    onExceeded: z
      .enum(['refuse', 'downgrade'])
      .default('refuse')
      .describe(
        '`refuse` answers with a clear refusal; `downgrade` uses the cheapest fast-tier model.',
      ),
  })
  .prefault({})
  .describe('Optional spending limits.');

const interactionLogSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Write `llm.jsonl` in the data folder.'),
    maxSize: size.prefault('10MiB').describe('Size at which the file rotates, e.g. `10MiB`.'),
    keep: z.number().int().min(0).max(100).default(5).describe('Rotated files kept.'),
  })
  .prefault({})
  .describe('The JSONL record of every model call (secrets redacted).');

/** `plugins.llm` of opsagent.yaml. Every field is optional: the environment alone works. */
export const llmConfigSchema = z
  .strictObject({
    providers: z
      .record(z.string(), providerConfigSchema)
      .default(() => ({}))
      .describe('Model providers by name (anthropic, openai, google, bedrock, or your own).'),
    fromEnv: z
      .boolean()
      .default(true)
      .describe(
        'Also use providers the environment configures (ANTHROPIC_API_KEY, OPENAI_API_KEY or ' +
          'OPENAI_BASE_URL, GEMINI_API_KEY, OPSAGENT_MODEL=bedrock:...).',
      ),
    model: text
      .optional()
      .describe(
        'A model tried first for every task, as provider:modelId; `OPSAGENT_MODEL` overrides it.',
      ),
    catalog: catalogSchema
      .default(() => [])
      .describe(
        'Models added to (or replacing) the built-in catalog: context window, prices, tier.',
      ),
    routes: routesSchema
      .default(() => ({}))
      .describe('Per task (chat, triage, analysis, diagnosis) the models tried in order.'),
    budgets: budgetsSchema,
    interactionLog: interactionLogSchema,
    circuitBreaker: z
      .strictObject({
        failureThreshold: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('Consecutive failures that open the circuit.'),
        cooldown: duration.prefault('60s').describe('How long an open circuit skips the provider.'),
      })
      .prefault({})
      .describe('A provider that fails this many times in a row is skipped for the cool-down.'),
  })
  .superRefine((config, ctx) => {
    for (const [name, provider] of Object.entries(config.providers)) {
      if (!PROVIDER_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', name],
          input: name,
          message: `provider names are lower case letters, digits, - and _ (e.g. ollama), not "${name}"`,
        });
        continue;
      }
      const type = providerTypeOf(name, provider);
      if (type === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', name, 'type'],
          input: provider.type,
          message: `provider "${name}" needs a type: one of ${PROVIDER_TYPES.join(', ')} (a local server is type: openai)`,
        });
        continue;
      }
      const foreign = type === 'bedrock' ? API_FIELDS : AWS_FIELDS;
      for (const field of foreign) {
        if (provider[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['providers', name, field],
            input: provider[field],
            message:
              type === 'bedrock'
                ? `bedrock uses AWS credentials, not ${field}; use region, endpoint, accessKeyId / secretAccessKey or AWS_PROFILE`
                : `${field} is a bedrock setting; ${type} providers take apiKey and baseURL`,
          });
        }
      }
      if (
        type === 'bedrock' &&
        (provider.accessKeyId === undefined) !== (provider.secretAccessKey === undefined)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [
            'providers',
            name,
            provider.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey',
          ],
          input: undefined,
          message: 'accessKeyId and secretAccessKey go together; give both or neither',
        });
      }
    }
    const known = new Set<string>([...PROVIDER_TYPES, ...Object.keys(config.providers)]);
    const catalog = new ModelCatalog(config.catalog);
    const refs: Array<[Array<string | number>, string]> = [];
    for (const [task, list] of Object.entries(config.routes)) {
      (list ?? []).forEach((ref, index) => {
        refs.push([['routes', task, index], ref]);
      });
    }
    if (config.model !== undefined) refs.push([['model'], config.model]);
    for (const [path, ref] of refs) {
      const match = /^([a-z][a-z0-9_-]*):(.+)$/.exec(ref);
      if (match?.[1] !== undefined && !known.has(match[1])) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: ref,
          message: `unknown provider "${match[1]}" in "${ref}"; known: ${[...known].join(', ')}`,
        });
      }
      if (!match && catalog.resolve(ref) === undefined) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: ref,
          message: `"${ref}" is not in the model catalog; write it as provider:modelId (e.g. openai:${ref}) or add it under catalog`,
        });
      }
    }
    config.catalog.forEach((entry, index) => {
      if (!known.has(entry.provider)) {
        ctx.addIssue({
          code: 'custom',
          path: ['catalog', index, 'provider'],
          input: entry.provider,
          message: `unknown provider "${entry.provider}"; known: ${[...known].join(', ')}`,
        });
      }
    });
  })
  .describe(
    'Language models: providers, catalog, routing by task, budgets and the interaction log.',
  );

/** A validated `plugins.llm` section. */
export type LlmConfig = z.output<typeof llmConfigSchema>;
