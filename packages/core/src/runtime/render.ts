import type { ApprovalView, Health, OutboundMessage, Section } from '../contracts/message.js';

const MARKS: Record<Health, string> = { ok: '✓', warn: '!', critical: '✗', unknown: '?' };
const LABELS: Record<Health, string> = {
  ok: 'OK',
  warn: 'WARN',
  critical: 'CRITICAL',
  unknown: 'UNKNOWN',
};

/** `in 59 min`, `in 2 h`, or `expired`. */
export function relativeTime(to: Date, now: Date = new Date()): string {
  const ms = to.getTime() - now.getTime();
  if (ms <= 0) return 'expired';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 120) return `in ${minutes} min`;
  return `in ${Math.round(minutes / 60)} h`;
}

function renderSection(section: Section): string {
  const head = section.health ? `${section.title}  [${LABELS[section.health]}]` : section.title;
  const width = Math.max(0, ...section.fields.map((f) => f.label.length));
  const rows = section.fields.map(
    (f) => `  ${f.health ? MARKS[f.health] : ' '} ${f.label.padEnd(width)}  ${f.value}`,
  );
  return [head, ...rows, ...(section.note ? [`  ${section.note}`] : [])].join('\n');
}

function renderApproval(view: ApprovalView, now: Date): string {
  return [
    `Approval needed [${view.id}] (risk: ${view.risk})`,
    `  Action: ${view.action}`,
    `  Reason: ${view.reason}`,
    `  Asked by: ${view.requestedBy}; expires ${relativeTime(view.expiresAt, now)}`,
    `  Reply "approve ${view.id}" or "reject ${view.id}".`,
  ].join('\n');
}

/** Renders a structured message as plain text, for terminals, logs and conversation history. */
export function renderPlainText(message: OutboundMessage, now: Date = new Date()): string {
  return message.blocks
    .map((block) => {
      if (block.type === 'section') return renderSection(block.section);
      if (block.type === 'approval') return renderApproval(block.approval, now);
      return block.text;
    })
    .join('\n\n');
}
