import {
  type App,
  type Branch,
  type JobSummary,
  ListBranchesCommand,
  ListJobsCommand,
  paginateListApps,
} from '@aws-sdk/client-amplify';
import type { Finding } from '@opsagent/core';
import type { AwsAccount } from '../clients.js';
import type { AwsConfig } from '../config.js';
import { createLimiter, isoTime, STUCK_PAGES, untilStuck } from '../util.js';

/** Structured data of an Amplify finding. */
export interface AmplifyFindingData extends Record<string, unknown> {
  service: 'amplify';
  kind: 'job-failed';
  account: string;
  region: string;
  appId: string;
  appName: string;
  branchName: string;
  jobId: string;
  jobType: string;
  commitId: string;
  /** True when the app builds from a repository (RELEASE works), false for manual deploys. */
  repositoryConnected: boolean;
}

/** A branch's latest finished job, as of the last check, for `status`. */
export interface AmplifyBranchSummary {
  account: string;
  region: string;
  appId: string;
  appName: string;
  branchName: string;
  /** Latest job of any status. */
  latest?: {
    jobId: string;
    status: string;
    jobType: string;
    commitId: string;
    startTime?: Date | undefined;
  };
  /** Latest job that finished (SUCCEED, FAILED, CANCELLED). */
  finished?: { jobId: string; status: string };
}

export interface AmplifyCheckResult {
  findings: Finding[];
  branches: AmplifyBranchSummary[];
  calls: number;
}

const FINISHED = new Set(['SUCCEED', 'FAILED', 'CANCELLED']);

/** True for the errors of a region where a service has no endpoint (DNS) or is not offered. */
export function isRegionWithoutService(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  return (
    e?.code === 'ENOTFOUND' ||
    e?.cause?.code === 'ENOTFOUND' ||
    e?.name === 'UnrecognizedClientException'
  );
}

/** Jobs newest first: job ids are sequence numbers per branch, so sort on them (not on list order). */
export function newestFirst(jobs: readonly JobSummary[]): JobSummary[] {
  return [...jobs].sort((a, b) => Number(b.jobId ?? 0) - Number(a.jobId ?? 0));
}

interface CachedBranch {
  total: string | undefined;
  activeJobId: string | undefined;
  jobs: JobSummary[];
}

/**
 * The Amplify check of one account and region: apps, then branches, then the latest jobs of each
 * branch. A branch whose job count and active job did not change since a check that saw a
 * finished latest job is not asked again (finished jobs do not change).
 */
export class AmplifyChecker {
  private readonly cache = new Map<string, CachedBranch>();
  /** Regions where Amplify is not offered (no endpoint): skipped from then on. */
  private readonly unsupported = new Set<string>();

  constructor(
    private readonly account: AwsAccount,
    private readonly config: AwsConfig['amplify'],
    private readonly concurrency: number,
  ) {}

