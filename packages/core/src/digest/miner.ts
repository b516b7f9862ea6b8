import { inferSeverity, type LogSeverity, severityRank, stripHeader } from './header.js';
import { extractValues, maskMessage, tokenize, WILDCARD } from './mask.js';

/** Options of {@link TemplateMiner}; the defaults are the one generic configuration. */
export interface TemplateMinerOptions {
  /** Most templates kept; the least recently seen are evicted beyond it. Default 2,000. */
  maxTemplates?: number;
  /**
   * Least share of a template's constant tokens (those with no `<*>`) a line of the same length
   * and first token must match to join it. Default 0.7.
   */
  similarity?: number;
  /**
   * Most distinct plain words a variable slot may take and still count as an enumeration: a
   * slot seen only with `password` and `none` splits its template in two (`Failed password ...`,
   * `Failed none ...`) rather than hiding the difference behind `<*>`. Numbers, paths, masked
   * values, key=value pairs and calendar names never count. Default 3; 0 turns it off.
   */
  maxEnumValues?: number;
  /** Example lines kept per template. Default 3. */
  maxExamples?: number;
  /** Strip timestamps, levels, pids and components before mining. Default true. */
  stripHeaders?: boolean;
  /** Characters of a line that are mined; the rest is ignored. Default 4,096. */
  maxLineLength?: number;
  /** Width of one rate bucket for surges, in ms. Default 60,000. */
  bucketMs?: number;
  /** The time of a line when {@link TemplateMiner.add} is given none, in epoch ms. */
  now?: () => number;
}

/** An example line of a template. */
export interface LogTemplateExample {
  /** The line as it came in (truncated to the mined length). */
  line: string;
  /** The values the template's `<*>` stand for in this line, in order. */
  values: string[];
}

/** A snapshot of one mined template. */
export interface LogTemplate {
  /** Stable id within one miner, e.g. `T12`. */
  id: string;
  /** The template text, variables as `<*>`. */
  template: string;
  /** Lines that matched it. */
  count: number;
  /** When the first matching line was seen, epoch ms. */
  firstSeen: number;
  /** When the last matching line was seen, epoch ms. */
  lastSeen: number;
  /** The worst severity among its lines. */
  severity: LogSeverity;
  /** A few example lines with their variable values. */
  examples: LogTemplateExample[];
}

/** Sizes of the miner's structures, all bounded by its options. */
export interface TemplateMinerStats {
  /** Lines added. */
  lines: number;
  /** Templates kept (at most `maxTemplates`). */
  templates: number;
  /** Templates evicted so far. */
  evicted: number;
  /** Entries of the exact-match cache (at most 4 x `maxTemplates`). */
  cacheEntries: number;
  /** Length/first-token buckets (at most `maxTemplates`). */
  buckets: number;
}

const RING = 12;
const MAX_SCAN = 64;
/** Most value combinations tracked per cluster; beyond it the widest enumeration turns variable. */
const MAX_GROUPS = 32;
const ENUM_WORD = /^[A-Za-z][A-Za-z_-]*[.,;:]?$/;
const CALENDAR =
  /^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*[.,;:]?$/i;

/** True when a masked token may be one value of an enumeration (a plain word, not a date part). */
function isEnumWord(token: string): boolean {
  return ENUM_WORD.test(token) && !CALENDAR.test(token);
}

type Example = { line: string; tokens: string[] };

/** Lines of one cluster that agree on every enumerated slot: one template as reported. */
class Group {
  count = 0;
  firstSeen: number;
  lastSeen: number;
  severity: LogSeverity = 'debug';
  examples: Example[] = [];
  constructor(
    /** The values of the cluster's enumerated slots, in slot order. */
    public values: string[],
    time: number,
  ) {
    this.firstSeen = time;
    this.lastSeen = time;
  }

  absorb(other: Group, maxExamples: number): void {
    this.count += other.count;
    if (other.firstSeen < this.firstSeen) this.firstSeen = other.firstSeen;
    if (other.lastSeen > this.lastSeen) this.lastSeen = other.lastSeen;
    if (severityRank(other.severity) > severityRank(this.severity)) this.severity = other.severity;
    for (const e of other.examples) if (this.examples.length < maxExamples) this.examples.push(e);
  }
}

