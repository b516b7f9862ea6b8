import {
  GetJobCommand,
  ListJobsCommand,
  StartDeploymentCommand,
  StartJobCommand,
} from '@aws-sdk/client-amplify';
import {
  DescribeInstanceStatusCommand,
  RebootInstancesCommand,
  StartInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  defineRemediation,
  errorMessage,
  type Finding,
  type PluginValues,
  type Remediation,
  type RemediationContext,
  type RemediationResult,
} from '@opsagent/core';
import { z } from 'zod';
import { newestFirst } from '../checks/amplify.js';
import type { AwsAccounts } from '../clients.js';
import { isoTime } from '../util.js';

/** Timing of verification: how long to wait before the first look, between looks, and in all. */
export interface VerifyTiming {
  /** Before the first look, in ms; default 20 s (a reboot takes a moment to show). */
  initialDelayMs?: number;
  /** Between looks, in ms; default 15 s. */
  pollMs?: number;
  /** Give up after, in ms; default 10 min. */
  timeoutMs?: number;
}

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1');
const account = z.string().optional().describe('Account name; default the first account.');
const ec2Input = z.object({
  instanceId: z.string().regex(/^i-[0-9a-f]{1,17}$/, 'expected an instance id such as i-0abc123'),
  region,
  account,
});
const amplifyBranch = {
  appId: z.string().min(1).max(20),
  branchName: z.string().min(1).max(255),
  region,
  account,
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * Polls `look` until it returns a result or time runs out. With `changedAt` (a change made
 * before a restart), the initial delay and the deadline count from then; at least one look is made.
 */
async function poll(
  timing: Required<VerifyTiming>,
  signal: AbortSignal,
  look: () => Promise<RemediationResult | undefined>,
  lastWords: () => string,
  changedAt?: number,
): Promise<RemediationResult> {
  const since = changedAt ?? Date.now();
  await sleep(Math.max(0, since + timing.initialDelayMs - Date.now()), signal);
  const deadline = since + timing.initialDelayMs + timing.timeoutMs;
  for (;;) {
    const result = await look();
    if (result) return result;
    if (Date.now() + timing.pollMs > deadline)
      return {
        ok: false,
        detail: `not confirmed within ${Math.round(timing.timeoutMs / 1000)} s: ${lastWords()}`,
      };
    await sleep(timing.pollMs, signal);
  }
}

function ec2FindingInput(finding: Finding, kinds: string[]) {
  const d = finding.data;
  if (d?.service !== 'ec2' || !kinds.includes(String(d.kind))) return undefined;
  return { instanceId: String(d.instanceId), region: String(d.region), account: String(d.account) };
}

async function dryRunEc2(send: () => Promise<unknown>, what: string): Promise<RemediationResult> {
  try {
    await send();
    return { ok: true, detail: `${what}: allowed` };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'DryRunOperation')
      return { ok: true, detail: `${what}: allowed (EC2 dry run passed)` };
    if (name === 'UnauthorizedOperation')
      return {
        ok: false,
        detail: `${what}: not allowed for these credentials (UnauthorizedOperation)`,
      };
    return { ok: false, detail: `${what}: ${name ?? 'error'}: ${errorMessage(error)}` };
  }
}

/** Creates the AWS remediations; each runs only through the approval flow. */
/** What a remediation records once its change is made: when, and the job it started. */
interface Progress {
  at: number;
  jobId?: string;
}

/** How long a record of a made change is kept for a restart to find: a week. */
const PROGRESS_TTL_MS = 7 * 24 * 60 * 60_000;

/**
 * Creates the AWS remediations; each runs only through the approval flow. With `values`, each
 * records in the store that its change was made (and the Amplify job it started), so that after a
 * restart in the middle of verification `resume` verifies it again instead of reporting the run
 * as interrupted.
 */
