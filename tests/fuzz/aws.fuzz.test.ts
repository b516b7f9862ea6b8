import { AmplifyClient } from '@aws-sdk/client-amplify';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { type Finding, silentLogger, type Tool } from '@opsagent/core';
import {
  AmplifyChecker,
  AwsAccount,
  AwsAccounts,
  awsConfigSchema,
  checkEc2Region,
  createAwsTools,
  LogGroupWatcher,
} from '@opsagent/source-aws';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';

// Surface 3b: AWS responses. Odd but SDK-valid outputs (fields missing, empty, odd strings and
// numbers, unchanged pagination tokens) and service errors: the checks give well-formed findings
// or reject with the SDK's error; the model's tools answer text or fail with a message; no
// TypeError, no hang.

const RUNS = fuzzRuns(300);
const clients = [
  EC2Client,
  AmplifyClient,
  CloudWatchLogsClient,
  ECSClient,
  RDSClient,
  LambdaClient,
  CloudWatchClient,
] as const;
// One mock per client class; typed loosely since each is a different SDK client.
const mocks = clients.map((client) => mockClient(client as typeof EC2Client));
afterAll(() => {
  for (const mock of mocks) mock.restore();
});

const config = awsConfigSchema.parse({
  regions: ['eu-west-1'],
  ec2: { expectRunning: { instanceIds: ['i-0abc'], tags: { env: 'prod' } } },
});
const account = new AwsAccount(
  { name: 'default' },
  { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, regions: ['eu-west-1'] },
);
const accounts = new AwsAccounts([account]);
const tools = createAwsTools(accounts, config);

const str = fc.oneof(
  fc.constantFrom(
    '',
    'i-0abc',
    'running',
    'stopped',
    'impaired',
    'ok',
    'FAILED',
    'SUCCEED',
    'RUNNING',
    'Name',
    'env',
    'prod',
    '[Completed] done',
    'ERROR boom',
    '\n',
    'eu-west-1',
  ),
  fc.string({ maxLength: 20 }),
);
const num = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER),
);
const date = fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const list = <T>(a: fc.Arbitrary<T>) => maybe(fc.array(a, { maxLength: 3 }));
const status = fc.record(
  { Status: maybe(str), Details: list(fc.record({ Name: maybe(str), Status: maybe(str) })) },
  { requiredKeys: [] },
);
const tag = fc.record({ Key: maybe(str), Value: maybe(str) }, { requiredKeys: [] });

