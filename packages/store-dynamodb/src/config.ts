import { duration } from '@opsagent/core';
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** A retention period: a duration of at least one minute (DynamoDB TTL works in seconds). */
function retention(fallback: string) {
  return duration
    .refine((ms) => ms >= 60_000, { error: 'expected a retention of at least 1m' })
    .prefault(fallback);
}

/**
 * The options of a {@link DynamoStore} that can come from a config file: validated with zod, so a
 * wrong table name or endpoint fails on start-up with the field named, not on the first write.
 */
export const dynamoStoreConfigSchema = z
  .strictObject({
    table: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, {
        error: 'expected a DynamoDB table name: 3 to 255 of A-Z a-z 0-9 _ . -',
      })
      .describe('DynamoDB table holding every record (single-table design).'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected an AWS region such as eu-west-1' })
      .optional()
      .describe(
        'AWS region; default AWS_REGION / AWS_DEFAULT_REGION from the env, else the shared config file.',
      ),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .optional()
      .describe(
        'DynamoDB endpoint (DynamoDB Local, dynalite, LocalStack); default AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, from the env, else AWS.',
      ),
    createTable: z
      .boolean()
      .default(false)
      .describe(
        'Create the table (on-demand, with its index) when it is missing. For development; production tables come from the template.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(6)
      .describe(
        'Attempts per request, retrying throttling (ProvisionedThroughputExceeded) and 5xx with backoff.',
      ),
    retention: z
      .strictObject({
        conversations: retention('30d').describe(
          'Conversations and their messages are deleted (TTL) this long after their last activity.',
        ),
        approvals: retention('90d').describe(
          'Approvals are deleted (TTL) this long after they expire.',
        ),
      })
      .prefault({})
      .describe('How long records live before DynamoDB TTL deletes them.'),
  })
  .describe('DynamoDB store: shared state for several servers or Lambda.');

/** What {@link dynamoStoreConfigSchema} accepts (durations as text or milliseconds). */
export type DynamoStoreConfigInput = z.input<typeof dynamoStoreConfigSchema>;

/** Validated options: every default applied, retentions in milliseconds. */
export type DynamoStoreConfig = z.output<typeof dynamoStoreConfigSchema>;

/** Default retentions in milliseconds, for documentation and tests. */
export const DEFAULT_RETENTION_MS = { conversations: 30 * DAY_MS, approvals: 90 * DAY_MS } as const;