/**
 * A variable slot of a cluster: the distinct plain words seen in it while there are at most
 * `maxEnumValues` of them (an enumeration), or `null` once it is a real variable.
 */
type Slot = { position: number; values: string[] | null };

class Cluster {
  tokens: string[];
  count = 0;
  firstSeen: number;
  lastSeen: number;
  seq = 0;
  evicted = false;
  ring = new Uint32Array(RING);
  epoch = 0;
  /** Slots that turned from a constant into `<*>` by merging, in position order. */
  slots: Slot[] = [];
  /** Enumerated slots (values not null), in position order. */
  enums: Slot[] = [];
  groups = new Map<string, Group>();
  private text: string | undefined;

  constructor(
    readonly id: string,
    tokens: string[],
    readonly bucketKey: string,
    time: number,
  ) {
    this.tokens = tokens;
    this.firstSeen = time;
    this.lastSeen = time;
  }

  /** The template with every slot as `<*>`: the family of all its groups. */
  get template(): string {
    if (this.text === undefined) this.text = this.tokens.join(' ');
    return this.text;
  }

  changed(): void {
    this.text = undefined;
  }

  /** The template of lines with the given enumerated values. */
  render(values: readonly string[]): string[] {
    if (this.enums.length === 0) return this.tokens;
    const out = this.tokens.slice();
    this.enums.forEach((slot, k) => {
      out[slot.position] = values[k] as string;
    });
    return out;
  }

  groupId(values: readonly string[]): string {
    return values.length === 0 ? this.id : `${this.id}:${values.join(',')}`;
  }

  /** Recomputes `enums` and re-keys the groups after slots changed; groups that now agree merge. */
  rekey(maxExamples: number, insert?: { slot: Slot; value: string }): void {
    const before = this.enums;
    this.enums = this.slots.filter((s) => s.values !== null);
    const regrouped = new Map<string, Group>();
    for (const group of this.groups.values()) {
      const byPosition = new Map<number, string>();
      before.forEach((slot, k) => {
        byPosition.set(slot.position, group.values[k] as string);
      });
      if (insert) byPosition.set(insert.slot.position, insert.value);
      group.values = this.enums.map((slot) => byPosition.get(slot.position) as string);
      const key = group.values.join('\u0001');
      const same = regrouped.get(key);
      if (same) same.absorb(group, maxExamples);
      else regrouped.set(key, group);
    }
    this.groups = regrouped;
  }
}

/** What {@link TemplateMiner.add} returns: a live handle on the template a line went to. */
export interface TemplateRef {
  /** Stable id within one miner, e.g. `T12` or `T12:password` for one value of an enumeration. */
  readonly id: string;
  /** The current template text of the line; it may still generalise as more lines arrive. */
  readonly template: string;
  /** True once the template was evicted to respect the cap. */
  readonly evicted: boolean;
}

/** One distinct masked line: the cluster it joined and its masked tokens. */
class LineShape implements TemplateRef {
  constructor(
    readonly cluster: Cluster,
    readonly tokens: string[],
  ) {}

  private values(): string[] {
    return this.cluster.enums.map((slot) => this.tokens[slot.position] as string);
  }

  get id(): string {
    return this.cluster.groupId(this.values());
  }

  get template(): string {
    const c = this.cluster;
    return c.enums.length === 0 ? c.template : c.render(this.values()).join(' ');
  }

  get evicted(): boolean {
    return this.cluster.evicted;
  }
}

/** A template's rate in the latest bucket against its baseline; see {@link TemplateMiner.surges}. */
export interface TemplateSurge {
  template: LogTemplate;
  /** Lines in the latest bucket. */
  recent: number;
  /** Mean lines per bucket over the earlier buckets of the ring (0 for a new template). */
  baseline: number;
  /** `recent / max(baseline, 1 / buckets)`. */
  ratio: number;
  /** True when the template first appeared in the latest bucket. */
  isNew: boolean;
}