/** One output object carrying the fields of every command the checks and tools read. */
const output = fc.record(
  {
    NextToken: maybe(str),
    nextToken: maybe(str),
    InstanceStatuses: list(
      fc.record(
        {
          InstanceId: maybe(str),
          InstanceState: maybe(
            fc.record({ Name: maybe(str), Code: maybe(num) }, { requiredKeys: [] }),
          ),
          SystemStatus: maybe(status),
          InstanceStatus: maybe(status),
          AvailabilityZone: maybe(str),
          Events: list(
            fc.record(
              {
                Code: maybe(str),
                Description: maybe(str),
                NotBefore: maybe(date),
                NotAfter: maybe(date),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    Reservations: list(
      fc.record(
        {
          Instances: list(
            fc.record(
              {
                InstanceId: maybe(str),
                InstanceType: maybe(str),
                State: maybe(fc.record({ Name: maybe(str) }, { requiredKeys: [] })),
                StateReason: maybe(fc.record({ Message: maybe(str) }, { requiredKeys: [] })),
                Tags: list(tag),
                LaunchTime: maybe(date),
                PrivateIpAddress: maybe(str),
                PublicIpAddress: maybe(str),
                Placement: maybe(fc.record({ AvailabilityZone: maybe(str) }, { requiredKeys: [] })),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    Output: maybe(fc.oneof(str, fc.base64String({ maxLength: 40 }))),
    apps: list(
      fc.record(
        {
          appId: maybe(str),
          name: maybe(str),
          repository: maybe(str),
          defaultDomain: maybe(str),
          platform: maybe(str),
        },
        { requiredKeys: [] },
      ),
    ),
    branches: list(
      fc.record(
        {
          branchName: maybe(str),
          totalNumberOfJobs: maybe(str),
          activeJobId: maybe(str),
          stage: maybe(str),
        },
        { requiredKeys: [] },
      ),
    ),
    jobSummaries: list(
      fc.record(
        {
          jobId: maybe(str),
          status: maybe(str),
          jobType: maybe(str),
          commitId: maybe(str),
          commitMessage: maybe(str),
          startTime: maybe(date),
          endTime: maybe(date),
        },
        { requiredKeys: [] },
      ),
    ),
    job: maybe(
      fc.record(
        {
          summary: maybe(
            fc.record({ jobId: maybe(str), status: maybe(str) }, { requiredKeys: [] }),
          ),
          steps: list(
            fc.record(
              {
                stepName: maybe(str),
                status: maybe(str),
                logUrl: maybe(str),
                startTime: maybe(date),
                endTime: maybe(date),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    events: list(
      fc.record(
        {
          message: maybe(str),
          timestamp: maybe(num),
          logStreamName: maybe(str),
          eventId: maybe(str),
        },
        { requiredKeys: [] },
      ),
    ),
    logGroups: list(
      fc.record(
        { logGroupName: maybe(str), retentionInDays: maybe(num), storedBytes: maybe(num) },
        { requiredKeys: [] },
      ),
    ),
    clusterArns: list(str),
    serviceArns: list(str),
    taskArns: list(str),
    clusters: list(
      fc.record(
        { clusterName: maybe(str), status: maybe(str), runningTasksCount: maybe(num) },
        { requiredKeys: [] },
      ),
    ),
    services: list(
      fc.record(
        {
          serviceName: maybe(str),
          desiredCount: maybe(num),
          runningCount: maybe(num),
          events: list(
            fc.record({ message: maybe(str), createdAt: maybe(date) }, { requiredKeys: [] }),
          ),
          deployments: list(
            fc.record({ status: maybe(str), rolloutState: maybe(str) }, { requiredKeys: [] }),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    tasks: list(
      fc.record(
        {
          taskArn: maybe(str),
          lastStatus: maybe(str),
          stoppedReason: maybe(str),
          containers: list(
            fc.record(
              { name: maybe(str), exitCode: maybe(num), reason: maybe(str) },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    DBInstances: list(
      fc.record(
        { DBInstanceIdentifier: maybe(str), DBInstanceStatus: maybe(str), Engine: maybe(str) },
        { requiredKeys: [] },
      ),
    ),
    Events: list(
      fc.record(
        { SourceIdentifier: maybe(str), Message: maybe(str), Date: maybe(date) },
        { requiredKeys: [] },
      ),
    ),
    Functions: list(
      fc.record(
        {
          FunctionName: maybe(str),
          Runtime: maybe(str),
          LastModified: maybe(str),
          MemorySize: maybe(num),
          Timeout: maybe(num),
        },
        { requiredKeys: [] },
      ),
    ),
    Datapoints: list(
      fc.record(
        {
          Timestamp: maybe(date),
          Average: maybe(num),
          Sum: maybe(num),
          Maximum: maybe(num),
          Unit: maybe(str),
        },
        { requiredKeys: [] },
      ),
    ),
    MetricDataResults: list(
      fc.record(
        { Id: maybe(str), Timestamps: list(date), Values: list(num) },
        { requiredKeys: [] },
      ),
    ),
    Regions: list(fc.record({ RegionName: maybe(str) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

/** A service error as the SDK raises it. */
const serviceError = fc
  .tuple(
    fc.constantFrom(
      'ThrottlingException',
      'AccessDeniedException',
      'UnauthorizedOperation',
      'ResourceNotFoundException',
      'InternalError',
      'ServiceUnavailable',
      'ValidationException',
      'Unknown',
    ),
    str,
    fc.constantFrom(400, 403, 404, 500, 503),
  )
  .map(([name, message, httpStatusCode]) =>
    Object.assign(new Error(message), {
      name,
      $fault: httpStatusCode >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode },
    }),
  );

// Each command answers `first`, then (unless the service is stuck, 1 case in 20) the same page
// without pagination tokens; a stuck service sends the same page and token for ever.
const answer = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(output, fc.nat(19)).map(([o, n]) => ({
      resolves: o as Record<string, unknown>,
      stuck: n === 0,
    })),
  },
  { weight: 1, arbitrary: serviceError.map((e) => ({ rejects: e })) },
);

function wellFormed(finding: Finding): void {
  expect(typeof finding.key).toBe('string');
  expect(['info', 'warning', 'critical']).toContain(finding.severity);
  expect(typeof finding.title).toBe('string');
  expect(typeof finding.evidence).toBe('string');
}

/** Rejections must be errors the SDK or the source raised on purpose, not programming errors. */
function clearError(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const name = (error as Error).name;
  if (
    name === 'TypeError' ||
    name === 'RangeError' ||
    name === 'SyntaxError' ||
    name === 'ReferenceError'
  ) {
    throw new Error(`programming error on an odd AWS response: ${(error as Error).stack}`);
  }
}

const toolInputs: Record<string, unknown> = {
  aws_ec2_describe_instance: { instanceId: 'i-0abc' },
  aws_ec2_console_output: { instanceId: 'i-0abc' },
  aws_amplify_branch_jobs: { appId: 'a1', branchName: 'main' },
  aws_amplify_job_details: { appId: 'a1', branchName: 'main', jobId: '1' },
  aws_logs_search: { group: '/app', pattern: 'ERROR' },
  aws_logs_error_summary: { group: '/app' },
  aws_ecs_list_services: { cluster: 'c1' },
  aws_ecs_list_tasks: { cluster: 'c1' },
  aws_lambda_recent_errors: { functionName: 'f1' },
  aws_cloudwatch_metric: { namespace: 'AWS/EC2', metricName: 'CPUUtilization' },
};

/** A valid input for a tool: the sample above, else the first that its schema accepts. */
function inputFor(tool: Tool): unknown {
  const sample = toolInputs[tool.name] ?? {};
  const parsed = tool.input.safeParse(sample);
  if (!parsed.success)
    throw new Error(`fix the sample input of ${tool.name}: ${parsed.error.message}`);
  return parsed.data;
}

const signal = new AbortController().signal;

describe('AWS responses, fuzzed', () => {
  it('every tool has a valid sample input', () => {
    expect(tools.length).toBeGreaterThan(10);
    for (const tool of tools) inputFor(tool);
  });

  it('checks (EC2, Amplify, Logs) and tools: findings or text, or a clear error; never a TypeError or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        answer,
        fc.constantFrom('ec2', 'amplify', 'logs', ...tools.map((t) => t.name)),
        async (reply, what) => {
          for (const mock of mocks) {
            mock.reset();
            if ('resolves' in reply) {
              const { NextToken: _a, nextToken: _b, NextMarker: _c, ...last } = reply.resolves;
              mock
                .onAnyCommand()
                .resolvesOnce(reply.resolves as never)
                .resolves((reply.stuck ? reply.resolves : last) as never);
            } else mock.onAnyCommand().rejects(reply.rejects);
          }
          try {
            if (what === 'ec2') {
              const result = await bounded(
                checkEc2Region(account, 'eu-west-1', config.ec2, signal, silentLogger),
              );
              result.findings.forEach(wellFormed);
            } else if (what === 'amplify') {
              const checker = new AmplifyChecker(account, config.amplify, 4);
              const result = await bounded(checker.check('eu-west-1', signal));
              result.findings.forEach(wellFormed);
            } else if (what === 'logs') {
              const watcher = new LogGroupWatcher(
                { account, region: 'eu-west-1', name: '/app', pattern: '' },
                config.logs,
              );
              const result = await bounded(watcher.check(Date.now(), signal));
              result.findings.forEach(wellFormed);
            } else {
              const tool = tools.find((t) => t.name === what)!;
              const result = await bounded(
                Promise.resolve(
                  tool.run(
                    inputFor(tool) as never,
                    {
                      signal,
                      logger: silentLogger,
                      principal: { id: 'alice', name: 'Alice', roles: ['admin'] },
                    } as never,
                  ),
                ),
              );
              const text = typeof result === 'string' ? result : result.output;
              expect(typeof text).toBe('string');
            }
          } catch (error) {
            if (error instanceof Error && error.message.startsWith('case did not finish'))
              throw error;
            clearError(error);
          }
        },
      ),
      { numRuns: RUNS },
    );
    report(
      'aws',
      `checks and ${tools.length} tools on fuzzed SDK outputs and service errors`,
      RUNS,
    );
  });
});
