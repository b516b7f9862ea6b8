import {
  GetJobCommand,
  ListJobsCommand,
  paginateListApps,
  paginateListBranches,
} from '@aws-sdk/client-amplify';
import { defineTool, type Tool } from '@opsagent/core';
import { z } from 'zod';
import { newestFirst } from '../checks/amplify.js';
import type { AwsAccounts } from '../clients.js';
import { untilStuck } from '../util.js';
import { capped, target, when, whereShape } from './common.js';

const appId = z.string().min(1).max(20).describe('Amplify app id, e.g. d1a2b3c4d5e6f7.');
const branchName = z.string().min(1).max(255).describe('Branch name, e.g. main.');

/** Read-only Amplify tools: apps with branches, a branch's jobs, one job's steps. */
export function createAmplifyTools(accounts: AwsAccounts): Tool[] {
  return [
    defineTool({
      name: 'aws_amplify_list_apps',
      description: 'List Amplify apps with their repository and branches (stage, active job).',
      input: z.object({ ...whereShape }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const client = account.amplify(region);
        const lines: string[] = [];
        for await (const page of untilStuck(
          paginateListApps({ client, pageSize: 100 }, {}),
          (p) => p.nextToken,
        )) {
          for (const app of page.apps ?? []) {
            const branches: string[] = [];
            for await (const bp of untilStuck(
              paginateListBranches({ client, pageSize: 50 }, { appId: app.appId }),
              (p) => p.nextToken,
            )) {
              for (const b of bp.branches ?? [])
                branches.push(
                  `${b.branchName} (${b.stage ?? '?'}, active job ${b.activeJobId ?? '-'}, ${b.totalNumberOfJobs ?? '?'} jobs)`,
                );
            }
            lines.push(
              `${app.appId} ${app.name} repo=${app.repository || '(manual deploys)'} ${app.defaultDomain ?? ''}\n  branches: ${branches.join('; ') || 'none'}`,
            );
          }
        }
        return `Amplify apps in ${region}:\n${capped(lines, 100, 'apps')}`;
      },
    }),
    defineTool({
      name: 'aws_amplify_branch_jobs',
      description:
        'The latest jobs (builds/deploys) of an Amplify branch, newest first: id, type, status, commit, times.',
      input: z.object({
        ...whereShape,
        appId,
        branchName,
        limit: z.number().int().min(1).max(50).default(10),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account.amplify(region).send(
          new ListJobsCommand({
            appId: input.appId,
            branchName: input.branchName,
            maxResults: input.limit,
          }),
          { abortSignal: ctx.signal },
        );
        const lines = newestFirst(out.jobSummaries ?? []).map(
          (j) =>
            `job ${j.jobId} ${j.jobType} ${j.status} commit ${(j.commitId ?? '').slice(0, 12)} "${(j.commitMessage ?? '').split('\n')[0]}" started ${when(j.startTime)} ended ${when(j.endTime)}`,
        );
        return `jobs of ${input.appId}/${input.branchName}:\n${capped(lines, input.limit, 'jobs')}`;
      },
    }),
    defineTool({
      name: 'aws_amplify_job_details',
      description:
        'One Amplify job: status, commit and each step (build, deploy, test) with status, reason and log URL.',
      input: z.object({
        ...whereShape,
        appId,
        branchName,
        jobId: z.string().regex(/^\d+$/, 'a job id is a number such as 42'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account.amplify(region).send(
          new GetJobCommand({
            appId: input.appId,
            branchName: input.branchName,
            jobId: input.jobId,
          }),
          { abortSignal: ctx.signal },
        );
        const s = out.job?.summary;
        const steps = (out.job?.steps ?? []).map(
          (step) =>
            `  ${step.stepName}: ${step.status}${step.statusReason ? ` (${step.statusReason})` : ''} ${when(step.startTime)}..${when(step.endTime)}${step.logUrl ? ` log: ${step.logUrl}` : ''}`,
        );
        return [
          `job ${s?.jobId} of ${input.appId}/${input.branchName}: ${s?.jobType} ${s?.status}`,
          `commit ${s?.commitId ?? '?'} "${(s?.commitMessage ?? '').split('\n')[0]}" at ${when(s?.commitTime)}`,
          `started ${when(s?.startTime)}, ended ${when(s?.endTime)}`,
          'steps:',
          ...steps,
        ].join('\n');
      },
    }),
  ];
}