/**
 * Everything a {@link TemplateMiner} has learnt, as plain JSON (see {@link TemplateMiner.toJSON}):
 * templates keep their ids across a restart. Its size is bounded by the options: at most
 * `maxTemplates` templates with `maxExamples` example lines of `maxLineLength` characters per group.
 */
export interface TemplateMinerState {
  /** Format version. */
  v: 1;
  nextId: number;
  seq: number;
  evicted: number;
  clusters: Array<{
    id: string;
    tokens: string[];
    bucketKey: string;
    count: number;
    firstSeen: number;
    lastSeen: number;
    seq: number;
    epoch: number;
    ring: number[];
    slots: Array<{ position: number; values: string[] | null }>;
    groups: Array<{
      values: string[];
      count: number;
      firstSeen: number;
      lastSeen: number;
      severity: LogSeverity;
      /** Example lines as they came in (their tokens are derived again on restore). */
      examples: string[];
    }>;
  }>;
}

/**
 * A streaming log template miner: a Drain-like parse tree of fixed depth (line length, then the
 * first token) whose leaves are templates; a line joins the most similar template of its leaf or
 * starts a new one. Exact repeats of a masked line skip the tree through a bounded cache. Memory
 * is bounded: beyond `maxTemplates`, the least recently seen tenth is evicted.
 */
export class TemplateMiner {
  private readonly maxTemplates: number;
  private readonly similarity: number;
  private readonly maxExamples: number;
  private readonly stripHeaders: boolean;
  private readonly maxLineLength: number;
  private readonly bucketMs: number;
  private readonly now: () => number;
  private readonly clusters = new Map<string, Cluster>();
  private readonly buckets = new Map<string, Cluster[]>();
  private readonly cache = new Map<string, LineShape>();
  private readonly maxEnumValues: number;
  private nextId = 1;
  private seq = 0;
  private evictedCount = 0;

