import {
  type Clock,
  errorMessage,
  type Finding,
  type Health,
  type PluginValues,
  renderDigest,
  type Section,
  type Source,
  type SourceContext,
  type StatusReport,
  systemClock,
  TemplateMiner,
} from '@opsagent/core';
import { type AmplifyBranchSummary, AmplifyChecker } from './checks/amplify.js';
import { checkEc2Region, type Ec2RegionSummary } from './checks/ec2.js';
import { LogGroupWatcher, readLogEvents, type WatchedGroup } from './checks/logs.js';
import type { AwsAccounts } from './clients.js';
import type { AwsConfig } from './config.js';
import { mapLimit } from './util.js';

/** Options of the AWS sources. */
export interface AwsSourcesOptions {
  accounts: AwsAccounts;
  config: AwsConfig;
  clock?: Clock;
  /** Where check state survives a restart (the plugin's values in the agent's store). */
  values?: PluginValues;
}

/** Counts API calls per check, for logs and the benchmark. */
export interface AwsCheckStats {
  calls: number;
}

function healthOf(findings: readonly Finding[]): Health {
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  return findings.length > 0 ? 'warn' : 'ok';
}

function fieldHealth(severity: Finding['severity']): Health {
  return severity === 'critical' ? 'critical' : severity === 'warning' ? 'warn' : 'ok';
}

/** A source whose status reuses a fresh enough check result. */
interface Cached<T> {
  at: number;
  value: T;
}

const STATUS_TTL_MS = 30_000;

/** `aws-ec2`: instance status checks, scheduled events and instances that should run. */
export function createEc2Source(options: AwsSourcesOptions): Source & { lastCalls(): number } {
  const clock = options.clock ?? systemClock;
  let cached: Cached<{ findings: Finding[]; regions: Ec2RegionSummary[] }> | undefined;
  let calls = 0;
  const run = async (ctx: SourceContext) => {
    let total = 0;
    const perAccount = await Promise.all(
      options.accounts.list.map(async (account) => {
        const regions = await account.regions(ctx.signal);
        if (!account.config.regions && !options.config.regions) total++;
        return mapLimit(regions, options.config.concurrency, (region) =>
          checkEc2Region(account, region, options.config.ec2, ctx.signal, ctx.logger),
        );
      }),
    );
    const results = perAccount.flat();
    total += results.reduce((s, r) => s + r.calls, 0);
    calls = total;
    const value = {
      findings: results.flatMap((r) => r.findings),
      regions: results.flatMap((r) => r.regions),
    };
    cached = { at: clock.now().getTime(), value };
    return value;
  };
  return {
    name: 'aws-ec2',
    ...(options.config.checkInterval ? { checkIntervalMs: options.config.checkInterval } : {}),
    lastCalls: () => calls,
    async check(ctx) {
      return (await run(ctx)).findings;
    },
    async status(ctx): Promise<StatusReport> {
      const { findings, regions } =
        cached && clock.now().getTime() - cached.at < STATUS_TTL_MS ? cached.value : await run(ctx);
      const sections: Section[] = regions.map((r) => {
        const own = findings.filter(
          (f) => f.data?.region === r.region && f.data?.account === r.account,
        );
        const total = Object.values(r.states).reduce((s, n) => s + n, 0);
        const states = Object.entries(r.states)
          .sort((a, b) => b[1] - a[1])
          .map(([state, n]) => `${n} ${state}`)
          .join(', ');
        return {
          title: `EC2 ${r.region}${options.accounts.list.length > 1 ? ` (${r.account})` : ''}`,
          health: healthOf(own),
          fields: [
            { label: 'Instances', value: total === 0 ? 'none' : `${total}: ${states}` },
            {
              label: 'Impaired',
              value: String(r.impaired),
              health: r.impaired > 0 ? 'critical' : 'ok',
            },
            ...own.map((f) => ({
              label: f.resource,
              value: f.title,
              health: fieldHealth(f.severity),
            })),
          ],
        };
      });
      return { health: healthOf(findings), sections };
    },
  };
}

