import type { ApprovalView, Health, OutboundMessage, Section } from '@opsagent/core';
import { relativeTime } from '@opsagent/core';
import { escapeMrkdwn, markdownToMrkdwn, SLACK_TEXT_LIMIT, splitMrkdwn } from './mrkdwn.js';

/** A Block Kit block, as sent to the Web API. */
export type SlackBlock = Record<string, unknown>;

/** One Slack message: fallback/notification text and optional blocks. */
export interface SlackPayload {
  text: string;
  blocks?: SlackBlock[];
}

/** Action ids of the approval buttons. */
export const APPROVE_ACTION = 'opsagent_approve';
export const REJECT_ACTION = 'opsagent_reject';

const MARKS: Record<Health, string> = {
  ok: ':large_green_circle:',
  warn: ':large_yellow_circle:',
  critical: ':red_circle:',
  unknown: ':white_circle:',
};
const LABELS: Record<Health, string> = {
  ok: 'OK',
  warn: 'WARN',
  critical: 'CRITICAL',
  unknown: 'UNKNOWN',
};
/** Block Kit limits: 50 blocks a message, 10 fields a section, 2000 chars a field, 3000 a text. */
const MAX_BLOCKS = 50;
const MAX_FIELDS = 10;
const FIELD_LIMIT = 2_000;
const SECTION_TEXT_LIMIT = 3_000;

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function mrkdwn(text: string): SlackBlock {
  return { type: 'mrkdwn', text: clip(text, SECTION_TEXT_LIMIT) };
}

/** A section of `status`: a title with its health mark, then up to 10 fields a block. */
export function sectionBlocks(section: Section): SlackBlock[] {
  const mark = section.health ? `${MARKS[section.health]} ` : '';
  const suffix = section.health ? `  ·  ${LABELS[section.health]}` : '';
  const blocks: SlackBlock[] = [
    { type: 'section', text: mrkdwn(`${mark}*${escapeMrkdwn(section.title)}*${suffix}`) },
  ];
  for (let i = 0; i < section.fields.length; i += MAX_FIELDS) {
    blocks.push({
      type: 'section',
      fields: section.fields
        .slice(i, i + MAX_FIELDS)
        .map((field) =>
          mrkdwn(
            clip(
              `*${escapeMrkdwn(field.label)}*\n${field.health ? `${MARKS[field.health]} ` : ''}${escapeMrkdwn(field.value)}`,
              FIELD_LIMIT,
            ),
          ),
        ),
    });
  }
  if (section.note) {
    blocks.push({ type: 'context', elements: [mrkdwn(markdownToMrkdwn(section.note))] });
  }
  return blocks;
}

/** An approval request: what, why, risk and expiry, with Approve / Reject buttons. */
export function approvalBlocks(view: ApprovalView, now: Date = new Date()): SlackBlock[] {
  const risk =
    view.risk === 'high'
      ? ':red_circle: high'
      : view.risk === 'medium'
        ? ':large_yellow_circle: medium'
        : ':large_green_circle: low';
  return [
    {
      type: 'section',
      block_id: `approval:${view.id}`,
      text: mrkdwn(
        `:lock: *Approval needed* \`${view.id}\`\n*Action:* ${escapeMrkdwn(view.action)}\n*Reason:* ${escapeMrkdwn(view.reason)}`,
      ),
      fields: [
        mrkdwn(`*Risk*\n${risk}`),
        mrkdwn(`*Asked by*\n${escapeMrkdwn(view.requestedBy)}`),
        mrkdwn(`*Expires*\n${relativeTime(view.expiresAt, now)}`),
        mrkdwn(`*Remediation*\n\`${escapeMrkdwn(view.remediation)}\``),
      ],
    },
    {
      type: 'actions',
      block_id: `decide:${view.id}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          value: view.id,
          text: { type: 'plain_text', text: 'Approve' },
          ...(view.risk === 'high'
            ? {
                confirm: {
                  title: { type: 'plain_text', text: 'High-risk change' },
                  text: { type: 'plain_text', text: clip(`Run: ${view.action}?`, 300) },
                  confirm: { type: 'plain_text', text: 'Approve' },
                  deny: { type: 'plain_text', text: 'Cancel' },
                },
              }
            : {}),
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          style: 'danger',
          value: view.id,
          text: { type: 'plain_text', text: 'Reject' },
        },
      ],
    },
  ];
}

function approvalText(view: ApprovalView): string {
  return `Approval needed [${view.id}] (${view.risk} risk): ${view.action}`;
}

/**
 * Renders a structured message for Slack. Pure text becomes mrkdwn `text` (split when long);
 * sections and approvals become Block Kit, at most 50 blocks a message. Returns one payload per
 * Slack message to post, in order.
 */
export function renderForSlack(message: OutboundMessage, now: Date = new Date()): SlackPayload[] {
  const structured = message.blocks.some((b) => b.type !== 'text');
  if (!structured) {
    const text = message.blocks.map((b) => (b.type === 'text' ? b.text : '')).join('\n\n');
    const converted = markdownToMrkdwn(text);
    const italic =
      message.kind === 'progress' ? `:hourglass_flowing_sand: ${converted}` : converted;
    return splitMrkdwn(italic || ' ', SLACK_TEXT_LIMIT).map((piece) => ({ text: piece }));
  }
  const payloads: SlackPayload[] = [];
  let blocks: SlackBlock[] = [];
  let texts: string[] = [];
  const flush = () => {
    if (blocks.length === 0) return;
    payloads.push({ text: clip(texts.join(' · ') || 'opsagent', SECTION_TEXT_LIMIT), blocks });
    blocks = [];
    texts = [];
  };
  const add = (group: SlackBlock[], text: string) => {
    if (blocks.length + group.length > MAX_BLOCKS) flush();
    blocks.push(...group);
    texts.push(text);
  };
  for (const block of message.blocks) {
    if (block.type === 'text') {
      for (const piece of splitMrkdwn(markdownToMrkdwn(block.text), SECTION_TEXT_LIMIT)) {
        add([{ type: 'section', text: mrkdwn(piece) }], piece);
      }
    } else if (block.type === 'section') {
      add(
        sectionBlocks(block.section),
        `${block.section.title}${block.section.health ? ` (${LABELS[block.section.health]})` : ''}`,
      );
    } else {
      add(approvalBlocks(block.approval, now), approvalText(block.approval));
    }
  }
  flush();
  return payloads;
}
