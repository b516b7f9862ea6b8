import { type FilteredLogEvent, paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { type Finding, type LogTemplate, TemplateMiner } from '@opsagent/core';
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

/** Reads every matching event of a window: all pages, empty ones included, up to `max`. */
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
    endTime,
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

/**
 * Watches one log group: each check reads the events since the last check (FilterLogEvents, all
 * pages), mines them into templates with the core log digest, and reports a finding per template
 * that is new or whose rate surged against its earlier windows. A finding is held for `hold` ms
 * after its last burst, so the monitor can open an incident and later resolve it.
 */
export class LogGroupWatcher {
  private readonly miner = new TemplateMiner();
  private readonly history = new Map<string, WindowCount[]>();
  private readonly held = new Map<string, { finding: Finding; until: number }>();
  private lastEnd: number | undefined;

  constructor(
    readonly group: WatchedGroup,
    private readonly config: AwsConfig['logs'],
  ) {}

  async check(now: number, signal: AbortSignal): Promise<LogWindowResult> {
    const start = this.lastEnd ?? now - this.config.lookback;
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
    // History: this window's count for every known template (0 when it did not appear).
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
