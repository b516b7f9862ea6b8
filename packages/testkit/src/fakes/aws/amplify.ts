import { type AwsFault, type AwsReply, decodeToken, encodeToken, jsonReply } from './protocol.js';
import type { FakeAmplifyApp, FakeAmplifyBranch, FakeAmplifyJob, FakeAwsWorld } from './world.js';

/** What the Amplify handler needs from the server. */
export interface AmplifyContext {
  world: FakeAwsWorld;
  region: string;
  takeEmptyPage(operation: string): boolean;
  pageCap(operation: string): number | undefined;
}

export function amplifyError(status: number, type: string, message: string): AwsReply {
  return jsonReply(status, { message }, { 'x-amzn-errortype': `${type}:` });
}

export function amplifyFault(fault: AwsFault): AwsReply {
  return amplifyError(fault.status ?? 429, fault.code, fault.message ?? 'Rate exceeded');
}

const seconds = (date: Date | undefined) =>
  date === undefined ? undefined : Math.floor(date.getTime() / 1000);

function arn(app: FakeAmplifyApp, rest = ''): string {
  return `arn:aws:amplify:${app.region ?? 'us-east-1'}:123456789012:apps/${app.appId}${rest}`;
}

function jobSummary(app: FakeAmplifyApp, branch: FakeAmplifyBranch, job: FakeAmplifyJob) {
  return {
    jobArn: arn(app, `/branches/${branch.branchName}/jobs/${job.jobId}`),
    jobId: job.jobId,
    commitId: job.commitId ?? 'HEAD',
    commitMessage: job.commitMessage ?? '',
    commitTime: seconds(job.startTime),
    startTime: seconds(job.startTime),
    status: job.status,
    jobType: job.jobType,
    ...(job.endTime ? { endTime: seconds(job.endTime) } : {}),
  };
}

function appBody(app: FakeAmplifyApp) {
  return {
    appId: app.appId,
    appArn: arn(app),
    name: app.name,
    description: '',
    repository: app.repository ?? '',
    platform: 'WEB',
    createTime: 1_767_225_600,
    updateTime: 1_767_225_600,
    environmentVariables: {},
    defaultDomain: `${app.appId}.amplifyapp.com`,
    enableBranchAutoBuild: false,
    enableBasicAuth: false,
  };
}

function branchBody(app: FakeAmplifyApp, branch: FakeAmplifyBranch) {
  const latest = branch.jobs.at(-1);
  return {
    branchArn: arn(app, `/branches/${branch.branchName}`),
    branchName: branch.branchName,
    description: '',
    stage: branch.stage ?? 'PRODUCTION',
    displayName: branch.branchName,
    enableNotification: false,
    createTime: 1_767_225_600,
    updateTime: 1_767_225_600,
    environmentVariables: {},
    enableAutoBuild: true,
    customDomains: [],
    framework: 'Web',
    activeJobId: latest?.jobId ?? '0',
    totalNumberOfJobs: String(branch.jobs.length),
    enableBasicAuth: false,
    ttl: '5',
    enablePullRequestPreview: false,
  };
}

function paged<T>(
  all: T[],
  query: URLSearchParams,
  operation: string,
  ctx: AmplifyContext,
  max: number,
): { items: T[]; nextToken?: string } | AwsReply {
  const maxResults = query.has('maxResults') ? Number(query.get('maxResults')) : max;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > max) {
    return amplifyError(400, 'BadRequestException', `maxResults must be between 0 and ${max}`);
  }
  const token = query.get('nextToken');
  const offset = token ? decodeToken(token) : 0;
  if (offset === undefined) return amplifyError(400, 'BadRequestException', 'invalid nextToken');
  if (ctx.takeEmptyPage(operation)) return { items: [], nextToken: encodeToken(offset) };
  const size = Math.min(maxResults || max, ctx.pageCap(operation) ?? max);
  const items = all.slice(offset, offset + size);
  return offset + size < all.length ? { items, nextToken: encodeToken(offset + size) } : { items };
}

/** The operation name of an Amplify REST request, for call counting and fault injection. */
export function amplifyOperation(method: string, path: string): string {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  if (parts[0] !== 'apps') return 'Unknown';
  if (parts.length === 1) return 'ListApps';
  if (parts.length === 2) return 'GetApp';
  if (parts.length === 3) return 'ListBranches';
  if (parts.length === 4) return 'GetBranch';
  if (parts.length === 5 && parts[4] === 'jobs') return method === 'POST' ? 'StartJob' : 'ListJobs';
  if (parts.length === 6 && parts[4] === 'jobs') return 'GetJob';
  if (parts.length === 6 && parts[4] === 'deployments' && parts[5] === 'start')
    return 'StartDeployment';
  return 'Unknown';
}

