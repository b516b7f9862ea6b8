import {
  type Command,
  conversationKey,
  defineCommand,
  type Field,
  type OutboundMessage,
  type Section,
} from '@opsagent/core';
import type { UsageMeter, UsageTotals } from './meter.js';

/** `$0.0123` for small sums, `$12.34` for large ones. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

const count = (n: number) => n.toLocaleString('en-US');

function totalsLine(totals: UsageTotals): string {
  if (totals.calls === 0) return 'no model calls';
  const cache = [
    ...(totals.cachedInputTokens > 0 ? [`${count(totals.cachedInputTokens)} cached`] : []),
    ...(totals.cacheWriteInputTokens > 0
      ? [`${count(totals.cacheWriteInputTokens)} written to cache`]
      : []),
  ];
  const cached = cache.length > 0 ? ` (+${cache.join(', +')})` : '';
  return `${formatUsd(totals.costUsd)}: ${count(totals.calls)} call${totals.calls === 1 ? '' : 's'}, ${count(totals.inputTokens)} input${cached} / ${count(totals.outputTokens)} output tokens`;
}

function budgetField(label: string, spent: number, limit: number | undefined): Field[] {
  if (limit === undefined) return [];
  const left = limit - spent;
  return [
    {
      label,
      value: `${formatUsd(spent)} of ${formatUsd(limit)}${left > 0 ? ` (${formatUsd(left)} left)` : ' (spent)'}`,
      health: left <= 0 ? 'critical' : left < limit * 0.2 ? 'warn' : 'ok',
    },
  ];
}

/**
 * The `cost` chat command: model usage and cost of this conversation, today (UTC), since start
 * and per incident, from the meter; `cost <incident-id>` for one incident. No model call.
 */
export function createCostCommand(
  meter: UsageMeter,
  options: { today?: () => string } = {},
): Command {
  return defineCommand({
    name: 'cost',
    aliases: ['usage'],
    description: 'model usage and cost: this conversation, today, per incident',
    usage: '[incident-id]',
    async run(ctx): Promise<OutboundMessage> {
      const [incidentId] = ctx.args;
      if (incidentId !== undefined) {
        const totals = meter.incident(incidentId);
        return {
          kind: 'reply',
          blocks: [
            {
              type: 'text',
              text:
                totals.calls === 0
                  ? `No model usage recorded for incident ${incidentId} since the agent started.`
                  : `Incident ${incidentId}: ${totalsLine(totals)}.`,
            },
          ],
        };
      }
      const key = conversationKey(ctx.message.channel, ctx.address);
      const today = options.today?.();
      const day = meter.day(today);
      const limits = meter.limits();
      const conversation = meter.conversation(key);
      const fields: Field[] = [
        { label: 'This conversation', value: totalsLine(conversation) },
        { label: 'Today (UTC)', value: totalsLine(day) },
        { label: 'Since start', value: totalsLine(meter.total()) },
        ...budgetField('Conversation budget', conversation.costUsd, limits.perConversationUsd),
        ...budgetField('Daily budget', day.costUsd, limits.perDayUsd),
      ];
      const sections: Section[] = [{ title: 'Model usage', fields }];
      const incidents = meter.incidents();
      if (incidents.length > 0) {
        sections.push({
          title: 'Incidents (triage)',
          fields: incidents.slice(0, 10).map((incident) => ({
            label: incident.id,
            value: totalsLine(incident),
          })),
          ...(incidents.length > 10 ? { note: `${incidents.length - 10} more not shown` } : {}),
        });
      }
      const unpriced = meter.records().some((record) => !record.priced);
      return {
        kind: 'reply',
        blocks: [
          ...sections.map((section) => ({ type: 'section' as const, section })),
          ...(unpriced
            ? [
                {
                  type: 'text' as const,
                  text: 'Some calls used models missing from the catalog and count as $0; add them under plugins.llm.catalog.',
                },
              ]
            : []),
        ],
      };
    },
  });
}
