import { WILDCARD } from './mask.js';
import type { LogTemplate } from './miner.js';

/** A template in a prefix tree; its line shows the words after those of its enclosing groups. */
export interface PrefixLeaf {
  kind: 'template';
  template: LogTemplate;
  /** Words (the template split on single spaces) already shown by the enclosing groups. */
  start: number;
}

/** Templates sharing their first words, which are shown once above them. */
export interface PrefixGroup {
  kind: 'group';
  /** Words shown by the enclosing groups. */
  start: number;
  /** Words shown up to and including this group: its own text is words `start` to `end`. */
  end: number;
  /** The group's own text: words `start` to `end` of each template under it. */
  text: string;
  /** Lines of all templates under it. */
  count: number;
  /** Templates and groups under it, most lines first. */
  entries: PrefixEntry[];
}

/** One entry of a prefix tree: a template or a group of templates. */
export type PrefixEntry = PrefixLeaf | PrefixGroup;

/** Options of {@link groupByPrefix}. */
export interface GroupByPrefixOptions {
  /** Most groups nested in one another. Default 3; 0 turns grouping off. */
  maxDepth?: number;
  /**
   * Fewest characters a group must save (its shared words no longer repeated on each line, less
   * its own line and the indentation of the lines under it). Default 8.
   */
  minSaving?: number;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Templates whose words end here, in input order. */
  ends: { template: LogTemplate; order: number }[];
  count: number;
  templates: number;
  /** Input position of the first template under it (ties keep the input order). */
  order: number;
}

const newNode = (order: number): TrieNode => ({
  children: new Map(),
  ends: [],
  count: 0,
  templates: 0,
  order,
});

/** Open quotes and brackets of a text, and whether it holds a letter outside `<*>`. */
interface Balance {
  quotes: number;
  round: number;
  square: number;
  curly: number;
  letter: boolean;
}

function extend(balance: Balance, word: string): Balance {
  const next = { ...balance };
  for (const c of word) {
    if (c === '"') next.quotes ^= 1;
    else if (c === '(') next.round++;
    else if (c === ')') next.round--;
    else if (c === '[') next.square++;
    else if (c === ']') next.square--;
    else if (c === '{') next.curly++;
    else if (c === '}') next.curly--;
  }
  if (!next.letter) next.letter = /\p{L}/u.test(word.split(WILDCARD).join(''));
  return next;
}

/**
 * True when a shared prefix may stand as a group: it holds a letter outside `<*>` (a prefix of
 * only variables, such as a host name, names no family) and closes every quote and bracket it
 * opens (so a group never ends in the middle of a quoted message or a parenthesis).
 */
function isGroupPrefix(b: Balance): boolean {
  return b.letter && b.quotes === 0 && b.round === 0 && b.square === 0 && b.curly === 0;
}

const BALANCED: Balance = { quotes: 0, round: 0, square: 0, curly: 0, letter: false };

interface Built {
  entry: PrefixEntry;
  count: number;
  order: number;
}

function sortBuilt(built: Built[]): PrefixEntry[] {
  return built.sort((a, b) => b.count - a.count || a.order - b.order).map((b) => b.entry);
}

/**
 * Groups templates whose text starts with the same words into a prefix tree, so a family of
 * templates (`ARPT: <*>: wl0: setup_keepalive: Local IP: <*>`, `... Remote IP: <*>`) shows its
 * shared words once. A group ends where its templates branch, or at the last word before that
 * leaving no quote or bracket open; it holds at least two templates, saves at least `minSaving`
 * characters, names something (a letter outside `<*>`), and no template ends exactly at its last
 * word (that template would have an empty line). Entries are ordered by lines, most first; ties
 * keep the input order.
 */
export function groupByPrefix(
  templates: readonly LogTemplate[],
  options: GroupByPrefixOptions = {},
): PrefixEntry[] {
  const maxDepth = options.maxDepth ?? 3;
  const minSaving = options.minSaving ?? 8;
  const root = newNode(0);
  templates.forEach((template, order) => {
    let node = root;
    node.count += template.count;
    node.templates++;
    for (const word of template.template.split(' ')) {
      let child = node.children.get(word);
      if (!child) {
        child = newNode(order);
        node.children.set(word, child);
      }
      node = child;
      node.count += template.count;
      node.templates++;
    }
    node.ends.push({ template, order });
  });

  // `words`: the words from the template start to `node` (`balance` theirs); `start`: those
  // shown by enclosing groups.
  const build = (
    node: TrieNode,
    words: string[],
    balance: Balance,
    start: number,
    depth: number,
  ): Built[] => {
    const out: Built[] = node.ends.map(({ template, order }) => ({
      entry: { kind: 'template', template, start },
      count: template.count,
      order,
    }));
    for (const [word, first] of node.children) {
      // Follow the words no template branches from or ends at: a group sits where they branch.
      const path = [...words, word];
      let pathBalance = extend(balance, word);
      // The group ends at the branch, or at the last word before it that leaves no quote or
      // bracket open (`Code=<*>` rather than `Code=<*> "The`), still shared by all under it.
      let end = isGroupPrefix(pathBalance) ? path.length : words.length;
      let child = first;
      while (child.ends.length === 0 && child.children.size === 1) {
        const [next, only] = child.children.entries().next().value as [string, TrieNode];
        path.push(next);
        pathBalance = extend(pathBalance, next);
        if (isGroupPrefix(pathBalance)) end = path.length;
        child = only;
      }
      const text = path.slice(start, end).join(' ');
      const lines = child.templates;
      // Each line under it no longer repeats `text `; the group adds its own line (`text …`) and
      // indents every line under it by two spaces.
      const saving = (lines - 1) * (text.length + 1) - 2 * lines - 3;
      if (
        depth < maxDepth &&
        lines >= 2 &&
        end > words.length &&
        (end < path.length || child.ends.length === 0) &&
        saving >= minSaving
      ) {
        const entries = sortBuilt(build(child, path, pathBalance, end, depth + 1));
        out.push({
          entry: { kind: 'group', start, end, text, count: child.count, entries },
          count: child.count,
          order: child.order,
        });
      } else out.push(...build(child, path, pathBalance, start, depth));
    }
    return out;
  };
  return sortBuilt(build(root, [], BALANCED, 0, 0));
}