/** Handles one Amplify REST-JSON request. */
export function handleAmplify(
  method: string,
  rawPath: string,
  body: unknown,
  ctx: AmplifyContext,
): AwsReply {
  const [path = '', queryString = ''] = rawPath.split('?');
  const query = new URLSearchParams(queryString);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const operation = amplifyOperation(method, rawPath);
  const apps = ctx.world.apps.filter((app) => (app.region ?? ctx.region) === ctx.region);
  if (operation === 'ListApps') {
    const result = paged(apps, query, operation, ctx, 100);
    if (!('items' in result)) return result;
    return jsonReply(200, {
      apps: result.items.map(appBody),
      ...(result.nextToken ? { nextToken: result.nextToken } : {}),
    });
  }
  const app = apps.find((candidate) => candidate.appId === parts[1]);
  if (!app) return amplifyError(404, 'NotFoundException', `App ${parts[1]} not found`);
  if (operation === 'GetApp') return jsonReply(200, { app: appBody(app) });
  if (operation === 'ListBranches') {
    const result = paged(app.branches, query, operation, ctx, 50);
    if (!('items' in result)) return result;
    return jsonReply(200, {
      branches: result.items.map((branch) => branchBody(app, branch)),
      ...(result.nextToken ? { nextToken: result.nextToken } : {}),
    });
  }
  const branch = app.branches.find((candidate) => candidate.branchName === parts[3]);
  if (!branch) return amplifyError(404, 'NotFoundException', `Branch ${parts[3]} not found`);
  switch (operation) {
    case 'GetBranch':
      return jsonReply(200, { branch: branchBody(app, branch) });
    case 'ListJobs': {
      const newestFirst = [...branch.jobs].reverse();
      const result = paged(newestFirst, query, operation, ctx, 50);
      if (!('items' in result)) return result;
      return jsonReply(200, {
        jobSummaries: result.items.map((job) => jobSummary(app, branch, job)),
        ...(result.nextToken ? { nextToken: result.nextToken } : {}),
      });
    }
    case 'GetJob': {
      const job = branch.jobs.find((candidate) => candidate.jobId === parts[5]);
      if (!job) return amplifyError(404, 'NotFoundException', `Job ${parts[5]} not found`);
      const steps = ['BUILD', 'DEPLOY'].map((stepName, index) => ({
        stepName,
        startTime: seconds(job.startTime),
        status:
          job.status === 'FAILED' && index === 0
            ? 'FAILED'
            : job.status === 'FAILED'
              ? 'CANCELLED'
              : job.status,
        endTime: seconds(job.endTime ?? job.startTime),
        logUrl: `https://logs.example.invalid/${app.appId}/${branch.branchName}/${job.jobId}/${stepName}`,
      }));
      return jsonReply(200, { job: { summary: jobSummary(app, branch, job), steps } });
    }
    case 'StartJob':
    case 'StartDeployment': {
      const input = (typeof body === 'object' && body !== null ? body : {}) as Record<
        string,
        unknown
      >;
      const jobType = operation === 'StartDeployment' ? 'MANUAL' : input.jobType;
      if (
        jobType !== 'RELEASE' &&
        jobType !== 'RETRY' &&
        jobType !== 'MANUAL' &&
        jobType !== 'WEB_HOOK'
      ) {
        return amplifyError(400, 'BadRequestException', 'jobType is required');
      }
      if (operation === 'StartJob' && jobType === 'RETRY') {
        if (
          typeof input.jobId !== 'string' ||
          !branch.jobs.some((job) => job.jobId === input.jobId)
        ) {
          return amplifyError(
            400,
            'BadRequestException',
            'RETRY needs the jobId of an existing job',
          );
        }
      }
      if (operation === 'StartJob' && jobType === 'RELEASE' && !app.repository) {
        return amplifyError(400, 'BadRequestException', 'RELEASE needs a repository-connected app');
      }
      if (operation === 'StartDeployment' && app.repository) {
        return amplifyError(400, 'BadRequestException', 'StartDeployment is for manual apps only');
      }
      const previous = branch.jobs.at(-1);
      const job: FakeAmplifyJob = {
        jobId: String(Number(previous?.jobId ?? '0') + 1),
        status: 'PENDING',
        jobType,
        commitId: typeof input.commitId === 'string' ? input.commitId : previous?.commitId,
        commitMessage: previous?.commitMessage,
        startTime: new Date(),
      };
      branch.jobs.push(job);
      ctx.world.onJobStarted?.(app, branch, job);
      return jsonReply(200, { jobSummary: jobSummary(app, branch, job) });
    }
    default:
      return amplifyError(404, 'NotFoundException', `fake: no route for ${method} ${path}`);
  }
}
