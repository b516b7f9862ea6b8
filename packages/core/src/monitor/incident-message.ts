import type { Block, Field, Health, OutboundMessage } from '../contracts/message.js';
import type { Severity } from '../contracts/source.js';
import type { ApprovalRecord, IncidentRecord } from '../contracts/store.js';
import { approvalView } from '../runtime/approvals.js';

/** What happened to an incident that people are told about. */
export type IncidentEvent = 'opened' | 'escalated' | 'resolved';

/** What {@link incidentMessage} needs. */
export interface IncidentMessageInput {
  /** The event. */
  event: IncidentEvent;
  /** The incident, as stored after the event. */
  incident: IncidentRecord;
  /** For `escalated`: the severity people were told of before. */
  previousSeverity?: Severity;
  /** Approvals proposed for this event, in the order they were proposed. */
  approvals?: readonly ApprovalRecord[];
}

/** Characters of evidence shown in a notification; the incident keeps all of it. */
export const EVIDENCE_LIMIT = 1_500;

const MARK: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };
const HEALTH: Record<Severity, Health | undefined> = {
  critical: 'critical',
  warning: 'warn',
  info: undefined,
};

/** `2026-01-01 09:30 UTC`: unambiguous on every medium and in every time zone. */
function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function cap(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function titleLine(input: IncidentMessageInput): string {
  const { incident, event } = input;
  const what = `${incident.title} (${incident.source})`;
  if (event === 'resolved') return `✅ resolved: ${what}`;
  const was =
    event === 'escalated' && input.previousSeverity ? ` (was ${input.previousSeverity})` : '';
  return `${MARK[incident.severity]} ${incident.severity}${was}: ${what}`;
}

function approvalBlock(approval: ApprovalRecord): Block {
  if (approval.status === 'pending') return { type: 'approval', approval: approvalView(approval) };
  // Decided at once by policy: there is nothing left for a person to decide, so say what happened.
  const by = approval.decidedBy ? ` by ${approval.decidedBy.name}` : '';
  const outcome = approval.result ? `: ${approval.result.detail}` : '';
  return {
    type: 'text',
    text: `Remediation ${approval.remediation} [${approval.id}] ${approval.action}: ${approval.status}${by}${outcome}`,
  };
}

/**
 * The alert for an incident event: a title line, a section with the facts, the analysis when
 * there is one, and one block per remediation proposed. Structured only; channels render it.
 */
export function incidentMessage(input: IncidentMessageInput): OutboundMessage {
  const { incident, event } = input;
  const resolved = event === 'resolved';
  const fields: Field[] = [
    {
      label: 'Severity',
      value: incident.severity,
      ...(HEALTH[incident.severity] && !resolved ? { health: HEALTH[incident.severity] } : {}),
    },
    { label: 'Resource', value: incident.resource },
    { label: 'Since', value: formatTime(incident.openedAt ?? incident.firstSeenAt) },
  ];
  if (resolved && incident.resolvedAt) {
    fields.push({ label: 'Resolved', value: formatTime(incident.resolvedAt), health: 'ok' });
  }
  fields.push({
    label: resolved ? 'Last evidence' : 'Evidence',
    value: cap(incident.evidence, EVIDENCE_LIMIT),
  });
  const health = resolved ? 'ok' : HEALTH[incident.severity];
  const blocks: Block[] = [
    { type: 'text', text: titleLine(input) },
    {
      type: 'section',
      section: { title: `Incident ${incident.id}`, ...(health ? { health } : {}), fields },
    },
  ];
  if (incident.analysis && !resolved) {
    blocks.push({ type: 'text', text: `**Analysis**\n\n${incident.analysis}` });
  }
  for (const approval of input.approvals ?? []) blocks.push(approvalBlock(approval));
  return { kind: 'alert', blocks };
}
