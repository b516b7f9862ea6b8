import { type FilteredLogEvent, paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import {
  errorMessage,
  type Finding,
  type Logger,
  type LogTemplate,
  type PluginValues,
  TemplateMiner,
  type TemplateMinerState,
} from '@opsagent/core';
import type { AwsAccount } from '../clients.js';
import type { AwsConfig } from '../config.js';
import { isoTime, untilStuck } from '../util.js';

/** One watched log group, resolved to its account and region. */
export interface WatchedGroup {
  account: AwsAccount;
  region: string;
  name: string;
  pattern: string;
}

/** Structured data of a log finding. */
export interface LogFindingData extends Record<string, unknown> {
  service: 'logs';
  kind: 'new-template' | 'surging-template';
  account: string;
  region: string;
  logGroup: string;
  templateId: string;
  template: string;
  count: number;
}

/**
 * Reads every matching event of the window [`startTime`, `endTime`): all pages, empty ones
 * included, up to `max`. FilterLogEvents includes events at its `endTime`, so `endTime - 1` is
 * sent: consecutive windows never read an event twice.
 */
export async function readLogEvents(
  group: WatchedGroup,
  startTime: number,
  endTime: number,
  max: number,
  signal: AbortSignal,
): Promise<{ events: FilteredLogEvent[]; truncated: boolean; calls: number }> {
  const client = group.account.logs(group.region);
  const events: FilteredLogEvent[] = [];
  let calls = 0;
  // A fresh input object per read: the paginator writes nextToken into it.
  const input = {
    logGroupName: group.name,
    startTime,
    endTime: Math.max(startTime, endTime - 1),
    limit: Math.min(10_000, max),
    ...(group.pattern ? { filterPattern: group.pattern } : {}),
  };
  for await (const page of untilStuck(
    paginateFilterLogEvents({ client }, input),
    (p) => p.nextToken,
  )) {
    calls++;
    if (signal.aborted) throw signal.reason;
    events.push(...(page.events ?? []));
    if (events.length >= max) return { events: events.slice(0, max), truncated: true, calls };
  }
  return { events, truncated: false, calls };
}

interface WindowCount {
  count: number;
  ms: number;
}

/** Result of one window of one group. */
export interface LogWindowResult {
  findings: Finding[];
  /** Lines read in the window. */
  lines: number;
  truncated: boolean;
  calls: number;
  /** Templates seen in the window with their counts in it. */
  templates: Array<{ template: LogTemplate; count: number }>;
}

const HISTORY = 12;

/** What a watcher keeps in the store between checks (besides its miner). */
interface WatcherState {
  v: 1;
  /** End of the last window read (exclusive), epoch ms. */
  lastEnd: number;
  /** Per template id: [lines, window ms] of its last windows, oldest first. */
  history: Record<string, Array<[number, number]>>;
  /** Findings held after their burst, until `until`. */
  held: Array<{ id: string; until: number; finding: Finding }>;
}

/** How long saved state is kept without a check writing it again: a week. */
const STATE_TTL_MS = 7 * 24 * 60 * 60_000;

/**
 * Watches one log group: each check reads the events since the last check (FilterLogEvents, all
 * pages), mines them into templates with the core log digest, and reports a finding per template
 * that is new or whose rate surged against its earlier windows. A finding is held for `hold` ms
 * after its last burst, so the monitor can open an incident and later resolve it.
 */
export class LogGroupWatcher {
  private miner = new TemplateMiner();
  private readonly history = new Map<string, WindowCount[]>();
  private readonly held = new Map<string, { finding: Finding; until: number }>();
  private lastEnd: number | undefined;
  private loaded = false;
  private minerSaved = false;

  /**
   * @param values where the cursor, template history, held findings and the miner are kept
   *   between checks and across restarts; without it they live in memory only.
   */
  constructor(
    readonly group: WatchedGroup,
    private readonly config: AwsConfig['logs'],
    private readonly values?: PluginValues,
  ) {}

  /** Key prefix of this group's saved state. */
  private get stateKey(): string {
    const { account, region, name } = this.group;
    return `logs:${account.name}:${region}:${name}`;
  }

  /** Reads the saved state once; a missing or unreadable state starts afresh (and says so). */
  private async load(logger?: Logger): Promise<void> {
    if (this.loaded || !this.values) return;
    const [cursor, miner] = await Promise.all([
      this.values.get(`${this.stateKey}:cursor`),
      this.values.get(`${this.stateKey}:miner`),
    ]);
    this.loaded = true;
    if (cursor === undefined) return;
    try {
      const state = JSON.parse(cursor) as WatcherState;
      if (state.v !== 1 || typeof state.lastEnd !== 'number') throw new Error('unknown format');
      // The miner first: without it the template ids of the history mean nothing.
      if (miner === undefined) throw new Error('its templates are missing');
      this.miner = TemplateMiner.fromJSON(JSON.parse(miner) as TemplateMinerState);
      this.minerSaved = true;
      this.lastEnd = state.lastEnd;
      for (const [id, windows] of Object.entries(state.history)) {
        this.history.set(
          id,
          windows.map(([count, ms]) => ({ count, ms })),
        );
      }
      for (const h of state.held) this.held.set(h.id, { finding: h.finding, until: h.until });
    } catch (error) {
      this.miner = new TemplateMiner();
      this.history.clear();
      this.held.clear();
      this.lastEnd = undefined;
      logger?.warn(
        { logGroup: this.group.name, err: errorMessage(error) },
        'saved state of the log group is unreadable; starting from the lookback window',
      );
    }
  }

  /** Saves the cursor (every check) and the miner (when it learnt something). */
  private async save(linesAdded: number, logger?: Logger): Promise<void> {
    if (!this.values || this.lastEnd === undefined) return;
    const state: WatcherState = {
      v: 1,
      lastEnd: this.lastEnd,
      history: Object.fromEntries(
        [...this.history].map(([id, windows]) => [id, windows.map((w) => [w.count, w.ms])]),
      ),
      held: [...this.held].map(([id, h]) => ({ id, until: h.until, finding: h.finding })),
    };
    try {
      // The miner before the cursor: a cursor never points past templates that were not saved.
      if (linesAdded > 0 || !this.minerSaved) {
        await this.values.set(
          `${this.stateKey}:miner`,
          JSON.stringify(this.miner.toJSON()),
          STATE_TTL_MS,
        );
        this.minerSaved = true;
      }
      await this.values.set(`${this.stateKey}:cursor`, JSON.stringify(state), STATE_TTL_MS);
    } catch (error) {
      // The check itself stands; the state is written again on the next check.
      this.minerSaved = this.minerSaved && linesAdded === 0;
      logger?.warn(
        { logGroup: this.group.name, err: errorMessage(error) },
        'could not save the log group state; a restart now would re-read the lookback window',
      );
    }
  }

  async check(now: number, signal: AbortSignal, logger?: Logger): Promise<LogWindowResult> {
    await this.load(logger);
    // Never further back than the lookback: after a long stop, older lines are not read.
    const start = Math.max(this.lastEnd ?? 0, now - this.config.lookback);
    const end = Math.max(now, start + 1);
    let read: Awaited<ReturnType<typeof readLogEvents>>;
    try {
      read = await readLogEvents(this.group, start, end, this.config.maxEventsPerCheck, signal);
    } catch (error) {
      // A group that does not exist is a finding of its own (a typo, or a deleted group), so it
      // does not blind the other groups; any other error fails the check.
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      return { findings: [this.missing()], lines: 0, truncated: false, calls: 1, templates: [] };
    }
    // Only a complete read moves the window: a failed one throws above and is read again next time.
    this.lastEnd = read.truncated
      ? Math.max(start + 1, Math.min(end, (read.events.at(-1)?.timestamp ?? start) + 1))
      : end;
    const windowMs = Math.max(1, this.lastEnd - start);
    const counts = new Map<string, number>();
    for (const event of read.events) {
      const ref = this.miner.add(event.message ?? '', event.timestamp ?? now);
      counts.set(ref.id, (counts.get(ref.id) ?? 0) + 1);
    }
    const snapshots = new Map(this.miner.templates().map((t) => [t.id, t]));
    const seen: Array<{ template: LogTemplate; count: number }> = [];
    for (const [id, count] of counts) {
      const template = snapshots.get(id);
      if (!template) continue;
      seen.push({ template, count });
      const past = this.history.get(id) ?? [];
      const pastLines = past.reduce((s, w) => s + w.count, 0);
      const pastMs = past.reduce((s, w) => s + w.ms, 0);
      const isNew = past.length === 0 || (pastLines === 0 && template.firstSeen >= start);
      const rate = count / windowMs;
      const baseline = pastMs > 0 ? pastLines / pastMs : 0;
      const surging =
        !isNew && count >= this.config.minCount && rate >= this.config.surgeFactor * baseline;
      if (isNew || surging) {
        const finding = this.finding(
          template,
          count,
          isNew,
          start,
          end,
          baseline * windowMs,
          read.truncated,
        );
        this.held.set(id, { finding, until: end + this.config.hold });
      }
    }
    // History: this window's count for every known template (0 when it did not appear); the
    // history of a template the miner evicted goes with it.
    for (const id of this.history.keys()) if (!snapshots.has(id)) this.history.delete(id);
    for (const id of new Set([...this.history.keys(), ...counts.keys()])) {
      const past = this.history.get(id) ?? [];
      past.push({ count: counts.get(id) ?? 0, ms: windowMs });
      if (past.length > HISTORY) past.shift();
      this.history.set(id, past);
    }
    const findings: Finding[] = [];
    for (const [id, entry] of this.held) {
      if (entry.until <= now) this.held.delete(id);
      else findings.push(entry.finding);
    }
    seen.sort((a, b) => b.count - a.count);
    await this.save(read.events.length, logger);
    return {
      findings,
      lines: read.events.length,
      truncated: read.truncated,
      calls: read.calls,
      templates: seen,
    };
  }

  private missing(): Finding {
    const { account, region, name } = this.group;
    return {
      key: `aws:logs:${account.name}:${region}:${name}:missing`,
      severity: 'warning',
      resource: `logs:${name}`,
      title: `Log group ${name} not found in ${region}`,
      evidence: `FilterLogEvents: ResourceNotFoundException for ${name} in ${region} (account ${account.name}); check plugins.aws.logs.groups`,
      data: {
        service: 'logs',
        kind: 'missing-group',
        account: account.name,
        region,
        logGroup: name,
      },
    };
  }

  private finding(
    template: LogTemplate,
    count: number,
    isNew: boolean,
    start: number,
    end: number,
    expected: number,
    truncated: boolean,
  ): Finding {
    const { account, region, name } = this.group;
    const data: LogFindingData = {
      service: 'logs',
      kind: isNew ? 'new-template' : 'surging-template',
      account: account.name,
      region,
      logGroup: name,
      templateId: template.id,
      template: template.template,
      count,
    };
    const short =
      template.template.length > 80 ? `${template.template.slice(0, 77)}...` : template.template;
    const minutes = Math.max(1, Math.round((end - start) / 60_000));
    const example = template.examples.at(-1)?.line ?? '';
    return {
      key: `aws:logs:${account.name}:${region}:${name}:${template.id}`,
      severity: count >= this.config.criticalCount ? 'critical' : 'warning',
      resource: `logs:${name}`,
      title: `${name}: ${isNew ? 'new' : 'surging'} error "${short}" (${count} in ${minutes} min)`,
      evidence: [
        `template: ${template.template}`,
        `${count} lines between ${isoTime(new Date(start))} and ${isoTime(new Date(end))}${isNew ? ' (never seen before)' : ` (about ${expected.toFixed(1)} expected)`}${truncated ? '; window truncated at ec2.logs.maxEventsPerCheck' : ''}`,
        `first seen ${isoTime(new Date(template.firstSeen))}, last seen ${isoTime(new Date(template.lastSeen))}, ${template.count} lines in all`,
        `example: ${example.slice(0, 500)}`,
      ].join('\n'),
      data,
    };
  }
}
