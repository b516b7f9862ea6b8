import {
  AmplifyClient,
  GetJobCommand,
  paginateListJobs,
  StartJobCommand,
} from '@aws-sdk/client-amplify';
import { CloudWatchLogsClient, paginateFilterLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  paginateDescribeInstanceStatus,
  RebootInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' };
let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws();
});
afterEach(async () => {
  await fake.close();
});

describe('fake AWS endpoints through the real SDK clients', () => {
  it('EC2: pages instance status, survives an empty page and throttling, serves instances', async () => {
    for (let n = 0; n < 12; n++) {
      fake.world.instances.push({
        id: `i-${n}`,
        region: 'eu-west-1',
        state: n === 0 ? 'stopped' : 'running',
        systemStatus: n === 1 ? 'impaired' : 'ok',
        events:
          n === 2 ? [{ code: 'system-reboot', notBefore: new Date('2026-12-01T00:00:00Z') }] : [],
        tags: { Name: `web-${n}` },
        consoleOutput: 'kernel panic',
      });
    }
    fake.world.instances.push({ id: 'i-other', region: 'us-east-1', state: 'running' });
    const client = new EC2Client({
      region: 'eu-west-1',
      endpoint: fake.url,
      credentials,
      retryMode: 'standard',
      maxAttempts: 3,
    });
    fake.emptyPages('DescribeInstanceStatus', 1);
    fake.fail('DescribeInstanceStatus', 1);
    const statuses = [];
    for await (const page of paginateDescribeInstanceStatus(
      { client, pageSize: 5 },
      { IncludeAllInstances: true },
    )) {
      statuses.push(...(page.InstanceStatuses ?? []));
    }
    expect(statuses.map((s) => s.InstanceId)).toHaveLength(12);
    expect(statuses[0]?.InstanceState?.Name).toBe('stopped');
    expect(statuses[1]?.SystemStatus?.Status).toBe('impaired');
    expect(statuses[1]?.SystemStatus?.Details?.[0]).toEqual({
      Name: 'reachability',
      Status: 'failed',
    });
    expect(statuses[2]?.Events?.[0]?.Code).toBe('system-reboot');
    expect(statuses[2]?.Events?.[0]?.NotBefore?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // 1 throttled + 1 empty + 3 pages
    expect(fake.count('DescribeInstanceStatus', 'eu-west-1')).toBe(5);
    const described = await client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['web-1*'] }] }),
    );
    const ids = described.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
    expect(ids).toEqual(['i-1', 'i-10', 'i-11']);
    expect(described.Reservations?.[0]?.Instances?.[0]?.Tags).toEqual([
      { Key: 'Name', Value: 'web-1' },
    ]);
    const regions = await client.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((r) => r.RegionName)).toEqual(['eu-west-1', 'us-east-1']);
    const consoleOut = await client.send(new GetConsoleOutputCommand({ InstanceId: 'i-1' }));
    expect(Buffer.from(consoleOut.Output ?? '', 'base64').toString()).toBe('kernel panic');
    await expect(
      client.send(new RebootInstancesCommand({ InstanceIds: ['i-1'], DryRun: true })),
    ).rejects.toMatchObject({
      name: 'DryRunOperation',
    });
    await expect(
      client.send(new RebootInstancesCommand({ InstanceIds: ['i-nope'] })),
    ).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
  });

  it('Logs: pages FilterLogEvents with empty pages and throttling, filters by pattern', async () => {
    fake.world.logGroups['/app/api'] = Array.from({ length: 30 }, (_, n) => ({
      timestamp: 1000 + n,
      message: n % 3 === 0 ? `ERROR failed job ${n}` : `INFO ok ${n}`,
    }));
    const client = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials,
    });
    fake.capPage('FilterLogEvents', 4);
    fake.emptyPages('FilterLogEvents', 2);
    fake.fail('FilterLogEvents', 2);
    const messages: string[] = [];
    for await (const page of paginateFilterLogEvents(
      { client },
      { logGroupName: '/app/api', filterPattern: 'ERROR', startTime: 1003 },
    )) {
      messages.push(...(page.events ?? []).map((e) => e.message ?? ''));
    }
    expect(messages).toHaveLength(9);
    expect(messages[0]).toBe('ERROR failed job 3');
    await expect(
      paginateFilterLogEvents({ client }, { logGroupName: '/nope' }).next(),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('Amplify: lists jobs newest first over pages, reads a job, starts a retry, throttles', async () => {
    fake.world.apps.push({
      appId: 'd1',
      name: 'shop',
      repository: 'https://github.com/x/shop',
      branches: [
        {
          branchName: 'main',
          jobs: Array.from({ length: 7 }, (_, n) => ({
            jobId: String(n + 1),
            status: n === 6 ? ('FAILED' as const) : ('SUCCEED' as const),
            jobType: 'WEB_HOOK' as const,
            commitId: `c${n + 1}`,
            startTime: new Date(1_767_225_600_000 + n * 60_000),
          })),
        },
      ],
    });
    const client = new AmplifyClient({ region: 'us-east-1', endpoint: fake.url, credentials });
    fake.capPage('ListJobs', 3);
    fake.emptyPages('ListJobs', 1);
    fake.fail('ListJobs', 1);
    const jobs = [];
    for await (const page of paginateListJobs({ client }, { appId: 'd1', branchName: 'main' })) {
      jobs.push(...(page.jobSummaries ?? []));
    }
    expect(jobs.map((j) => j.jobId)).toEqual(['7', '6', '5', '4', '3', '2', '1']);
    expect(jobs[0]?.startTime?.toISOString()).toBe('2026-01-01T00:06:00.000Z');
    const job = await client.send(
      new GetJobCommand({ appId: 'd1', branchName: 'main', jobId: '7' }),
    );
    expect(job.job?.summary?.status).toBe('FAILED');
    expect(job.job?.steps?.[0]?.status).toBe('FAILED');
    const started = await client.send(
      new StartJobCommand({ appId: 'd1', branchName: 'main', jobType: 'RETRY', jobId: '7' }),
    );
    expect(started.jobSummary?.jobId).toBe('8');
    await expect(
      client.send(new StartJobCommand({ appId: 'd1', branchName: 'nope', jobType: 'RELEASE' })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('SES v2: records a sent e-mail', async () => {
    const client = new SESv2Client({ region: 'us-east-1', endpoint: fake.url, credentials });
    const out = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'ops@example.com',
        Destination: { ToAddresses: ['me@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'hi' },
            Body: { Text: { Data: 'text' }, Html: { Data: '<p>x</p>' } },
          },
        },
      }),
    );
    expect(out.MessageId).toBe('fake-1');
    expect(fake.world.emails[0]).toMatchObject({
      to: ['me@example.com'],
      subject: 'hi',
      html: '<p>x</p>',
    });
  });
});
