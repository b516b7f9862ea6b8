/** Parsing accuracy of a log parser against ground truth, as the LogPAI benchmarks define it. */
export interface ParseScores {
  /** Lines scored. */
  lines: number;
  /** Distinct ground-truth templates. */
  truthTemplates: number;
  /** Distinct parsed templates. */
  parsedTemplates: number;
  /** Grouping accuracy: share of lines whose parsed group is exactly their ground-truth group. */
  ga: number;
  /** F1 of grouping, over groups (precision over parsed groups, recall over truth groups). */
  fga: number;
  /** Parsing accuracy: share of lines whose parsed template equals the truth as a string. */
  pa: number;
  /** F1 of template accuracy: a parsed template is right when all its lines have it as truth. */
  fta: number;
}

/** Trims and collapses runs of whitespace, so only the words of templates are compared. */
export function normalizeTemplate(template: string): string {
  return template.trim().replace(/\s+/g, ' ');
}

function f1(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

function groups(labels: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const group = out.get(label);
    if (group) group.push(i);
    else out.set(label, [i]);
  });
  return out;
}

/**
 * Scores parsed templates against ground-truth templates, line by line (both arrays in line
 * order, compared after {@link normalizeTemplate}). A group is the set of lines sharing a template.
 */
export function scoreParse(truth: readonly string[], parsed: readonly string[]): ParseScores {
  if (truth.length !== parsed.length)
    throw new RangeError(`truth has ${truth.length} lines, parsed has ${parsed.length}`);
  const t = truth.map(normalizeTemplate);
  const p = parsed.map(normalizeTemplate);
  const n = t.length;
  const truthGroups = groups(t);
  const parsedGroups = groups(p);
  let gaLines = 0;
  let gaGroups = 0;
  let ftaCorrect = 0;
  for (const [template, lines] of parsedGroups) {
    const first = t[lines[0] as number] as string;
    const pure = lines.every((i) => t[i] === first);
    if (pure && truthGroups.get(first)?.length === lines.length) {
      gaLines += lines.length;
      gaGroups++;
    }
    if (pure && first === template) ftaCorrect++;
  }
  let paLines = 0;
  for (let i = 0; i < n; i++) if (t[i] === p[i]) paLines++;
  const rate = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    lines: n,
    truthTemplates: truthGroups.size,
    parsedTemplates: parsedGroups.size,
    ga: rate(gaLines, n),
    fga: f1(rate(gaGroups, parsedGroups.size), rate(gaGroups, truthGroups.size)),
    pa: rate(paLines, n),
    fta: f1(rate(ftaCorrect, parsedGroups.size), rate(ftaCorrect, truthGroups.size)),
  };
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
