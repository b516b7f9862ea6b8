import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  type Address,
  type Block,
  type Channel,
  type Health,
  OpsAgentError,
  type OutboundMessage,
  type SentMessage,
} from '@opsagent/core';

/** Options of {@link createSesEmailChannel}. */
export interface SesEmailChannelOptions {
  /** SES v2 client (its region and endpoint decide where mail is sent from). */
  client: SESv2Client;
  /** Verified sender, e.g. `opsagent <ops@example.com>`. */
  from: string;
  /** Recipients used when an address's `chat` is `default`. */
  to: string[];
  /** Channel name; default `email`. */
  name?: string;
  /** Subject prefix; default `[opsagent]`. */
  subjectPrefix?: string;
  /** SES configuration set, for delivery events. */
  configurationSet?: string;
}

const MARKS: Record<Health, string> = { ok: '✓', warn: '!', critical: '✗', unknown: '?' };
const COLORS: Record<Health, string> = {
  ok: '#1a7f37',
  warn: '#9a6700',
  critical: '#cf222e',
  unknown: '#57606a',
};

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Inline markdown the alerts use (`code`, **bold**) to HTML, escaping everything else. */
function inlineHtml(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function blockText(block: Block): string {
  if (block.type === 'text') return block.text;
  if (block.type === 'section') {
    const s = block.section;
    const fields = s.fields.map(
      (f) => `  ${f.health ? `${MARKS[f.health]} ` : ''}${f.label}: ${f.value}`,
    );
    return [
      `${s.title}${s.health ? ` [${s.health}]` : ''}`,
      ...fields,
      ...(s.note ? ['', s.note] : []),
    ].join('\n');
  }
  const a = block.approval;
  return [
    `Approval needed [${a.id}] (${a.risk} risk): ${a.action}`,
    `Why: ${a.reason}`,
    `Requested by ${a.requestedBy}; expires ${a.expiresAt.toISOString()}`,
    `Approve in chat with "approve ${a.id}" or through the management API.`,
  ].join('\n');
}

function blockHtml(block: Block): string {
  if (block.type === 'text') {
    return block.text
      .split(/\n{2,}/)
      .map((p) => `<p>${inlineHtml(p).replace(/\n/g, '<br>')}</p>`)
      .join('');
  }
  if (block.type === 'section') {
    const s = block.section;
    const rows = s.fields
      .map(
        (f) =>
          `<tr><td style="padding:2px 12px 2px 0;color:#57606a">${escapeHtml(f.label)}</td><td style="padding:2px 0;${f.health ? `color:${COLORS[f.health]}` : ''}">${f.health ? `${MARKS[f.health]} ` : ''}${inlineHtml(f.value).replace(/\n/g, '<br>')}</td></tr>`,
      )
      .join('');
    const note = s.note
      ? `<pre style="background:#f6f8fa;padding:8px;white-space:pre-wrap">${escapeHtml(s.note)}</pre>`
      : '';
    return `<h3 style="margin:16px 0 4px;${s.health ? `color:${COLORS[s.health]}` : ''}">${escapeHtml(s.title)}</h3><table>${rows}</table>${note}`;
  }
  const a = block.approval;
  return `<div style="border:1px solid #d0d7de;padding:8px;margin:12px 0"><strong>Approval needed [${escapeHtml(a.id)}]</strong> (${a.risk} risk)<br><code>${escapeHtml(a.action)}</code><br>Why: ${escapeHtml(a.reason)}<br>Requested by ${escapeHtml(a.requestedBy)}; expires ${a.expiresAt.toISOString()}<br>Approve in chat with <code>approve ${escapeHtml(a.id)}</code> or through the management API.</div>`;
}

/** The e-mail for an outbound message: subject, plain text and HTML bodies. */
export function renderEmail(
  message: OutboundMessage,
  subjectPrefix = '[opsagent]',
): { subject: string; text: string; html: string } {
  const text = message.blocks.map(blockText).join('\n\n');
  const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? 'notification';
  const subject = `${subjectPrefix} ${firstLine.replace(/\*\*|`/g, '')}`.slice(0, 200);
  const html = `<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328">${message.blocks.map(blockHtml).join('')}<p style="color:#57606a;font-size:12px">Sent by opsagent.</p></body></html>`;
  return { subject, text, html };
}

/**
 * An outbound-only channel that sends notifications as e-mail through SES v2 (HTML and text
 * bodies). Address `chat` is a comma-separated list of recipients, or `default` for `to`.
 */
export function createSesEmailChannel(options: SesEmailChannelOptions): Channel {
  let sent = 0;
  return {
    name: options.name ?? 'email',
    async start() {},
    async stop() {},
    async send(address: Address, message: OutboundMessage): Promise<SentMessage> {
      const to =
        address.chat === 'default' || address.chat === ''
          ? options.to
          : address.chat
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
      if (to.length === 0) {
        throw new OpsAgentError(
          'EMAIL_NO_RECIPIENT',
          'no e-mail recipient: set plugins.aws-email.to or the route address',
          { category: 'user' },
        );
      }
      const { subject, text, html } = renderEmail(message, options.subjectPrefix);
      const out = await options.client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: to },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: text, Charset: 'UTF-8' },
                Html: { Data: html, Charset: 'UTF-8' },
              },
            },
          },
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        }),
      );
      sent++;
      return { address, id: out.MessageId ?? `email-${sent}` };
    },
  };
}
