import { groupByPrefix, type PrefixEntry } from './group.js';
import { severityRank } from './header.js';
import { WILDCARD } from './mask.js';
import type { LogTemplate, TemplateSurge } from './miner.js';

/** Estimated model tokens of a text: one per four characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Options of {@link renderDigest}. */
export interface RenderDigestOptions {
  /** Most estimated tokens (see {@link estimateTokens}) of the whole digest. Default 2,000. */
  budgetTokens?: number;
  /** Most characters of the example values shown on one line. Default 60. */
  maxValueChars?: number;
  /** Most characters of one example value. Default 32. */
  maxValueLength?: number;
  /**
   * Most groups of templates sharing their first words nested in one another (see
   * `groupByPrefix`). Default 3; 0 prints every template whole.
   */
  maxGroupDepth?: number;
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;

/** Variables in words `from` to `to` of a template's text (its words split on single spaces). */
function slotsIn(words: readonly string[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += (words[i] as string).split(WILDCARD).length - 1;
  return n;
}

interface Row {
  /** The line, made when the budget reaches it (most rows of a long digest are folded). */
  text: () => string;
  /** Index of the row this one sits under (a group or the severity line); -1 for none. */
  parent: number;
  template?: LogTemplate;
  /** A group of templates sharing their first words. */
  group?: boolean;
}

/**
 * Renders templates for a model, worst severity first: a line per severity present
 * (`ERROR: 3 templates, 52 lines`), then its templates, most lines first, one line each
 * (`40x Connection refused to <*> | e.g. 10.0.0.1:5432`). Templates that start with the same
 * words are grouped under a line holding those words once, followed by `…`; the lines indented
 * under it continue it, and a group sits where its templates would by their lines together.
 * Each line shows example values (from the template's first example) for the `<*>` it shows.
 * Within a token budget; a last line says how many templates and lines were folded.
 */
export function renderDigest(
  templates: readonly LogTemplate[],
  options: RenderDigestOptions = {},
): string {
  const budget = options.budgetTokens ?? 2000;
  const maxValueChars = options.maxValueChars ?? 60;
  const maxValueLength = options.maxValueLength ?? 32;
  const maxDepth = options.maxGroupDepth ?? 3;
  const ordered = orderTemplates(templates);
  const total = ordered.reduce((s, t) => s + t.count, 0);

  // The example values of words `from` to `to` of a template: ` | e.g. a, b`, or nothing.
  const example = (t: LogTemplate, words: readonly string[], from: number, to: number): string => {
    const values = t.examples[0]?.values ?? [];
    const slots = slotsIn(words, 0, words.length);
    let shown: readonly string[];
    if (values.length === slots) {
      const first = slotsIn(words, 0, from);
      shown = values.slice(first, first + slotsIn(words, from, to));
    } else shown = to === words.length ? values : []; // values not one per `<*>`: all on the template's line
    if (shown.length === 0) return '';
    return ` | e.g. ${cut(shown.map((v) => cut(v, maxValueLength)).join(', '), maxValueChars)}`;
  };

  const rows: Row[] = [];
  const addEntries = (entries: readonly PrefixEntry[], parent: number, indent: string) => {
    for (const entry of entries) {
      if (entry.kind === 'template') {
        const t = entry.template;
        const text = () => {
          const words = t.template.split(' ');
          const shown = words.slice(entry.start).join(' ');
          return `${indent}${t.count}x ${shown}${example(t, words, entry.start, words.length)}`;
        };
        rows.push({ text, parent, template: t });
      } else {
        const text = () => {
          let first: PrefixEntry = entry;
          while (first.kind === 'group') first = first.entries[0] as PrefixEntry;
          const words = first.template.template.split(' ');
          return `${indent}${entry.text} …${example(first.template, words, entry.start, entry.end)}`;
        };
        rows.push({ text, parent, group: true });
        addEntries(entry.entries, rows.length - 1, `${indent}  `);
      }
    }
  };
  for (let i = 0; i < ordered.length; ) {
    const severity = (ordered[i] as LogTemplate).severity;
    let j = i;
    while (j < ordered.length && (ordered[j] as LogTemplate).severity === severity) j++;
    const section = ordered.slice(i, j);
    const lines = section.reduce((s, t) => s + t.count, 0);
    const text = `${severity.toUpperCase()}: ${plural(section.length, 'template')}, ${plural(lines, 'line')}`;
    rows.push({ text: () => text, parent: -1 });
    addEntries(groupByPrefix(section, { maxDepth }), rows.length - 1, '');
    i = j;
  }

  const legend = '; … = continued on the indented lines below';
  const titleFor = (groups: boolean) =>
    options.title ??
    `Log digest: ${total} lines in ${ordered.length} templates (<*> = variable${groups ? legend : ''})`;
  const out: string[] = [];
  let used = estimateTokens(titleFor(false)) + 1;
  // The legend is printed (and counted) once a group line is.
  let legendCost = options.title === undefined ? estimateTokens(legend) + 1 : 0;
  const reserve = 30; // room for the folded line
  const emitted = new Set<number>();
  let shown = 0;
  for (let r = 0; r < rows.length; r++) {
    if (!(rows[r] as Row).template) continue;
    const chain: number[] = [];
    for (let p = r; p >= 0 && !emitted.has(p); p = (rows[p] as Row).parent) chain.unshift(p);
    const texts = chain.map((p) => (rows[p] as Row).text());
    const withGroup = chain.some((p) => (rows[p] as Row).group);
    const cost =
      texts.reduce((s, text) => s + estimateTokens(text) + 1, 0) + (withGroup ? legendCost : 0);
    const last = shown === ordered.length - 1;
    if (used + cost + (last ? 0 : reserve) > budget) break;
    out.push(...texts);
    for (const p of chain) emitted.add(p);
    used += cost;
    if (withGroup) legendCost = 0;
    shown++;
  }
  if (shown < ordered.length) {
    const shownSet = new Set(rows.filter((_, r) => emitted.has(r)).map((row) => row.template));
    const folded = ordered.filter((t) => !shownSet.has(t));
    const foldedLines = folded.reduce((s, t) => s + t.count, 0);
    const serious = folded.filter(
      (t) => severityRank(t.severity) >= severityRank('warning'),
    ).length;
    out.push(
      `… folded ${folded.length} more templates (${foldedLines} lines${serious > 0 ? `, ${serious} of them warning or worse` : ''}) to stay within ${budget} tokens`,
    );
  }
  const groupShown = [...emitted].some((r) => (rows[r] as Row).group);
  return [titleFor(groupShown), ...out].join('\n');
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