/** `aws-amplify`: the latest finished job of every branch of every app. */
export function createAmplifySource(options: AwsSourcesOptions): Source & { lastCalls(): number } {
  const clock = options.clock ?? systemClock;
  const checkers = new Map(
    options.accounts.list.map((account) => [
      account.name,
      new AmplifyChecker(account, options.config.amplify, options.config.concurrency),
    ]),
  );
  let cached: Cached<{ findings: Finding[]; branches: AmplifyBranchSummary[] }> | undefined;
  let calls = 0;
  const run = async (ctx: SourceContext) => {
    const perAccount = await Promise.all(
      options.accounts.list.map(async (account) => {
        const regions = await account.regions(ctx.signal);
        const checker = checkers.get(account.name) as AmplifyChecker;
        return mapLimit(regions, 4, (region) => checker.check(region, ctx.signal));
      }),
    );
    const results = perAccount.flat();
    calls = results.reduce((s, r) => s + r.calls, 0);
    const value = {
      findings: results.flatMap((r) => r.findings),
      branches: results.flatMap((r) => r.branches),
    };
    cached = { at: clock.now().getTime(), value };
    return value;
  };
  return {
    name: 'aws-amplify',
    ...(options.config.checkInterval ? { checkIntervalMs: options.config.checkInterval } : {}),
    lastCalls: () => calls,
    async check(ctx) {
      return (await run(ctx)).findings;
    },
    async status(ctx): Promise<StatusReport> {
      const { findings, branches } =
        cached && clock.now().getTime() - cached.at < STATUS_TTL_MS ? cached.value : await run(ctx);
      const byApp = new Map<string, AmplifyBranchSummary[]>();
      for (const b of branches) {
        const key = `${b.account}/${b.region}/${b.appId}`;
        byApp.set(key, [...(byApp.get(key) ?? []), b]);
      }
      const sections: Section[] = [...byApp.values()].map((list) => {
        const first = list[0] as AmplifyBranchSummary;
        const own = findings.filter(
          (f) => f.data?.appId === first.appId && f.data?.region === first.region,
        );
        return {
          title: `Amplify ${first.appName} (${first.appId}, ${first.region})`,
          health: healthOf(own),
          fields: list.map((b) => {
            const failed = b.finished?.status === 'FAILED';
            const latest = b.latest
              ? `job ${b.latest.jobId} ${b.latest.status} (${b.latest.jobType}, commit ${b.latest.commitId.slice(0, 7) || '?'})`
              : 'no jobs';
            const extra =
              failed && b.latest?.jobId !== b.finished?.jobId
                ? `; last finished job ${b.finished?.jobId} FAILED`
                : '';
            return {
              label: b.branchName,
              value: `${latest}${extra}`,
              health: failed ? 'warn' : 'ok',
            };
          }),
        };
      });
      if (sections.length === 0)
        sections.push({
          title: 'Amplify',
          health: 'ok',
          fields: [{ label: 'Apps', value: 'none' }],
        });
      return { health: healthOf(findings), sections };
    },
  };
}

/** Resolves the watched log groups of the config to accounts and regions. */
export async function watchedGroups(
  options: AwsSourcesOptions,
  signal: AbortSignal,
): Promise<WatchedGroup[]> {
  return Promise.all(
    options.config.logs.groups.map(async (g) => {
      const account = options.accounts.get(g.account);
      return {
        account,
        region: g.region ?? (await account.firstRegion(signal)),
        name: g.name,
        pattern: g.pattern,
      };
    }),
  );
}

/** `aws-logs`: error bursts in the configured log groups, as log digest templates. */
export function createLogsSource(options: AwsSourcesOptions): Source & { lastCalls(): number } {
  const clock = options.clock ?? systemClock;
  let watchers: LogGroupWatcher[] | undefined;
  let calls = 0;
  return {
    name: 'aws-logs',
    ...(options.config.checkInterval ? { checkIntervalMs: options.config.checkInterval } : {}),
    lastCalls: () => calls,
    async check(ctx) {
      watchers ??= (await watchedGroups(options, ctx.signal)).map(
        (g) => new LogGroupWatcher(g, options.config.logs, options.values),
      );
      const now = clock.now().getTime();
      const results = await mapLimit(watchers, options.config.concurrency, (w) =>
        w.check(now, ctx.signal, ctx.logger),
      );
      calls = results.reduce((s, r) => s + r.calls, 0);
      return results.flatMap((r) => r.findings);
    },
    async status(ctx): Promise<StatusReport> {
      const groups = await watchedGroups(options, ctx.signal);
      const now = clock.now().getTime();
      const sections = await mapLimit(
        groups,
        options.config.concurrency,
        async (group): Promise<Section> => {
          let read: Awaited<ReturnType<typeof readLogEvents>>;
          try {
            read = await readLogEvents(
              group,
              now - options.config.logs.lookback,
              now,
              options.config.logs.maxEventsPerCheck,
              ctx.signal,
            );
          } catch (error) {
            return {
              title: `Logs ${group.name} (${group.region})`,
              health: 'unknown',
              fields: [
                {
                  label: 'Error',
                  value: `${(error as { name?: string }).name ?? 'Error'}: ${errorMessage(error)}`,
                  health: 'unknown',
                },
              ],
            };
          }
          const miner = new TemplateMiner();
          for (const e of read.events) miner.add(e.message ?? '', e.timestamp ?? now);
          const templates = miner.templates();
          const minutes = Math.round(options.config.logs.lookback / 60_000);
          return {
            title: `Logs ${group.name} (${group.region})`,
            health: read.events.length > 0 ? 'warn' : 'ok',
            fields: [
              {
                label: `Errors, last ${minutes} min`,
                value: `${read.events.length}${read.truncated ? '+' : ''} lines in ${templates.length} templates`,
                health: read.events.length > 0 ? 'warn' : 'ok',
              },
            ],
            ...(templates.length > 0
              ? {
                  note: renderDigest(templates, {
                    budgetTokens: 400,
                    title: 'Error templates (<*> = variable):',
                  }),
                }
              : {}),
          };
        },
      );
      const health: Health = sections.some((s) => s.health === 'warn')
        ? 'warn'
        : sections.some((s) => s.health === 'unknown')
          ? 'unknown'
          : 'ok';
      return { health, sections };
    },
  };
}
