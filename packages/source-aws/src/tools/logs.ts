import { paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { defineTool, renderDigest, TemplateMiner, type Tool } from '@opsagent/core';
import { z } from 'zod';
import { readLogEvents } from '../checks/logs.js';
import type { AwsAccounts } from '../clients.js';
import { untilStuck } from '../util.js';
import { capped, minutesField, target, when, whereShape } from './common.js';

/** The default pattern of error searches. */
export const ERROR_PATTERN = '?ERROR ?Error ?error ?Exception ?FATAL ?panic ?Traceback';

const group = z.string().min(1).max(512).describe('Log group name, e.g. /aws/lambda/api.');
const pattern = z
  .string()
  .max(1024)
  .describe(
    'CloudWatch Logs filter pattern; terms are case-sensitive ("ERROR", "?ERROR ?WARN", "-DEBUG", "\\"a phrase\\"").',
  );

/** Read-only CloudWatch Logs tools: list groups, search, error summary (log digest). */
export function createLogsTools(accounts: AwsAccounts, now: () => number = Date.now): Tool[] {
  return [
    defineTool({
      name: 'aws_logs_list_groups',
      description:
        'List CloudWatch Logs log groups (name, retention, stored bytes), optionally by name prefix.',
      input: z.object({
        ...whereShape,
        prefix: z.string().optional().describe('Log group name prefix.'),
        limit: z.number().int().min(1).max(500).default(100),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const lines: string[] = [];
        for await (const page of untilStuck(
          paginateDescribeLogGroups(
            { client: account.logs(region), pageSize: 50 },
            input.prefix ? { logGroupNamePrefix: input.prefix } : {},
          ),
          (p) => p.nextToken,
        )) {
          for (const g of page.logGroups ?? []) {
            lines.push(
              `${g.logGroupName} retention=${g.retentionInDays ? `${g.retentionInDays}d` : 'never expires'} stored=${g.storedBytes ?? 0}B`,
            );
          }
          if (lines.length > input.limit) break;
        }
        return `log groups in ${region}:\n${capped(lines, input.limit, 'log groups')}`;
      },
    }),
    defineTool({
      name: 'aws_logs_search',
      description:
        'Search a log group with a filter pattern over the last N minutes; returns matching lines, oldest first.',
      input: z.object({
        ...whereShape,
        group,
        pattern: pattern.default(''),
        minutes: minutesField(60),
        limit: z.number().int().min(1).max(1000).default(100).describe('Most lines returned.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const end = now();
        const read = await readLogEvents(
          { account, region, name: input.group, pattern: input.pattern },
          end - input.minutes * 60_000,
          end,
          input.limit,
          ctx.signal,
        );
        const lines = read.events.map(
          (e) =>
            `${when(e.timestamp === undefined ? undefined : new Date(e.timestamp))} [${e.logStreamName ?? '-'}] ${(e.message ?? '').trimEnd()}`,
        );
        return `${read.events.length}${read.truncated ? '+ (limit reached)' : ''} lines in ${input.group} over ${input.minutes} min${input.pattern ? ` matching ${input.pattern}` : ''}:\n${capped(lines, input.limit, 'lines')}`;
      },
    }),
    defineTool({
      name: 'aws_logs_error_summary',
      description:
        'Summarise errors in a log group over the last N minutes as templates with counts, first/last seen and an example (the log digest). Use it before reading raw lines.',
      input: z.object({
        ...whereShape,
        group,
        pattern: pattern.default(ERROR_PATTERN),
        minutes: minutesField(60),
        budgetTokens: z
          .number()
          .int()
          .min(200)
          .max(8000)
          .default(1500)
          .describe('Size of the summary in tokens.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const end = now();
        const read = await readLogEvents(
          { account, region, name: input.group, pattern: input.pattern },
          end - input.minutes * 60_000,
          end,
          100_000,
          ctx.signal,
        );
        if (read.events.length === 0)
          return `no lines in ${input.group} over ${input.minutes} min matching ${input.pattern || '(all)'}`;
        const miner = new TemplateMiner();
        for (const e of read.events) miner.add(e.message ?? '', e.timestamp ?? end);
        const templates = miner.templates();
        const digest = renderDigest(templates, {
          budgetTokens: input.budgetTokens,
          title: `${input.group}: ${read.events.length}${read.truncated ? '+' : ''} lines in ${templates.length} templates over ${input.minutes} min (<*> = variable)`,
        });
        const times = templates
          .slice(0, 10)
          .map(
            (t) =>
              `${t.id}: first ${when(new Date(t.firstSeen))}, last ${when(new Date(t.lastSeen))}`,
          )
          .join('\n');
        return `${digest}\n\nfirst/last seen of the most frequent:\n${times}`;
      },
    }),
  ];
}
