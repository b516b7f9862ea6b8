import {
  AmplifyClient,
  ListAppsCommand,
  ListBranchesCommand,
  ListJobsCommand,
} from '@aws-sdk/client-amplify';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { silentLogger } from '@opsagent/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../__fixtures__/support.js';
import { AwsAccount } from '../clients.js';
import { STUCK_PAGES } from '../util.js';
import { AmplifyChecker } from './amplify.js';
import { checkEc2Region } from './ec2.js';
import { LogGroupWatcher } from './logs.js';

const ec2 = mockClient(EC2Client);
const amplify = mockClient(AmplifyClient);
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => {
  ec2.reset();
  amplify.reset();
  logs.reset();
});
afterAll(() => {
  ec2.restore();
  amplify.restore();
  logs.restore();
});
const account = new AwsAccount(
  { name: 'default' },
  { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
);
const signal = new AbortController().signal;

describe('EC2 check logic', () => {
  it('asks for all instances in pages of 1,000 and skips completed events; a failed name lookup does not fail the check', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        {
          InstanceId: 'i-1',
          InstanceState: { Name: 'running' },
          SystemStatus: { Status: 'ok' },
          InstanceStatus: { Status: 'insufficient-data' },
        },
        {
          InstanceId: 'i-2',
          InstanceState: { Name: 'running' },
          SystemStatus: { Status: 'ok' },
          InstanceStatus: { Status: 'ok' },
          Events: [{ Code: 'instance-stop', Description: '[Completed] stopped' }],
        },
        {
          InstanceId: 'i-3',
          InstanceState: { Name: 'running' },
          SystemStatus: { Status: 'ok' },
          InstanceStatus: {
            Status: 'impaired',
            Details: [{ Name: 'reachability', Status: 'failed' }],
          },
        },
      ],
    });
    ec2
      .on(DescribeInstancesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' }));
    const result = await checkEc2Region(
      account,
      'eu-west-1',
      testConfig().ec2,
      signal,
      silentLogger,
    );
    expect(result.findings.map((f) => f.key)).toEqual(['aws:ec2:default:eu-west-1:i-3:instance']);
    expect(result.findings[0]?.title).toBe('EC2 i-3 instance status check impaired');
    expect(result.regions[0]).toEqual({
      account: 'default',
      region: 'eu-west-1',
      states: { running: 3 },
      impaired: 1,
    });
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0]?.args[0].input).toEqual({
      IncludeAllInstances: true,
      MaxResults: 1000,
    });
  });

  it('scheduled events can be switched off', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [
        {
          InstanceId: 'i-2',
          InstanceState: { Name: 'running' },
          Events: [{ Code: 'system-maintenance', NotBefore: new Date() }],
        },
      ],
    });
    const on = await checkEc2Region(account, 'eu-west-1', testConfig().ec2, signal, silentLogger);
    expect(on.findings.map((f) => f.severity)).toEqual(['warning']);
    const off = await checkEc2Region(
      account,
      'eu-west-1',
      testConfig({ ec2: { scheduledEvents: false } }).ec2,
      signal,
      silentLogger,
    );
    expect(off.findings).toEqual([]);
  });
});

describe('Amplify check logic', () => {
  it('judges the newest job by job id whatever the list order, and watches only the configured apps', async () => {
    amplify.on(ListAppsCommand).resolves({
      apps: [
        { appId: 'a1', name: 'shop', repository: 'r' } as never,
        { appId: 'a2', name: 'blog' } as never,
      ],
    });
    amplify.on(ListBranchesCommand).resolves({
      branches: [{ branchName: 'main', totalNumberOfJobs: '3', activeJobId: '3' } as never],
    });
    amplify.on(ListJobsCommand).resolves({
      jobSummaries: [
        { jobId: '2', status: 'FAILED', jobType: 'WEB_HOOK' } as never,
        { jobId: '3', status: 'SUCCEED', jobType: 'RETRY' } as never,
        { jobId: '1', status: 'SUCCEED', jobType: 'RELEASE' } as never,
      ],
    });
    const checker = new AmplifyChecker(
      account,
      testConfig({ amplify: { apps: ['shop'] } }).amplify,
      4,
    );
    const result = await checker.check('eu-west-1', signal);
    expect(result.findings).toEqual([]);
    expect(result.branches).toEqual([
      expect.objectContaining({ appId: 'a1', finished: { jobId: '3', status: 'SUCCEED' } }),
    ]);
    expect(amplify.commandCalls(ListBranchesCommand).map((c) => c.args[0].input.appId)).toEqual([
      'a1',
    ]);
    expect(amplify.commandCalls(ListJobsCommand)[0]?.args[0].input).toEqual({
      appId: 'a1',
      branchName: 'main',
      maxResults: 10,
    });
  });
});

describe('Amplify in a region without Amplify', () => {
  it('skips a region whose endpoint does not resolve, and only that error', async () => {
    amplify.on(ListAppsCommand).rejects(
      Object.assign(new Error('getaddrinfo ENOTFOUND amplify.xx-new-1.amazonaws.com'), {
        code: 'ENOTFOUND',
      }),
    );
    const checker = new AmplifyChecker(account, testConfig().amplify, 4);
    expect(await checker.check('xx-new-1', signal)).toEqual({
      findings: [],
      branches: [],
      calls: 0,
    });
    expect(await checker.check('xx-new-1', signal)).toEqual({
      findings: [],
      branches: [],
      calls: 0,
    });
    expect(amplify.commandCalls(ListAppsCommand)).toHaveLength(1);
    amplify
      .on(ListAppsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }));
    await expect(checker.check('eu-west-1', signal)).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
  });
});

describe('odd but SDK-valid answers (found by fuzzing)', () => {
  it('a pagination token that comes back unchanged ends the paging instead of looping forever', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [], NextToken: 'same' });
    const result = await checkEc2Region(
      account,
      'eu-west-1',
      testConfig().ec2,
      signal,
      silentLogger,
    );
    expect(result.findings).toEqual([]);
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)).toHaveLength(STUCK_PAGES + 1);
    amplify.on(ListAppsCommand).resolves({ apps: [{ appId: 'a1', name: 'shop' } as never] });
    amplify.on(ListBranchesCommand).resolves({ branches: [], nextToken: 'again' });
    const checker = new AmplifyChecker(account, testConfig().amplify, 4);
    expect((await checker.check('eu-west-1', signal)).branches).toEqual([]);
    expect(amplify.commandCalls(ListBranchesCommand)).toHaveLength(STUCK_PAGES + 1);
  });

  it('a log event timestamp outside the Date range gives a finding, not a RangeError', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ message: 'ERROR boom', timestamp: Number.MAX_SAFE_INTEGER }],
    });
    const watcher = new LogGroupWatcher(
      { account, region: 'eu-west-1', name: '/app', pattern: '' },
      testConfig().logs,
    );
    const result = await watcher.check(Date.now(), signal);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.evidence).toContain('unknown');
  });
});
