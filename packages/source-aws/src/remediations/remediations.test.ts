import { EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { type Finding, type Remediation, silentLogger } from '@opsagent/core';
import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAccounts, testConfig } from '../__fixtures__/support.js';
import { createAwsRemediations } from './index.js';

let fake: FakeAws;
let remediations: Map<string, Remediation>;
const ctx = (approvalId = 'a1') => ({
  signal: new AbortController().signal,
  logger: silentLogger,
  approvalId,
});

beforeEach(async () => {
  fake = await startFakeAws();
  const config = testConfig({ regions: ['eu-west-1'] });
  remediations = new Map(
    createAwsRemediations(fakeAccounts(fake, config), {
      initialDelayMs: 0,
      pollMs: 10,
      timeoutMs: 2000,
    }).map((r) => [r.name, r]),
  );
});
afterEach(async () => {
  await fake.close();
});

function get(name: string): Remediation {
  const r = remediations.get(name);
  if (!r) throw new Error(name);
  return r;
}

const ec2Finding = (kind: string): Finding => ({
  key: 'k',
  severity: 'critical',
  resource: 'ec2:i-0a',
  title: 't',
  evidence: 'e',
  data: { service: 'ec2', kind, account: 'default', region: 'eu-west-1', instanceId: 'i-0a' },
});

describe('AWS remediations', () => {
  it('reboot_instance applies to impaired instances, dry-runs, reboots once and verifies the checks are ok again', async () => {
    fake.world.instances.push({
      id: 'i-0a',
      region: 'eu-west-1',
      state: 'running',
      instanceStatus: 'impaired',
    });
    let reboots = 0;
    fake.world.onInstanceAction = (action, instance) => {
      if (action === 'reboot') {
        reboots++;
        instance.instanceStatus = 'ok';
      }
    };
    const reboot = get('reboot_instance');
    expect(reboot.risk).toBe('medium');
    const input = reboot.appliesTo?.(ec2Finding('instance-impaired'));
    expect(input).toEqual({ instanceId: 'i-0a', region: 'eu-west-1', account: 'default' });
    expect(reboot.appliesTo?.(ec2Finding('stopped'))).toBeUndefined();
    expect(reboot.appliesTo?.(ec2Finding('scheduled-event'))).toBeUndefined();
    expect(reboot.describe(input)).toBe('reboot EC2 instance i-0a in eu-west-1 (account default)');
    expect(await reboot.dryRun?.(input, ctx())).toEqual({
      ok: true,
      detail: 'reboot i-0a: allowed (EC2 dry run passed)',
    });
    expect(reboots).toBe(0);
    expect((await reboot.execute(input, ctx())).ok).toBe(true);
    expect(reboots).toBe(1);
    expect(await reboot.verify?.(input, ctx())).toEqual({
      ok: true,
      detail: 'i-0a running with both status checks ok',
    });
  });

  it('reboot verification fails, saying what it saw, when the instance stays impaired', async () => {
    fake.world.instances.push({
      id: 'i-0a',
      region: 'eu-west-1',
      state: 'running',
      systemStatus: 'impaired',
    });
    const reboot = get('reboot_instance');
    const input = reboot.input.parse({ instanceId: 'i-0a', region: 'eu-west-1' });
    const result = await reboot.verify?.(input, ctx());
    expect(result?.ok).toBe(false);
    expect(result?.detail).toContain('system impaired');
  });

  it('a dry run reports missing permission (UnauthorizedOperation) without rebooting', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      ec2
        .on(RebootInstancesCommand)
        .rejects(
          Object.assign(new Error('You are not authorized'), { name: 'UnauthorizedOperation' }),
        );
      const result = await get('reboot_instance').dryRun?.(
        { instanceId: 'i-0a', region: 'eu-west-1' },
        ctx(),
      );
      expect(result).toEqual({
        ok: false,
        detail: 'reboot i-0a: not allowed for these credentials (UnauthorizedOperation)',
      });
      expect(ec2.commandCalls(RebootInstancesCommand)[0]?.args[0].input).toEqual({
        InstanceIds: ['i-0a'],
        DryRun: true,
      });
    } finally {
      ec2.restore();
    }
  });

  it('start_instance applies to stopped instances that should run and verifies it runs', async () => {
    fake.world.instances.push({ id: 'i-0a', region: 'eu-west-1', state: 'stopped' });
    fake.world.onInstanceAction = (action, instance) => {
      if (action === 'start') instance.state = 'running';
    };
    const start = get('start_instance');
    const input = start.appliesTo?.(ec2Finding('stopped'));
    expect(await start.dryRun?.(input, ctx())).toMatchObject({ ok: true });
    expect(fake.world.instances[0]?.state).toBe('stopped');
    expect(await start.execute(input, ctx())).toEqual({
      ok: true,
      detail: 'start of i-0a requested: stopped -> running',
    });
    expect((await start.verify?.(input, ctx()))?.ok).toBe(true);
  });

  it('amplify_retry_job retries the failed job and verifies the new job succeeded; a failing retry names the step', async () => {
    fake.world.apps.push({
      appId: 'd1',
      name: 'shop',
      region: 'eu-west-1',
      repository: 'https://github.com/x/shop',
      branches: [
        {
          branchName: 'main',
          jobs: [{ jobId: '1', status: 'FAILED', jobType: 'WEB_HOOK', startTime: new Date() }],
        },
      ],
    });
    let outcome: 'SUCCEED' | 'FAILED' = 'SUCCEED';
    fake.world.onJobStarted = (_app, _branch, job) => {
      setTimeout(() => {
        job.status = outcome;
      }, 30);
    };
    const retry = get('amplify_retry_job');
    const input = retry.appliesTo?.({
      key: 'k',
      severity: 'warning',
      resource: 'amplify:d1/main',
      title: 't',
      evidence: 'e',
      data: {
        service: 'amplify',
        kind: 'job-failed',
        account: 'default',
        region: 'eu-west-1',
        appId: 'd1',
        branchName: 'main',
        jobId: '1',
      },
    });
    expect(retry.describe(input)).toBe('retry Amplify job 1 of d1/main in eu-west-1');
    expect(await retry.execute(input, ctx('a1'))).toEqual({
      ok: true,
      detail: 'started job 2 (RETRY of 1)',
    });
    expect(await retry.verify?.(input, ctx('a1'))).toEqual({
      ok: true,
      detail: 'job 2 (RETRY) succeeded',
    });
    outcome = 'FAILED';
    await retry.execute(input, ctx('a2'));
    expect(await retry.verify?.(input, ctx('a2'))).toEqual({
      ok: false,
      detail: 'job 3 FAILED in step BUILD',
    });
  });

  it('amplify_release_branch starts a RELEASE; a manual app refuses it with a clear error', async () => {
    fake.world.apps.push(
      {
        appId: 'd1',
        name: 'shop',
        region: 'eu-west-1',
        repository: 'https://github.com/x/shop',
        branches: [{ branchName: 'main', jobs: [] }],
      },
      {
        appId: 'd2',
        name: 'static',
        region: 'eu-west-1',
        branches: [{ branchName: 'main', jobs: [] }],
      },
    );
    const release = get('amplify_release_branch');
    expect(
      await release.execute({ appId: 'd1', branchName: 'main', region: 'eu-west-1' }, ctx()),
    ).toEqual({ ok: true, detail: 'started release job 1' });
    expect(fake.world.apps[0]?.branches[0]?.jobs[0]?.jobType).toBe('RELEASE');
    await expect(
      release.execute({ appId: 'd2', branchName: 'main', region: 'eu-west-1' }, ctx()),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
    const deploy = get('amplify_start_deployment');
    expect(deploy.risk).toBe('high');
    const input = deploy.input.parse({
      appId: 'd2',
      branchName: 'main',
      region: 'eu-west-1',
      sourceUrl: 's3://bucket/site.zip',
    });
    expect(await deploy.execute(input, ctx())).toEqual({
      ok: true,
      detail: 'started deployment job 1',
    });
  });
});

