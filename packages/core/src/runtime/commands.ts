import type { Command, CommandContext } from '../contracts/command.js';
import type { Health, OutboundMessage, Section } from '../contracts/message.js';
import type { Source, StatusReport } from '../contracts/source.js';
import type { IncidentRecord, Store } from '../contracts/store.js';
import { errorMessage } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { withTimeout } from '../util/timeout.js';
import { type ApprovalService, approvalView, type DecisionOutcome } from './approvals.js';

/** What the built-in commands read. */
export interface BuiltinCommandDeps {
  sources: () => Source[];
  commands: () => Command[];
  approvals: ApprovalService;
  store: Store;
  clock: Clock;
  hasModel: () => boolean;
  statusTimeoutMs: number;
}

const SEVERITY_HEALTH: Record<IncidentRecord['severity'], Health> = {
  info: 'ok',
  warning: 'warn',
  critical: 'critical',
};

/** Collects `status()` of every source concurrently, each within its timeout; a failure becomes an `unknown` section. */
export async function collectStatus(
  sources: Source[],
  timeoutMs: number,
  ctx: Pick<CommandContext, 'logger' | 'signal'>,
): Promise<StatusReport[]> {
  return Promise.all(
    sources
      .filter((source) => source.status)
      .map(async (source): Promise<StatusReport> => {
        try {
          return await withTimeout(
            `status of ${source.name}`,
            source.timeoutMs ?? timeoutMs,
            (signal) =>
              source.status!({ signal, logger: ctx.logger.child({ source: source.name }) }),
            ctx.signal,
          );
        } catch (error) {
          return {
            health: 'unknown',
            sections: [
              {
                title: source.name,
                health: 'unknown',
                fields: [{ label: 'Error', value: errorMessage(error), health: 'unknown' }],
              },
            ],
          };
        }
      }),
  );
}

function decisionReply(outcome: DecisionOutcome, id: string): string {
  switch (outcome.status) {
    case 'not_found':
      return `No approval request "${id}". Type "pending" to list open requests.`;
    case 'forbidden':
      return `You cannot decide ${outcome.approval.id}: a ${outcome.approval.risk}-risk change needs the ${outcome.needed} role.`;
    case 'expired':
      return `Approval ${outcome.approval.id} expired and can no longer be approved. Ask again if it is still needed.`;
    case 'already_decided':
      return `Approval ${outcome.approval.id} was already decided: ${outcome.approval.status}${outcome.approval.decidedBy ? ` by ${outcome.approval.decidedBy.name}` : ''}.`;
    case 'decided': {
      const a = outcome.approval;
      if (a.status === 'rejected') return `Rejected ${a.id}: ${a.action}. Nothing was run.`;
      if (a.status === 'succeeded') return `Approved ${a.id}.`;
      if (a.status === 'failed') return `Approved ${a.id}; it ran and failed.`;
      return `Approved ${a.id}: ${a.action} (${a.status}).`;
    }
  }
}

function decideCommand(decision: 'approve' | 'reject', deps: BuiltinCommandDeps): Command {
  return {
    name: decision,
    description:
      decision === 'approve'
        ? 'approve a pending change (bare "approve" when only one is pending)'
        : 'reject a pending change',
    usage: '[id]',
    // Who may decide is policy (approvals.deciderRoles per risk), checked by the approval service.
    async run(ctx): Promise<OutboundMessage | string> {
      let id = ctx.args[0];
      if (!id) {
        const pending = await deps.approvals.pending();
        if (pending.length === 0) return 'Nothing is waiting for approval.';
        if (pending.length > 1) {
          return `${pending.length} requests are pending; say which: ${pending.map((p) => `${decision} ${p.id}`).join(', ')}.`;
        }
        id = pending[0]!.id;
      }
      const outcome = await deps.approvals.decide(id, decision, ctx.principal, {
        channel: ctx.message.channel,
        address: ctx.address,
      });
      const approval = outcome.status === 'not_found' ? undefined : outcome.approval;
      return {
        kind: 'reply',
        blocks: [{ type: 'text', text: decisionReply(outcome, id) }],
        decision: {
          approvalId: approval?.id ?? id,
          outcome: outcome.status,
          ...(approval ? { status: approval.status } : {}),
          ...(approval?.decidedBy ? { decidedBy: approval.decidedBy.name } : {}),
        },
      };
    },
  };
}

/** `help`, `status`, `incidents`, `pending`, `approve [id]`, `reject [id]`: answered with no model call. */
export function builtinCommands(deps: BuiltinCommandDeps): Command[] {
  return [
    {
      name: 'help',
      aliases: ['?'],
      description: 'list commands',
      async run() {
        const lines = deps
          .commands()
          .map(
            (c) => `  ${[c.name, c.usage].filter(Boolean).join(' ').padEnd(16)} ${c.description}`,
          );
        const tail = deps.hasModel()
          ? 'Anything else is a question: I investigate with read-only tools and answer.'
          : 'No language model is configured, so only these commands work. Set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY to ask questions.';
        return `Commands:\n${lines.join('\n')}\n\n${tail}`;
      },
    },
    {
      name: 'status',
      description: 'health of everything watched, now (no model call)',
      async run(ctx): Promise<OutboundMessage> {
        const reports = await collectStatus(deps.sources(), deps.statusTimeoutMs, ctx);
        if (reports.length === 0)
          return { blocks: [{ type: 'text', text: 'No source reports a status.' }] };
        const sections: Section[] = reports.flatMap((r) => r.sections);
        const open = (await deps.store.listIncidents({ status: ['open'] })).length;
        const worst = reports.some((r) => r.health === 'critical')
          ? 'critical'
          : reports.some((r) => r.health === 'warn')
            ? 'warn'
            : reports.some((r) => r.health === 'unknown')
              ? 'unknown'
              : 'ok';
        const headline = {
          ok: 'All good.',
          warn: 'Needs attention.',
          critical: 'Something is wrong.',
          unknown: 'Some status is unknown.',
        }[worst];
        return {
          blocks: [
            {
              type: 'text',
              text: `${headline}${open > 0 ? ` ${open} open incident${open === 1 ? '' : 's'} (type "incidents").` : ''}`,
            },
            ...sections.map((section) => ({ type: 'section' as const, section })),
          ],
        };
      },
    },
    {
      name: 'incidents',
      description: 'open incidents',
      async run(): Promise<OutboundMessage | string> {
        const open = await deps.store.listIncidents({ status: ['open'] });
        if (open.length === 0) return 'No open incidents.';
        const now = deps.clock.now();
        return {
          blocks: open.map((incident) => ({
            type: 'section' as const,
            section: {
              title: `[${incident.id}] ${incident.title}`,
              health: SEVERITY_HEALTH[incident.severity],
              fields: [
                { label: 'Severity', value: incident.severity },
                { label: 'Resource', value: incident.resource },
                {
                  label: 'Since',
                  value: `${Math.round((now.getTime() - (incident.openedAt ?? incident.firstSeenAt).getTime()) / 60_000)} min`,
                },
                { label: 'Evidence', value: incident.evidence.slice(0, 300) },
              ],
            },
          })),
        };
      },
    },
    {
      name: 'pending',
      description: 'changes waiting for approval',
      async run(): Promise<OutboundMessage | string> {
        const pending = await deps.approvals.pending();
        if (pending.length === 0) return 'Nothing is waiting for approval.';
        return {
          blocks: pending.map((a) => ({ type: 'approval' as const, approval: approvalView(a) })),
        };
      },
    },
    decideCommand('approve', deps),
    decideCommand('reject', deps),
  ];
}
