import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeEventsCommand, RDSClient } from '@aws-sdk/client-rds';
import { silentLogger, type Tool } from '@opsagent/core';
import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeAccounts, testClock, testConfig } from '../__fixtures__/support.js';
import { createAwsTools } from '../plugin.js';

let fake: FakeAws;
let tools: Map<string, Tool>;
const clock = testClock('2026-11-21T12:00:00Z');
const now = clock.now().getTime();

beforeAll(async () => {
  fake = await startFakeAws();
  fake.world.instances.push(
    {
      id: 'i-0a',
      region: 'eu-west-1',
      state: 'running',
      tags: { Name: 'web-1', Env: 'prod' },
      type: 't3.small',
      privateIp: '10.0.0.5',
      consoleOutput: 'line1\nline2\nKernel panic - not syncing',
    },
    { id: 'i-0b', region: 'eu-west-1', state: 'stopped', tags: { Name: 'db-1', Env: 'prod' } },
    {
      id: 'i-0c',
      region: 'eu-west-1',
      state: 'running',
      tags: { Env: 'dev' },
      instanceStatus: 'impaired',
    },
  );
  fake.world.logGroups['/app/api'] = [
    ...Array.from({ length: 25 }, (_, n) => ({
      timestamp: now - 30 * 60_000 + n * 1000,
      message: `ERROR timeout calling payments after ${n}ms`,
    })),
    { timestamp: now - 60_000, message: 'INFO all good' },
  ];
  fake.world.logGroups['/aws/lambda/resize'] = [
    { timestamp: now - 5 * 60_000, message: 'Task timed out after 3.00 seconds' },
  ];
  fake.world.apps.push({
    appId: 'd1',
    name: 'shop',
    repository: 'https://github.com/x/shop',
    branches: [
      {
        branchName: 'main',
        jobs: [
          {
            jobId: '1',
            status: 'SUCCEED',
            jobType: 'RELEASE',
            startTime: new Date(now - 7200_000),
          },
          {
            jobId: '2',
            status: 'FAILED',
            jobType: 'WEB_HOOK',
            commitId: 'abc123',
            commitMessage: 'oops',
            startTime: new Date(now - 3600_000),
          },
        ],
      },
    ],
  });
  const config = testConfig({ regions: ['eu-west-1'] });
  tools = new Map(
    createAwsTools(fakeAccounts(fake, config), config, clock).map((t) => [t.name, t]),
  );
});
afterAll(async () => {
  await fake.close();
});

async function run(name: string, input: unknown): Promise<string> {
  const tool = tools.get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  const result = await tool.run(tool.input.parse(input), {
    signal: new AbortController().signal,
    logger: silentLogger,
  });
  return typeof result === 'string' ? result : result.output;
}