  async check(region: string, signal: AbortSignal): Promise<AmplifyCheckResult> {
    if (this.unsupported.has(region)) return { findings: [], branches: [], calls: 0 };
    const client = this.account.amplify(region);
    let calls = 0;
    const apps: App[] = [];
    try {
      for await (const page of untilStuck(
        paginateListApps({ client, pageSize: 100 }, {}),
        (p) => p.nextToken,
      )) {
        calls++;
        if (signal.aborted) throw signal.reason;
        apps.push(...(page.apps ?? []));
      }
    } catch (error) {
      // A region without an Amplify endpoint has no apps: skip it, but never on other errors.
      if (!isRegionWithoutService(error)) throw error;
      this.unsupported.add(region);
      return { findings: [], branches: [], calls };
    }
    const wanted = this.config.apps;
    const watched = apps.filter(
      (app) =>
        wanted.length === 0 || wanted.includes(app.appId ?? '') || wanted.includes(app.name ?? ''),
    );
    // One limiter for every call, and no barrier between listing branches and their jobs: an
    // app's branches get their jobs listed as soon as they are known.
    const limit = createLimiter(this.concurrency);
    const latestJobs = async (app: App, branch: Branch) => {
      const key = `${region}/${app.appId}/${branch.branchName}`;
      const cached = this.cache.get(key);
      const newest = cached?.jobs[0];
      if (
        cached &&
        newest &&
        FINISHED.has(newest.status ?? '') &&
        cached.total === branch.totalNumberOfJobs &&
        cached.activeJobId === branch.activeJobId
      ) {
        return { app, branch, jobs: cached.jobs };
      }
      calls++;
      const out = await limit(() =>
        client.send(
          new ListJobsCommand({ appId: app.appId, branchName: branch.branchName, maxResults: 10 }),
          { abortSignal: signal },
        ),
      );
      const jobs = newestFirst(out.jobSummaries ?? []);
      this.cache.set(key, {
        total: branch.totalNumberOfJobs,
        activeJobId: branch.activeJobId,
        jobs,
      });
      return { app, branch, jobs };
    };
    const perApp = await Promise.all(
      watched.map(async (app) => {
        const branches: Branch[] = [];
        let nextToken: string | undefined;
        let repeats = 0;
        do {
          calls++;
          const page = await limit(() =>
            client.send(
              new ListBranchesCommand({
                appId: app.appId,
                maxResults: 50,
                ...(nextToken ? { nextToken } : {}),
              }),
              {
                abortSignal: signal,
              },
            ),
          );
          branches.push(...(page.branches ?? []));
          // A token that keeps coming back unchanged would page forever: stop there.
          repeats = page.nextToken !== undefined && page.nextToken === nextToken ? repeats + 1 : 0;
          nextToken = repeats >= STUCK_PAGES ? undefined : page.nextToken;
        } while (nextToken);
        return Promise.all(branches.map((branch) => latestJobs(app, branch)));
      }),
    );
    const summaries = perApp.flat();

    const findings: Finding[] = [];
    const branches: AmplifyBranchSummary[] = [];
    for (const { app, branch, jobs } of summaries) {
      const appId = app.appId ?? '';
      const appName = app.name ?? appId;
      const branchName = branch.branchName ?? '';
      const latest = jobs[0];
      const finished = jobs.find((job) => FINISHED.has(job.status ?? ''));
      branches.push({
        account: this.account.name,
        region,
        appId,
        appName,
        branchName,
        ...(latest
          ? {
              latest: {
                jobId: latest.jobId ?? '',
                status: latest.status ?? 'UNKNOWN',
                jobType: latest.jobType ?? 'UNKNOWN',
                commitId: latest.commitId ?? '',
                startTime: latest.startTime,
              },
            }
          : {}),
        ...(finished
          ? { finished: { jobId: finished.jobId ?? '', status: finished.status ?? '' } }
          : {}),
      });
      if (finished?.status !== 'FAILED') continue;
      const jobId = finished.jobId ?? '';
      const running =
        latest && latest !== finished ? `; job ${latest.jobId} is ${latest.status}` : '';
      const data: AmplifyFindingData = {
        service: 'amplify',
        kind: 'job-failed',
        account: this.account.name,
        region,
        appId,
        appName,
        branchName,
        jobId,
        jobType: finished.jobType ?? 'UNKNOWN',
        commitId: finished.commitId ?? '',
        repositoryConnected: Boolean(app.repository),
      };
      findings.push({
        key: `aws:amplify:${this.account.name}:${region}:${appId}:${branchName}:failed`,
        severity: 'warning',
        resource: `amplify:${appId}/${branchName}`,
        title: `Amplify ${appName}/${branchName} job ${jobId} failed`,
        evidence: `job ${jobId} (${finished.jobType ?? 'unknown type'}) FAILED; commit ${(finished.commitId ?? '').slice(0, 12) || 'unknown'}${finished.commitMessage ? ` "${finished.commitMessage.split('\n')[0]}"` : ''}; started ${isoTime(finished.startTime)}, ended ${isoTime(finished.endTime)}${running}; app ${appId} in ${region}`,
        data,
      });
    }
    return { findings, branches, calls };
  }
}
