import { z } from 'zod';
import type { AwsAccount, AwsAccounts } from '../clients.js';

/** Input fields every AWS tool takes: where to look. */
export const whereShape = {
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1')
    .optional()
    .describe('AWS region, e.g. eu-west-1; default the first configured region.'),
  account: z
    .string()
    .optional()
    .describe('Account name from the config; default the first account.'),
};

/** The account and region a tool call targets. */
export async function target(
  accounts: AwsAccounts,
  input: { region?: string | undefined; account?: string | undefined },
  signal: AbortSignal,
): Promise<{ account: AwsAccount; region: string }> {
  const account = accounts.get(input.account);
  return { account, region: input.region ?? (await account.firstRegion(signal)) };
}

/** Minutes of history a tool reads. */
export const minutesField = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(fallback)
    .describe(`How many minutes back to look, 1 to 10080; default ${fallback}.`);

/** `name=value` pairs of AWS tags, for output. */
export function tagText(
  tags: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
): string {
  return (tags ?? [])
    .filter((t) => t.Key)
    .map((t) => `${t.Key}=${t.Value ?? ''}`)
    .join(', ');
}

/** ISO time, or `-`. */
export function when(date: Date | undefined): string {
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** A list capped for the model, saying how many were left out. */
export function capped(lines: string[], limit: number, noun: string): string {
  if (lines.length === 0) return `no ${noun}`;
  const shown = lines.slice(0, limit);
  const more = lines.length > limit ? `\n… ${lines.length - limit} more ${noun} not shown` : '';
  return `${shown.join('\n')}${more}`;
}