export function createAwsRemediations(
  accounts: AwsAccounts,
  timing: VerifyTiming = {},
  values?: PluginValues,
): Remediation[] {
  const t: Required<VerifyTiming> = {
    initialDelayMs: timing.initialDelayMs ?? 20_000,
    pollMs: timing.pollMs ?? 15_000,
    timeoutMs: timing.timeoutMs ?? 10 * 60_000,
  };
  const timeoutMs = t.initialDelayMs + t.timeoutMs + 60_000;
  /** Job ids started by approval id (also in the store, for a restart). */
  const started = new Map<string, string>();
  const progressKey = (approvalId: string) => `remediation:${approvalId}`;

  /** Records that the change of an approval was made; a failed write only costs the resume. */
  const remember = async (ctx: RemediationContext, jobId: string | undefined) => {
    if (jobId) started.set(ctx.approvalId, jobId);
    if (!values) return;
    const progress: Progress = { at: Date.now(), ...(jobId ? { jobId } : {}) };
    try {
      await values.set(progressKey(ctx.approvalId), JSON.stringify(progress), PROGRESS_TTL_MS);
    } catch (error) {
      ctx.logger.warn(
        { err: errorMessage(error) },
        'could not record the change in the store; a restart before verification ends reports it interrupted',
      );
    }
  };

  /** The recorded change of an approval, if this plugin recorded one before a restart. */
  const recall = async (approvalId: string): Promise<Progress | undefined> => {
    const raw = await values?.get(progressKey(approvalId));
    if (raw === undefined) return undefined;
    const parsed = JSON.parse(raw) as Partial<Progress>;
    if (typeof parsed.at !== 'number') return undefined;
    return {
      at: parsed.at,
      ...(typeof parsed.jobId === 'string' ? { jobId: parsed.jobId } : {}),
    };
  };

  /** `resume` of a remediation: verifies again a change recorded before the restart. */
  const resumeWith =
    <I>(
      what: (input: I) => string,
      verifyFrom: (
        input: I,
        ctx: RemediationContext,
        progress: Progress,
      ) => Promise<RemediationResult>,
    ) =>
    async (input: I, ctx: RemediationContext): Promise<RemediationResult | undefined> => {
      const progress = await recall(ctx.approvalId);
      if (!progress) return undefined;
      if (progress.jobId) started.set(ctx.approvalId, progress.jobId);
      const verified = await verifyFrom(input, ctx, progress);
      return {
        ok: verified.ok,
        detail: `${what(input)} was requested at ${isoTime(new Date(progress.at))}${progress.jobId ? ` (job ${progress.jobId})` : ''}\nverification: ${verified.ok ? 'passed' : 'FAILED'}: ${verified.detail}`,
      };
    };

  type Ec2Input = z.output<typeof ec2Input>;
  /** The EC2 client of the input's account and region. */
  const ec2 = (input: Ec2Input) => accounts.get(input.account).ec2(input.region);
  /** The instance as plans name it: `i-0abc in eu-west-1 (account prod)`. */
  const instance = (input: Ec2Input) =>
    `${input.instanceId} in ${input.region}${input.account ? ` (account ${input.account})` : ''}`;

  const ec2Healthy = async (input: Ec2Input, ctx: RemediationContext, changedAt?: number) => {
    let last = 'no status yet';
    return poll(
      t,
      ctx.signal,
      async () => {
        const out = await ec2(input).send(
          new DescribeInstanceStatusCommand({
            InstanceIds: [input.instanceId],
            IncludeAllInstances: true,
          }),
          { abortSignal: ctx.signal },
        );
        const s = out.InstanceStatuses?.[0];
        last = `state ${s?.InstanceState?.Name ?? '?'}, system ${s?.SystemStatus?.Status ?? '?'}, instance ${s?.InstanceStatus?.Status ?? '?'}`;
        if (
          s?.InstanceState?.Name === 'running' &&
          s.SystemStatus?.Status === 'ok' &&
          s.InstanceStatus?.Status === 'ok'
        ) {
          return { ok: true, detail: `${input.instanceId} running with both status checks ok` };
        }
        return undefined;
      },
      () => last,
      changedAt,
    );
  };

  const all: Remediation[] = [
    defineRemediation({
      name: 'reboot_instance',
      description:
        'Reboot an EC2 instance (RebootInstances; a hard reboot if the OS does not shut down cleanly). Fixes impaired instance checks, rarely system checks.',
      input: ec2Input,
      risk: 'medium',
      timeoutMs,
      describe: (input) => `reboot EC2 instance ${instance(input)}`,
      appliesTo: (finding) => ec2FindingInput(finding, ['system-impaired', 'instance-impaired']),
      dryRun: (input, ctx) =>
        dryRunEc2(
          () =>
            ec2(input).send(
              new RebootInstancesCommand({ InstanceIds: [input.instanceId], DryRun: true }),
              { abortSignal: ctx.signal },
            ),
          `reboot ${input.instanceId}`,
        ),
      async execute(input, ctx) {
        await ec2(input).send(new RebootInstancesCommand({ InstanceIds: [input.instanceId] }), {
          abortSignal: ctx.signal,
        });
        await remember(ctx, undefined);
        return { ok: true, detail: `reboot of ${input.instanceId} in ${input.region} requested` };
      },
      verify: (input, ctx) => ec2Healthy(input, ctx),
      resume: resumeWith(
        (input: Ec2Input) => `reboot of ${input.instanceId}`,
        (input, ctx, progress) => ec2Healthy(input, ctx, progress.at),
      ),
    }),
    defineRemediation({
      name: 'start_instance',
      description: 'Start a stopped EC2 instance (StartInstances).',
      input: ec2Input,
      risk: 'low',
      timeoutMs,
      describe: (input) => `start EC2 instance ${instance(input)}`,
      appliesTo: (finding) => ec2FindingInput(finding, ['stopped']),
      dryRun: (input, ctx) =>
        dryRunEc2(
          () =>
            ec2(input).send(
              new StartInstancesCommand({ InstanceIds: [input.instanceId], DryRun: true }),
              { abortSignal: ctx.signal },
            ),
          `start ${input.instanceId}`,
        ),
      async execute(input, ctx) {
        const out = await ec2(input).send(
          new StartInstancesCommand({ InstanceIds: [input.instanceId] }),
          { abortSignal: ctx.signal },
        );
        const change = out.StartingInstances?.[0];
        await remember(ctx, undefined);
        return {
          ok: true,
          detail: `start of ${input.instanceId} requested: ${change?.PreviousState?.Name ?? '?'} -> ${change?.CurrentState?.Name ?? '?'}`,
        };
      },
      verify: (input, ctx) => ec2Healthy(input, ctx),
      resume: resumeWith(
        (input: Ec2Input) => `start of ${input.instanceId}`,
        (input, ctx, progress) => ec2Healthy(input, ctx, progress.at),
      ),
    }),
  ];

  /** Waits for the first job newer than `afterJobId` on the branch to finish. */
  const jobSucceeded = (
    input: { appId: string; branchName: string; region: string; account?: string | undefined },
    afterJobId: () => string | undefined,
    ctx: RemediationContext,
    changedAt?: number,
  ) => {
    let last = 'no new job seen';
    return poll(
      t,
      ctx.signal,
      async () => {
        const client = accounts.get(input.account).amplify(input.region);
        const out = await client.send(
          new ListJobsCommand({ appId: input.appId, branchName: input.branchName, maxResults: 10 }),
          { abortSignal: ctx.signal },
        );
        const after = Number(afterJobId() ?? -1);
        const job = newestFirst(out.jobSummaries ?? [])
          .filter((j) => Number(j.jobId) > after)
          .at(-1);
        if (!job) return undefined;
        last = `job ${job.jobId} is ${job.status}`;
        if (job.status === 'SUCCEED')
          return { ok: true, detail: `job ${job.jobId} (${job.jobType}) succeeded` };
        if (job.status === 'FAILED' || job.status === 'CANCELLED') {
          const detail = await client.send(
            new GetJobCommand({
              appId: input.appId,
              branchName: input.branchName,
              jobId: job.jobId,
            }),
            { abortSignal: ctx.signal },
          );
          const step = detail.job?.steps?.find((s) => s.status === 'FAILED');
          return {
            ok: false,
            detail: `job ${job.jobId} ${job.status}${step ? ` in step ${step.stepName}${step.statusReason ? `: ${step.statusReason}` : ''}` : ''}`,
          };
        }
        return undefined;
      },
      () => last,
      changedAt,
    );
  };
  /** The job id just before the one an approval started (the verification waits for a newer one). */
  const before = (approvalId: string, fallback: string) =>
    String(Number(started.get(approvalId) ?? fallback) - (started.has(approvalId) ? 1 : 0));
  /** The job id just before the one a release or deployment started (-1 when none is known). */
  const beforeStarted = (approvalId: string) => () =>
    String(Number(started.get(approvalId) ?? 0) - 1);

  const retryInput = z.object({
    ...amplifyBranch,
    jobId: z.string().regex(/^\d+$/, 'a job id is a number such as 42'),
  });
  all.push(
    defineRemediation({
      name: 'amplify_retry_job',
      description: 'Re-run a failed Amplify job (StartJob RETRY with its job id).',
      input: retryInput,
      risk: 'low',
      timeoutMs,
      describe: (input) =>
        `retry Amplify job ${input.jobId} of ${input.appId}/${input.branchName} in ${input.region}`,
      appliesTo: (finding) => {
        const d = finding.data;
        if (d?.service !== 'amplify' || d.kind !== 'job-failed') return undefined;
        return {
          appId: String(d.appId),
          branchName: String(d.branchName),
          jobId: String(d.jobId),
          region: String(d.region),
          account: String(d.account),
        };
      },
      async execute(input, ctx) {
        const out = await accounts
          .get(input.account)
          .amplify(input.region)
          .send(
            new StartJobCommand({
              appId: input.appId,
              branchName: input.branchName,
              jobType: 'RETRY',
              jobId: input.jobId,
              jobReason: `opsagent approval ${ctx.approvalId}`,
            }),
            { abortSignal: ctx.signal },
          );
        const jobId = out.jobSummary?.jobId;
        await remember(ctx, jobId);
        return { ok: true, detail: `started job ${jobId ?? '?'} (RETRY of ${input.jobId})` };
      },
      verify: (input, ctx) => jobSucceeded(input, () => before(ctx.approvalId, input.jobId), ctx),
      resume: resumeWith(
        (input: z.output<typeof retryInput>) => `retry of Amplify job ${input.jobId}`,
        (input, ctx, progress) =>
          jobSucceeded(input, () => before(ctx.approvalId, input.jobId), ctx, progress.at),
      ),
    }),
    defineRemediation({
      name: 'amplify_release_branch',
      description:
        "Build and deploy the branch's latest commit (StartJob RELEASE); repository-connected apps only.",
      input: z.object(amplifyBranch),
      risk: 'medium',
      timeoutMs,
      describe: (input) =>
        `release the latest commit of Amplify ${input.appId}/${input.branchName} in ${input.region}`,
      async execute(input, ctx) {
        const out = await accounts
          .get(input.account)
          .amplify(input.region)
          .send(
            new StartJobCommand({
              appId: input.appId,
              branchName: input.branchName,
              jobType: 'RELEASE',
              jobReason: `opsagent approval ${ctx.approvalId}`,
            }),
            { abortSignal: ctx.signal },
          );
        const jobId = out.jobSummary?.jobId;
        await remember(ctx, jobId);
        return { ok: true, detail: `started release job ${jobId ?? '?'}` };
      },
      verify: (input, ctx) => jobSucceeded(input, beforeStarted(ctx.approvalId), ctx),
      resume: resumeWith(
        (input: z.output<z.ZodObject<typeof amplifyBranch>>) =>
          `release of ${input.appId}/${input.branchName}`,
        (input, ctx, progress) =>
          jobSucceeded(input, beforeStarted(ctx.approvalId), ctx, progress.at),
      ),
    }),
    defineRemediation({
      name: 'amplify_start_deployment',
      description:
        'Deploy an artifact to a manual (non-git) Amplify app (StartDeployment from a zip URL or S3 prefix).',
      input: z.object({
        ...amplifyBranch,
        sourceUrl: z.string().min(1).describe('URL of a zip file, or an S3 bucket prefix.'),
        sourceUrlType: z.enum(['ZIP', 'BUCKET_PREFIX']).default('ZIP'),
      }),
      risk: 'high',
      timeoutMs,
      describe: (input) =>
        `deploy ${input.sourceUrl} (${input.sourceUrlType}) to Amplify ${input.appId}/${input.branchName} in ${input.region}`,
      async execute(input, ctx) {
        const out = await accounts
          .get(input.account)
          .amplify(input.region)
          .send(
            new StartDeploymentCommand({
              appId: input.appId,
              branchName: input.branchName,
              sourceUrl: input.sourceUrl,
              sourceUrlType: input.sourceUrlType,
            }),
            { abortSignal: ctx.signal },
          );
        const jobId = out.jobSummary?.jobId;
        await remember(ctx, jobId);
        return { ok: true, detail: `started deployment job ${jobId ?? '?'}` };
      },
      verify: (input, ctx) => jobSucceeded(input, beforeStarted(ctx.approvalId), ctx),
      resume: resumeWith(
        (input: { appId: string; branchName: string; region: string; sourceUrl: string }) =>
          `deployment of ${input.sourceUrl} to ${input.appId}/${input.branchName}`,
        (input, ctx, progress) =>
          jobSucceeded(input, beforeStarted(ctx.approvalId), ctx, progress.at),
      ),
    }),
  );
  return all;
}
