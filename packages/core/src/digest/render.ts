import { severityRank } from './header.js';
import type { LogTemplate, TemplateSurge } from './miner.js';

/** Estimated model tokens of a text: one per four characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Options of {@link renderDigest}. */
export interface RenderDigestOptions {
  /** Most estimated tokens (see {@link estimateTokens}) of the whole digest. Default 2,000. */
  budgetTokens?: number;
  /** Most characters of the example values shown per template. Default 80. */
  maxValueChars?: number;
  /** The first line. Default: counts of lines and templates. */
  title?: string;
}

/** Templates ordered for a reader: worst severity first, then most lines. */
export function orderTemplates(templates: readonly LogTemplate[]): LogTemplate[] {
  return [...templates].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      b.count - a.count ||
      a.id.localeCompare(b.id),
  );
}

function templateLine(t: LogTemplate, maxValueChars: number): string {
  let line = `${t.severity.toUpperCase()} ${t.count}x ${t.template}`;
  const values = t.examples[0]?.values ?? [];
  if (values.length > 0) {
    let shown = values.join(', ');
    if (shown.length > maxValueChars) shown = `${shown.slice(0, maxValueChars - 1)}…`;
    line += `  | e.g. ${shown}`;
  }
  return line;
}

/**
 * Renders templates for a model: one line each (`ERROR 12x template | e.g. values`), worst
 * severity then most frequent first, within a token budget; a last line says how many templates
 * and lines were folded.
 */
export function renderDigest(
  templates: readonly LogTemplate[],
  options: RenderDigestOptions = {},
): string {
  const budget = options.budgetTokens ?? 2000;
  const maxValueChars = options.maxValueChars ?? 80;
  const ordered = orderTemplates(templates);
  const total = ordered.reduce((s, t) => s + t.count, 0);
  const title =
    options.title ?? `Log digest: ${total} lines in ${ordered.length} templates (<*> = variable)`;
  const lines = [title];
  let used = estimateTokens(title) + 1;
  const reserve = 30; // room for the folded line
  let shown = 0;
  for (const t of ordered) {
    const line = templateLine(t, maxValueChars);
    const cost = estimateTokens(line) + 1;
    const last = shown === ordered.length - 1;
    if (used + cost + (last ? 0 : reserve) > budget) break;
    lines.push(line);
    used += cost;
    shown++;
  }
  if (shown < ordered.length) {
    const folded = ordered.slice(shown);
    const foldedLines = folded.reduce((s, t) => s + t.count, 0);
    const serious = folded.filter(
      (t) => severityRank(t.severity) >= severityRank('warning'),
    ).length;
    lines.push(
      `… folded ${folded.length} more templates (${foldedLines} lines${serious > 0 ? `, ${serious} of them warning or worse` : ''}) to stay within ${budget} tokens`,
    );
  }
  return lines.join('\n');
}

/** Renders surges (see `TemplateMiner.surges`), one line each. */
export function renderSurges(surges: readonly TemplateSurge[]): string {
  if (surges.length === 0) return 'No surges.';
  return surges
    .map((s) =>
      s.isNew
        ? `NEW ${s.recent} in the last window: ${s.template.template}`
        : `SURGE ${s.ratio.toFixed(1)}x (${s.recent} vs ${s.baseline.toFixed(1)} per window): ${s.template.template}`,
    )
    .join('\n');
}
