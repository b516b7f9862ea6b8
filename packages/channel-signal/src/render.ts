import type { ApprovalView, Health, OutboundMessage, Section } from '@opsagent/core';

/**
 * How text goes to signal-cli-rest-api: `styled` turns `**bold**`, `*italic*`, `~strike~`,
 * `||spoiler||` and `` `mono` `` into Signal text styles; `normal` sends plain text.
 */
export type TextMode = 'styled' | 'normal';

/** One Signal message to send; a plan (approval request) always travels alone, so a reaction on it is unambiguous. */
export interface RenderedPart {
  /** The text, in the chosen text mode. */
  text: string;
  /** The approval this message asks for, if it is a plan. */
  approvalId?: string;
}

const MARKS: Record<Health, string> = { ok: '✅', warn: '⚠️', critical: '🔴', unknown: '❔' };

// In styled mode signal-cli-rest-api treats every one of these characters as a style marker and
// removes it, even a lone one; literal ones are swapped for look-alikes.
const CONTROL: Record<string, string> = { '*': '∗', '|': 'ǀ', '~': '∼', '`': "'" };
const CONTROL_RE = /[*|~`]/g;

/** Replaces characters signal-cli-rest-api would read as style markers with look-alikes. */
export function escapeStyled(text: string): string {
  return text.replace(CONTROL_RE, (c) => CONTROL[c] ?? c);
}

const INLINE =
  /\*\*([^*\n]+?)\*\*|__([^_\n]+?)__|`([^`\n]+)`|~~([^~\n]+?)~~|(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])|\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g;

function inlineStyled(line: string): string {
  let out = '';
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    out += escapeStyled(line.slice(last, m.index));
    const [, bold, bold2, mono, strike, italic, label, href] = m;
    if (bold !== undefined || bold2 !== undefined)
      out += `**${escapeStyled(bold ?? bold2 ?? '')}**`;
    else if (mono !== undefined) out += `\`${escapeStyled(mono)}\``;
    else if (strike !== undefined) out += `~${escapeStyled(strike)}~`;
    else if (italic !== undefined) out += `*${escapeStyled(italic)}*`;
    else if (label !== undefined) out += `${escapeStyled(label)} (${escapeStyled(href ?? '')})`;
    last = m.index + m[0].length;
  }
  return out + escapeStyled(line.slice(last));
}

function inlinePlain(line: string): string {
  return line.replace(INLINE, (_all, bold, bold2, mono, strike, italic, label, href) => {
    if (label !== undefined) return `${label} (${href})`;
    return bold ?? bold2 ?? mono ?? strike ?? italic ?? '';
  });
}

/**
 * Markdown (as models write it) to Signal text: headings become bold, bullets `•`, code blocks
 * monospace line by line, links `label (url)`; in styled mode every other marker character is
 * neutralised so it shows as typed.
 */
export function markdownToSignal(markdown: string, mode: TextMode): string {
  const styled = mode === 'styled';
  const inline = styled ? inlineStyled : inlinePlain;
  const lines: string[] = [];
  let inCode = false;
  for (const raw of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*```/.test(raw)) {
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      lines.push(styled && raw.trim() ? `\`${escapeStyled(raw)}\`` : raw);
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      const text = inlinePlain(heading[1] ?? '');
      lines.push(styled ? `**${escapeStyled(text)}**` : text);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(raw);
    if (bullet) {
      lines.push(`${bullet[1]}• ${inline(bullet[2] ?? '')}`);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(raw)) {
      lines.push('———');
      continue;
    }
    lines.push(inline(raw));
  }
  return lines.join('\n');
}

function bold(text: string, mode: TextMode): string {
  return mode === 'styled' ? `**${escapeStyled(text)}**` : text;
}

function plain(text: string, mode: TextMode): string {
  return mode === 'styled' ? escapeStyled(text) : text;
}

function renderSection(section: Section, mode: TextMode): string {
  const head = `${section.health ? `${MARKS[section.health]} ` : ''}${bold(section.title, mode)}`;
  const rows = section.fields.map(
    (f) => `${f.health ? MARKS[f.health] : '▫️'} ${plain(f.label, mode)}: ${plain(f.value, mode)}`,
  );
  const note = section.note ? [markdownToSignal(section.note, mode)] : [];
  return [head, ...rows, ...note].join('\n');
}

/** `in 59 min`, `in 2 h`, or `now`. */
function expiresIn(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  if (ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60_000);
  return minutes < 120 ? `in ${minutes} min` : `in ${Math.round(minutes / 60)} h`;
}

const RISK_MARK = { low: '🟢', medium: '🟠', high: '🔴' } as const;

/** A plan as a person must see it to decide: what runs, where, the risk, and how to answer. */
export function renderApproval(view: ApprovalView, mode: TextMode, now: Date = new Date()): string {
  return [
    `${bold(`Approval needed [${view.id}]`, mode)}`,
    `Will run: ${plain(view.action, mode)}`,
    `Risk: ${RISK_MARK[view.risk]} ${view.risk} (${plain(view.remediation, mode)})`,
    `Why: ${plain(view.reason, mode)}`,
    `Asked by ${plain(view.requestedBy, mode)}; expires ${expiresIn(view.expiresAt, now)}.`,
    '',
    `Reply "approve ${view.id}" or "reject ${view.id}", or react 👍 / 👎 to this message.`,
  ].join('\n');
}

/**
 * Renders a structured message into Signal messages: consecutive text and sections join into
 * one part (split later by length); each approval is its own part.
 */
export function renderMessage(
  message: OutboundMessage,
  mode: TextMode,
  now: Date = new Date(),
): RenderedPart[] {
  const parts: RenderedPart[] = [];
  let buffer: string[] = [];
  const flush = () => {
    const text = buffer.join('\n\n').trim();
    if (text) parts.push({ text });
    buffer = [];
  };
  for (const block of message.blocks) {
    if (block.type === 'approval') {
      flush();
      parts.push({
        text: renderApproval(block.approval, mode, now),
        approvalId: block.approval.id,
      });
    } else if (block.type === 'section') {
      buffer.push(renderSection(block.section, mode));
    } else {
      buffer.push(markdownToSignal(block.text, mode));
    }
  }
  flush();
  return parts;
}

/**
 * Splits text into chunks of at most `limit` characters: at paragraph breaks first, then line
 * breaks, then spaces, and only as a last resort inside a word.
 */
export function splitText(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let current = '';
  const push = (piece: string, separator: string) => {
    if (!current) {
      current = piece;
      return;
    }
    if (current.length + separator.length + piece.length <= limit) {
      current += separator + piece;
      return;
    }
    chunks.push(current);
    current = piece;
  };
  const separators = ['\n\n', '\n', ' '];
  // Each piece with the separator that joins it to the piece before it.
  const pieces = (block: string, level: number, lead: string): Array<[string, string]> => {
    if (block.length <= limit) return [[block, lead]];
    for (let i = level; i < separators.length; i += 1) {
      const sep = separators[i]!;
      const split = block.split(sep).filter((p) => p !== '');
      if (split.length > 1) return split.flatMap((p, k) => pieces(p, i + 1, k === 0 ? lead : sep));
    }
    const hard: Array<[string, string]> = [];
    for (let i = 0; i < block.length; i += limit) {
      hard.push([block.slice(i, i + limit), i === 0 ? lead : '']);
    }
    return hard;
  };
  for (const [piece, sep] of pieces(text, 0, '')) push(piece, sep);
  if (current) chunks.push(current);
  return chunks;
}