  constructor(options: TemplateMinerOptions = {}) {
    this.maxTemplates = Math.max(1, options.maxTemplates ?? 2000);
    this.similarity = options.similarity ?? 0.7;
    this.maxExamples = options.maxExamples ?? 3;
    this.maxEnumValues = Math.max(0, options.maxEnumValues ?? 3);
    this.stripHeaders = options.stripHeaders ?? true;
    this.maxLineLength = options.maxLineLength ?? 4096;
    this.bucketMs = options.bucketMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Mines one line; returns the template it joined. `time` defaults to `now()`. */
  add(rawLine: string, time: number = this.now()): TemplateRef {
    const line =
      rawLine.length > this.maxLineLength ? rawLine.slice(0, this.maxLineLength) : rawLine;
    let content = line;
    let severity: LogSeverity | undefined;
    if (this.stripHeaders) {
      const stripped = stripHeader(line);
      content = stripped.content;
      severity = stripped.severity;
    }
    const key = maskMessage(content);
    let shape = this.cache.get(key);
    if (shape === undefined || shape.cluster.evicted) {
      const tokens = key === '' ? [] : key.split(' ');
      shape = new LineShape(this.match(tokens, time), tokens);
      if (this.cache.size >= this.maxTemplates * 4) this.cache.clear();
      this.cache.set(key, shape);
    }
    const cluster = shape.cluster;
    cluster.count++;
    cluster.seq = ++this.seq;
    if (time > cluster.lastSeen) cluster.lastSeen = time;
    if (time < cluster.firstSeen) cluster.firstSeen = time;
    const group = this.groupOf(cluster, shape.tokens, time);
    group.count++;
    if (time > group.lastSeen) group.lastSeen = time;
    if (time < group.firstSeen) group.firstSeen = time;
    const s = severity ?? (group.count <= 16 ? inferSeverity(content) : 'unknown');
    if (severityRank(s) > severityRank(group.severity)) group.severity = s;
    if (group.examples.length < this.maxExamples)
      group.examples.push({ line, tokens: tokenize(content) });
    this.countRate(cluster, time);
    return shape;
  }

  /** The group of a line within its cluster; records its values in the enumerated slots. */
  private groupOf(cluster: Cluster, tokens: readonly string[], time: number): Group {
    const enums = cluster.enums;
    let key = '';
    if (enums.length > 0) {
      let widened = false;
      for (const slot of enums) {
        const value = tokens[slot.position] as string;
        const values = slot.values as string[];
        if (values.includes(value)) continue;
        if (values.length < this.maxEnumValues && isEnumWord(value)) values.push(value);
        else {
          slot.values = null;
          widened = true;
        }
      }
      if (widened) cluster.rekey(this.maxExamples);
      key = cluster.enums.map((slot) => tokens[slot.position]).join('\u0001');
    }
    let group = cluster.groups.get(key);
    if (group === undefined) {
      if (cluster.groups.size >= MAX_GROUPS) {
        // Too many combinations: the widest enumeration is a variable after all.
        let widest = cluster.enums[0] as Slot;
        for (const slot of cluster.enums)
          if ((slot.values?.length ?? 0) > (widest.values?.length ?? 0)) widest = slot;
        widest.values = null;
        cluster.rekey(this.maxExamples);
        return this.groupOf(cluster, tokens, time);
      }
      group = new Group(
        cluster.enums.map((slot) => tokens[slot.position] as string),
        time,
      );
      cluster.groups.set(key, group);
    }
    return group;
  }

  private countRate(cluster: Cluster, time: number): void {
    const bucket = Math.floor(time / this.bucketMs);
    if (cluster.count === 1) {
      cluster.epoch = bucket;
    } else if (bucket > cluster.epoch) {
      const shift = Math.min(bucket - cluster.epoch, RING);
      for (let j = 1; j <= shift; j++) cluster.ring[(cluster.epoch + j) % RING] = 0;
      cluster.epoch = bucket;
    } else if (cluster.epoch - bucket >= RING) {
      return;
    }
    const slot = bucket % RING;
    cluster.ring[slot] = (cluster.ring[slot] as number) + 1;
  }

  private match(masked: string[], time: number): Cluster {
    const head = masked[0] ?? '';
    const bucketKey = `${masked.length} ${isKeyWord(head) ? head : WILDCARD}`;
    let bucket = this.buckets.get(bucketKey);
    let best: Cluster | undefined;
    let bestScore = -1;
    let bestWild = -1;
    if (bucket !== undefined) {
      const stop = Math.max(0, bucket.length - MAX_SCAN);
      for (let b = bucket.length - 1; b >= stop; b--) {
        const candidate = bucket[b] as Cluster;
        const t = candidate.tokens;
        let constants = 0;
        let same = 0;
        let wild = 0;
        for (let i = 0; i < t.length; i++) {
          const tok = t[i] as string;
          if (tok === WILDCARD) {
            wild++;
            continue;
          }
          // A partly masked token (`uid=<*>`) that differs counts against; one that agrees is
          // no evidence for (its constant part is usually just a key name).
          if (tok.includes(WILDCARD)) {
            if (tok !== masked[i]) constants++;
            continue;
          }
          constants++;
          if (tok === masked[i]) same++;
        }
        const score = constants === 0 ? 1 : same / constants;
        if (score > bestScore || (score === bestScore && wild > bestWild)) {
          best = candidate;
          bestScore = score;
          bestWild = wild;
        }
      }
    }
    if (best !== undefined && bestScore >= this.similarity) {
      const t = best.tokens;
      let changed = false;
      for (let i = 0; i < t.length; i++) {
        const was = t[i] as string;
        if (was !== masked[i] && was !== WILDCARD) {
          t[i] = WILDCARD;
          changed = true;
          // Every earlier line of the cluster had `was` here: a new slot, an enumeration while
          // both values are plain words.
          const enumerable = this.maxEnumValues >= 2 && isEnumWord(was);
          const slot: Slot = { position: i, values: enumerable ? [was] : null };
          best.slots.push(slot);
          best.slots.sort((a, b) => a.position - b.position);
          best.rekey(this.maxExamples, enumerable ? { slot, value: was } : undefined);
        }
      }
      if (changed) best.changed();
      return best;
    }
    const cluster = new Cluster(`T${this.nextId++}`, masked.slice(), bucketKey, time);
    cluster.seq = this.seq + 1; // the newest: never the one evicted below
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(bucketKey, bucket);
    }
    bucket.push(cluster);
    this.clusters.set(cluster.id, cluster);
    if (this.clusters.size > this.maxTemplates) this.evict();
    return cluster;
  }