describe('AWS remediations after a restart', () => {
  /** Values in memory, as the plugin gets them from the agent's store. */
  const memoryValues = () => {
    const map = new Map<string, string>();
    return {
      map,
      get: async (key: string) => map.get(key),
      set: async (key: string, value: string) => {
        map.set(key, value);
      },
    };
  };

  it('resumes the verification of an Amplify retry with the job it recorded, and runs nothing again', async () => {
    fake.world.apps.push({
      appId: 'd1abc',
      name: 'web',
      region: 'eu-west-1',
      repository: 'https://example.com/web.git',
      branches: [
        {
          branchName: 'main',
          jobs: [{ jobId: '1', status: 'FAILED', jobType: 'RELEASE', startTime: new Date() }],
        },
      ],
    });
    const values = memoryValues();
    const timing = { initialDelayMs: 0, pollMs: 10, timeoutMs: 2000 };
    const before = createAwsRemediations(
      fakeAccounts(fake, testConfig({ regions: ['eu-west-1'] })),
      timing,
      values,
    ).find((r) => r.name === 'amplify_retry_job') as Remediation;
    const input = { appId: 'd1abc', branchName: 'main', jobId: '1', region: 'eu-west-1' };
    await before.execute(input, ctx('ap1'));
    expect(fake.count('StartJob')).toBe(1);
    expect(JSON.parse(values.map.get('remediation:ap1') ?? '{}')).toMatchObject({ jobId: '2' });

    // A new process: the recorded job is verified; a run with nothing recorded cannot be told.
    const after = createAwsRemediations(
      fakeAccounts(fake, testConfig({ regions: ['eu-west-1'] })),
      timing,
      values,
    ).find((r) => r.name === 'amplify_retry_job') as Remediation;
    const job = fake.world.apps[0]?.branches[0]?.jobs.find((j) => j.jobId === '2');
    if (job) job.status = 'SUCCEED';
    const resumed = await after.resume?.(input, ctx('ap1'));
    expect(resumed?.ok).toBe(true);
    expect(resumed?.detail).toContain('retry of Amplify job 1 was requested at');
    expect(resumed?.detail).toContain('(job 2)');
    expect(resumed?.detail).toContain('verification: passed: job 2');
    expect(await after.resume?.(input, ctx('ap-unknown'))).toBeUndefined();
    expect(fake.count('StartJob')).toBe(1);
  });
});