describe('read-only AWS tools', () => {
  it('offers every tool with a snake_case name and a description', () => {
    expect([...tools.keys()].sort()).toEqual([
      'aws_amplify_branch_jobs',
      'aws_amplify_job_details',
      'aws_amplify_list_apps',
      'aws_cloudwatch_metric',
      'aws_ec2_console_output',
      'aws_ec2_describe_instance',
      'aws_ec2_instance_status',
      'aws_ec2_list_instances',
      'aws_ecs_list_clusters',
      'aws_ecs_list_services',
      'aws_ecs_list_tasks',
      'aws_lambda_list_functions',
      'aws_lambda_recent_errors',
      'aws_logs_error_summary',
      'aws_logs_list_groups',
      'aws_logs_search',
      'aws_rds_events',
      'aws_rds_list_instances',
    ]);
  });

  it('EC2 tools list by tag and state, describe, show problems first and the console tail', async () => {
    const listed = await run('aws_ec2_list_instances', {
      tags: { Env: 'prod' },
      states: ['running'],
    });
    expect(listed).toContain('i-0a web-1 running t3.small 10.0.0.5');
    expect(listed).not.toContain('i-0b');
    expect(await run('aws_ec2_describe_instance', { instanceId: 'i-0b' })).toContain(
      'state: stopped',
    );
    const status = await run('aws_ec2_instance_status', { onlyProblems: true });
    expect(status).toContain('3 instances, 1 with problems');
    expect(status).toContain('i-0c running system=ok instance=impaired');
    expect(status).not.toContain('i-0a');
    const console = await run('aws_ec2_console_output', { instanceId: 'i-0a', lines: 1 });
    expect(console).toContain('Kernel panic');
    expect(console).not.toContain('line1');
    await expect(run('aws_ec2_describe_instance', { instanceId: 'i-0ff' })).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
    expect(() =>
      tools.get('aws_ec2_describe_instance')?.input.parse({ instanceId: 'web-1' }),
    ).toThrow(/instance id/);
  });

  it('Logs tools list groups, search with a pattern and summarise errors as templates', async () => {
    expect(await run('aws_logs_list_groups', { prefix: '/app' })).toContain('/app/api');
    const search = await run('aws_logs_search', {
      group: '/app/api',
      pattern: 'INFO',
      minutes: 60,
    });
    expect(search).toContain('1 lines in /app/api');
    expect(search).toContain('INFO all good');
    const summary = await run('aws_logs_error_summary', { group: '/app/api', minutes: 60 });
    expect(summary).toContain('25 lines in 1 templates');
    expect(summary).toMatch(/25x .*timeout calling payments after <\*>/);
    expect(await run('aws_lambda_recent_errors', { functionName: 'resize' })).toContain(
      'Task timed out after <*> seconds',
    );
    await expect(run('aws_logs_search', { group: '/nope' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('Amplify tools list apps, jobs newest first and job steps', async () => {
    const apps = await run('aws_amplify_list_apps', {});
    expect(apps).toContain('d1 shop repo=https://github.com/x/shop');
    expect(apps).toContain('main (PRODUCTION, active job 2, 2 jobs)');
    const jobs = await run('aws_amplify_branch_jobs', { appId: 'd1', branchName: 'main' });
    expect(jobs.indexOf('job 2 WEB_HOOK FAILED')).toBeLessThan(
      jobs.indexOf('job 1 RELEASE SUCCEED'),
    );
    const job = await run('aws_amplify_job_details', {
      appId: 'd1',
      branchName: 'main',
      jobId: '2',
    });
    expect(job).toContain('BUILD: FAILED');
  });
});

describe('ECS, RDS, Lambda and CloudWatch tools (aws-sdk-client-mock)', () => {
  const ecs = mockClient(ECSClient);
  const rds = mockClient(RDSClient);
  const lambda = mockClient(LambdaClient);
  const cw = mockClient(CloudWatchClient);
  afterEach(() => {
    ecs.reset();
    rds.reset();
    lambda.reset();
    cw.reset();
  });
  afterAll(() => {
    ecs.restore();
    rds.restore();
    lambda.restore();
    cw.restore();
  });

  it('ECS services and stopped tasks with reasons', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: ['arn:svc/api'] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'api',
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 1,
          pendingCount: 0,
          deployments: [
            { status: 'PRIMARY', rolloutState: 'IN_PROGRESS', runningCount: 1, desiredCount: 2 },
          ],
          events: [
            {
              createdAt: new Date(now),
              message: '(service api) is unable to consistently start tasks',
            },
          ],
        },
      ],
    });
    ecs
      .on(ListTasksCommand, { desiredStatus: 'STOPPED' })
      .resolves({ taskArns: ['arn:task/c/abc'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/c/abc',
          lastStatus: 'STOPPED',
          stoppedReason: 'Essential container exited',
          containers: [{ name: 'app', lastStatus: 'STOPPED', exitCode: 137 }],
        },
      ],
    });
    expect(await run('aws_ecs_list_services', { cluster: 'c' })).toContain(
      'api ACTIVE desired=2 running=1',
    );
    const tasks = await run('aws_ecs_list_tasks', {
      cluster: 'c',
      service: 'api',
      desiredStatus: 'STOPPED',
    });
    expect(tasks).toContain('stopped: Essential container exited');
    expect(tasks).toContain('app:STOPPED exit 137');
    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'c',
      serviceName: 'api',
    });
  });

  it('RDS instances and events, Lambda functions, CloudWatch datapoints in time order', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'db1',
          DBInstanceStatus: 'available',
          Engine: 'postgres',
          EngineVersion: '16.3',
          DBInstanceClass: 'db.t4g.micro',
          MultiAZ: true,
          AllocatedStorage: 20,
        },
      ],
    });
    rds.on(DescribeEventsCommand).resolves({
      Events: [
        {
          Date: new Date(now),
          SourceIdentifier: 'db1',
          EventCategories: ['failover'],
          Message: 'Multi-AZ failover started',
        },
      ],
    });
    lambda.on(ListFunctionsCommand).resolves({
      Functions: [
        {
          FunctionName: 'resize',
          Runtime: 'nodejs22.x',
          MemorySize: 512,
          Timeout: 3,
          LastModified: '2026-11-01',
        },
      ],
    });
    cw.on(GetMetricStatisticsCommand).resolves({
      Datapoints: [
        { Timestamp: new Date(now - 60_000), Maximum: 99, Unit: 'Percent' },
        { Timestamp: new Date(now - 120_000), Maximum: 40, Unit: 'Percent' },
      ],
    });
    expect(await run('aws_rds_list_instances', {})).toContain(
      'db1 available postgres 16.3 db.t4g.micro multiAZ=yes',
    );
    expect(await run('aws_rds_events', { dbInstance: 'db1', minutes: 60 })).toContain(
      '[failover] Multi-AZ failover started',
    );
    expect(rds.commandCalls(DescribeEventsCommand)[0]?.args[0].input).toMatchObject({
      SourceIdentifier: 'db1',
      SourceType: 'db-instance',
      Duration: 60,
    });
    expect(await run('aws_lambda_list_functions', {})).toContain(
      'resize nodejs22.x 512MB timeout=3s',
    );
    const metric = await run('aws_cloudwatch_metric', {
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensions: { InstanceId: 'i-0a' },
      statistic: 'Maximum',
    });
    expect(metric.indexOf('40 Percent')).toBeLessThan(metric.indexOf('99 Percent'));
    expect(cw.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input).toMatchObject({
      Dimensions: [{ Name: 'InstanceId', Value: 'i-0a' }],
      Statistics: ['Maximum'],
    });
  });
});
