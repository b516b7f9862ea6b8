/** Slack's recommended upper bound for one message's text; longer answers are split. */
export const SLACK_TEXT_LIMIT = 3_500;

/** Escapes the three characters Slack reserves for its own markup (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Undoes Slack's escaping in text people typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Turns inline markdown (outside code) into mrkdwn. */
function convertInline(text: string): string {
  const links: string[] = [];
  // Links first, kept aside so their URLs are not touched by emphasis rules.
  let out = text.replace(
    /\[([^\]\n]+)\]\((https?:\/\/[^)\s]+|mailto:[^)\s]+)\)/g,
    (_m, label: string, url: string) => {
      links.push(`<${url.replace(/\|/g, '%7C')}|${escapeMrkdwn(label)}>`);
      return `\uE000L${links.length - 1}\uE000`;
    },
  );
  out = escapeMrkdwn(out);
  // Bold (** or __) becomes *; italic (* or _) becomes _; strike ~~ becomes ~.
  out = out.replace(/\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*/g, '\uE001$1\uE001');
  out = out.replace(/__(?=\S)([^_\n]+?)(?<=\S)__/g, '\uE001$1\uE001');
  out = out.replace(/(^|[^*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])/g, '$1_$2_');
  out = out.replace(/~~(?=\S)([^~\n]+?)(?<=\S)~~/g, '~$1~');
  out = out.replace(/\uE001/g, '*');
  return out.replace(/\uE000L(\d+)\uE000/g, (_m, i: string) => links[Number(i)] ?? '');
}

/** Converts one line outside code blocks: headings, bullets, quotes, then inline markup. */
function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return `*${convertInline(heading[1] ?? '').replace(/^\*(.*)\*$/, '$1')}*`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return '──────────';
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) {
    const depth = Math.floor((bullet[1] ?? '').length / 2);
    return `${'    '.repeat(depth)}• ${convertWithCode(bullet[2] ?? '')}`;
  }
  const quote = /^\s{0,3}>\s?(.*)$/.exec(line);
  if (quote) return `>${convertWithCode(quote[1] ?? '')}`;
  return convertWithCode(line);
}

/** Inline conversion that leaves `code spans` alone (but escaped, as Slack requires). */
function convertWithCode(line: string): string {
  return line
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? escapeMrkdwn(part) : convertInline(part)))
    .join('');
}

/**
 * Converts the markdown models write into Slack mrkdwn: `**bold**` to `*bold*`, `*italic*` to
 * `_italic_`, `~~strike~~` to `~strike~`, `[label](url)` to `<url|label>`, headings to bold lines,
 * list markers to bullets; code blocks keep their content (language tags dropped); `&`, `<`, `>`
 * are escaped everywhere else.
 */
export function markdownToMrkdwn(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let inFence = false;
  for (const line of lines) {
    const fence = /^\s*```/.exec(line);
    if (fence) {
      inFence = !inFence;
      out.push('```');
      continue;
    }
    out.push(inFence ? escapeMrkdwn(line) : convertLine(line));
  }
  if (inFence) out.push('```');
  return out.join('\n');
}

/**
 * Splits mrkdwn into pieces of at most `limit` characters, at paragraph breaks, then line breaks,
 * then spaces; a code block cut in two is closed and reopened so both pieces render.
 */
export function splitMrkdwn(text: string, limit: number = SLACK_TEXT_LIMIT): string[] {
  if (text.length <= limit) return [text];
  const pieces: string[] = [];
  let rest = text;
  let reopen = false;
  while (rest.length > 0) {
    const prefix: string = reopen ? '```\n' : '';
    const budget = limit - prefix.length - 4; // room for a closing fence
    if (prefix.length + rest.length <= limit) {
      pieces.push(prefix + rest);
      break;
    }
    const window = rest.slice(0, budget);
    let cut = window.lastIndexOf('\n\n');
    if (cut < budget / 3) cut = window.lastIndexOf('\n');
    if (cut < budget / 3) cut = window.lastIndexOf(' ');
    if (cut < budget / 3) cut = budget;
    let piece: string = prefix + rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\s+/, '');
    const fences: number = (piece.match(/```/g) ?? []).length;
    reopen = fences % 2 === 1;
    if (reopen) piece += '\n```';
    pieces.push(piece.trimEnd());
  }
  return pieces.filter((p) => p.trim().length > 0);
}