  /** Drops the least recently seen tenth of the templates. */
  private evict(): void {
    const all = [...this.clusters.values()].sort((a, b) => a.seq - b.seq);
    const drop = Math.max(1, Math.ceil(this.maxTemplates / 10));
    const touched = new Set<string>();
    for (let i = 0; i < drop && i < all.length; i++) {
      const cluster = all[i] as Cluster;
      cluster.evicted = true;
      this.clusters.delete(cluster.id);
      touched.add(cluster.bucketKey);
      this.evictedCount++;
    }
    for (const key of touched) {
      const kept = (this.buckets.get(key) ?? []).filter((c) => !c.evicted);
      if (kept.length === 0) this.buckets.delete(key);
      else this.buckets.set(key, kept);
    }
    for (const [key, cluster] of this.cache) if (cluster.evicted) this.cache.delete(key);
  }

  /** Everything the miner has learnt, as plain JSON; {@link TemplateMiner.fromJSON} restores it. */
  toJSON(): TemplateMinerState {
    return {
      v: 1,
      nextId: this.nextId,
      seq: this.seq,
      evicted: this.evictedCount,
      clusters: [...this.clusters.values()].map((c) => ({
        id: c.id,
        tokens: c.tokens.slice(),
        bucketKey: c.bucketKey,
        count: c.count,
        firstSeen: c.firstSeen,
        lastSeen: c.lastSeen,
        seq: c.seq,
        epoch: c.epoch,
        ring: [...c.ring],
        slots: c.slots.map((slot) => ({
          position: slot.position,
          values: slot.values?.slice() ?? null,
        })),
        groups: [...c.groups.values()].map((g) => ({
          values: g.values.slice(),
          count: g.count,
          firstSeen: g.firstSeen,
          lastSeen: g.lastSeen,
          severity: g.severity,
          examples: g.examples.map((e) => e.line),
        })),
      })),
    };
  }

  /**
   * A miner that continues from `state` (made by {@link TemplateMiner.toJSON} with the same
   * options): the same templates, ids, counts and rates. Throws on a state of another version.
   */
  static fromJSON(state: TemplateMinerState, options: TemplateMinerOptions = {}): TemplateMiner {
    if (state?.v !== 1 || !Array.isArray(state.clusters)) {
      throw new Error('not a TemplateMiner state of version 1');
    }
    const miner = new TemplateMiner(options);
    miner.nextId = state.nextId;
    miner.seq = state.seq;
    miner.evictedCount = state.evicted;
    for (const saved of state.clusters) {
      const cluster = new Cluster(saved.id, saved.tokens.slice(), saved.bucketKey, saved.firstSeen);
      cluster.count = saved.count;
      cluster.lastSeen = saved.lastSeen;
      cluster.seq = saved.seq;
      cluster.epoch = saved.epoch;
      cluster.ring = Uint32Array.from(saved.ring.slice(0, RING));
      cluster.slots = saved.slots.map((slot) => ({
        position: slot.position,
        values: slot.values?.slice() ?? null,
      }));
      cluster.enums = cluster.slots.filter((slot) => slot.values !== null);
      for (const g of saved.groups) {
        const group = new Group(g.values.slice(), g.firstSeen);
        group.count = g.count;
        group.lastSeen = g.lastSeen;
        group.severity = g.severity;
        group.examples = g.examples.map((line) => ({
          line,
          tokens: tokenize(miner.stripHeaders ? stripHeader(line).content : line),
        }));
        cluster.groups.set(g.values.join('\u0001'), group);
      }
      miner.clusters.set(cluster.id, cluster);
      const bucket = miner.buckets.get(cluster.bucketKey);
      if (bucket) bucket.push(cluster);
      else miner.buckets.set(cluster.bucketKey, [cluster]);
    }
    return miner;
  }

  /** Snapshots of the kept templates, most frequent first. */
  templates(): LogTemplate[] {
    const out: LogTemplate[] = [];
    for (const cluster of this.clusters.values())
      for (const group of cluster.groups.values()) out.push(snapshot(cluster, group));
    return out.sort((a, b) => b.count - a.count);
  }

  /** Lines added so far. */
  get lines(): number {
    return this.seq;
  }

  /** Sizes of the internal structures (for tests and monitoring). */
  stats(): TemplateMinerStats {
    return {
      lines: this.seq,
      templates: this.clusters.size,
      evicted: this.evictedCount,
      cacheEntries: this.cache.size,
      buckets: this.buckets.size,
    };
  }

  /**
   * Templates whose rate in the latest bucket (of `bucketMs`, the one holding `now`) is at least
   * `factor` times their mean rate over the previous buckets of the ring (up to 11), with at least
   * `minCount` lines in the latest bucket; new templates count against a baseline of zero.
   */
  surges(options: { now?: number; factor?: number; minCount?: number } = {}): TemplateSurge[] {
    const now = options.now ?? this.now();
    const factor = options.factor ?? 3;
    const minCount = options.minCount ?? 5;
    const current = Math.floor(now / this.bucketMs);
    const out: TemplateSurge[] = [];
    for (const cluster of this.clusters.values()) {
      if (current - cluster.epoch >= 1) continue;
      const recent = cluster.epoch === current ? (cluster.ring[current % RING] as number) : 0;
      if (recent < minCount) continue;
      const firstBucket = Math.floor(cluster.firstSeen / this.bucketMs);
      const span = Math.min(RING - 1, current - firstBucket);
      let earlier = 0;
      for (let j = 1; j <= span; j++) earlier += cluster.ring[(current - j + RING * 2) % RING] ?? 0;
      const baseline = span > 0 ? earlier / span : 0;
      const ratio = recent / Math.max(baseline, 1 / (RING - 1));
      if (ratio >= factor)
        out.push({
          template: familySnapshot(cluster, this.maxExamples),
          recent,
          baseline,
          ratio,
          isNew: span === 0,
        });
    }
    return out.sort((a, b) => b.ratio - a.ratio);
  }
}

/**
 * True when a first token may key the parse tree: no variable and no inner dot. Dotted names
 * (`com.apple.cache.daily:`) vary too often to split templates on.
 */
function isKeyWord(token: string): boolean {
  if (token.includes(WILDCARD)) return false;
  const dot = token.indexOf('.');
  return dot < 0 || dot === token.length - 1;
}

function snapshot(cluster: Cluster, group: Group): LogTemplate {
  const tokens = cluster.render(group.values);
  return {
    id: cluster.groupId(group.values),
    template: cluster.enums.length === 0 ? cluster.template : tokens.join(' '),
    count: group.count,
    firstSeen: group.firstSeen,
    lastSeen: group.lastSeen,
    severity: group.severity,
    examples: group.examples.map((e) => ({ line: e.line, values: values(tokens, e.tokens) })),
  };
}

/** One template for all groups of a cluster, its enumerated slots as `<*>` (for surges). */
function familySnapshot(cluster: Cluster, maxExamples: number): LogTemplate {
  const all = new Group([], cluster.firstSeen);
  all.severity = 'debug';
  for (const group of cluster.groups.values()) all.absorb(group, maxExamples);
  const tokens = cluster.tokens;
  return {
    id: cluster.id,
    template: cluster.template,
    count: cluster.count,
    firstSeen: cluster.firstSeen,
    lastSeen: cluster.lastSeen,
    severity: all.severity,
    examples: all.examples.map((e) => ({ line: e.line, values: values(tokens, e.tokens) })),
  };
}

function values(template: readonly string[], tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    if (t.includes(WILDCARD)) out.push(...extractValues(t, tokens[i] ?? ''));
  }
  return out;
}
