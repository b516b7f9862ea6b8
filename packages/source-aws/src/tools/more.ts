import { GetMetricStatisticsCommand, type Statistic } from '@aws-sdk/client-cloudwatch';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { paginateListFunctions } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, DescribeEventsCommand } from '@aws-sdk/client-rds';
import { defineTool, renderDigest, TemplateMiner, type Tool } from '@opsagent/core';
import { z } from 'zod';
import { readLogEvents } from '../checks/logs.js';
import type { AwsAccounts } from '../clients.js';
import { chunks, untilStuck } from '../util.js';
import { capped, minutesField, target, when, whereShape } from './common.js';
import { ERROR_PATTERN } from './logs.js';

const cluster = z.string().min(1).max(255).describe('ECS cluster name or ARN.');

/** Read-only ECS tools: clusters, services (with deployments), tasks. */
export function createEcsTools(accounts: AwsAccounts): Tool[] {
  return [
    defineTool({
      name: 'aws_ecs_list_clusters',
      description:
        'List ECS clusters with status and counts of services and running/pending tasks.',
      input: z.object({ ...whereShape }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const client = account.ecs(region);
        const arns =
          (await client.send(new ListClustersCommand({}), { abortSignal: ctx.signal }))
            .clusterArns ?? [];
        const lines: string[] = [];
        for (const part of chunks(arns, 100)) {
          const out = await client.send(new DescribeClustersCommand({ clusters: part }), {
            abortSignal: ctx.signal,
          });
          for (const c of out.clusters ?? []) {
            lines.push(
              `${c.clusterName} ${c.status} services=${c.activeServicesCount ?? 0} running=${c.runningTasksCount ?? 0} pending=${c.pendingTasksCount ?? 0}`,
            );
          }
        }
        return `ECS clusters in ${region}:\n${capped(lines, 100, 'clusters')}`;
      },
    }),
    defineTool({
      name: 'aws_ecs_list_services',
      description:
        'ECS services of a cluster: desired/running/pending counts, deployments and the latest service events.',
      input: z.object({ ...whereShape, cluster }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const client = account.ecs(region);
        const arns =
          (
            await client.send(
              new ListServicesCommand({ cluster: input.cluster, maxResults: 100 }),
              { abortSignal: ctx.signal },
            )
          ).serviceArns ?? [];
        const lines: string[] = [];
        for (const part of chunks(arns, 10)) {
          const out = await client.send(
            new DescribeServicesCommand({ cluster: input.cluster, services: part }),
            { abortSignal: ctx.signal },
          );
          for (const s of out.services ?? []) {
            const deployments = (s.deployments ?? [])
              .map((d) =>
                `${d.status} ${d.rolloutState ?? ''} ${d.runningCount}/${d.desiredCount}`.trim(),
              )
              .join('; ');
            const events = (s.events ?? [])
              .slice(0, 3)
              .map((e) => `    ${when(e.createdAt)} ${e.message}`)
              .join('\n');
            lines.push(
              `${s.serviceName} ${s.status} desired=${s.desiredCount} running=${s.runningCount} pending=${s.pendingCount} deployments: ${deployments || '-'}${events ? `\n${events}` : ''}`,
            );
          }
        }
        return `ECS services of ${input.cluster}:\n${capped(lines, 100, 'services')}`;
      },
    }),
    defineTool({
      name: 'aws_ecs_list_tasks',
      description:
        'ECS tasks of a cluster (optionally one service): status, health, stop reason and container exit codes.',
      input: z.object({
        ...whereShape,
        cluster,
        service: z.string().optional().describe('Only tasks of this service.'),
        desiredStatus: z
          .enum(['RUNNING', 'STOPPED'])
          .default('RUNNING')
          .describe('RUNNING, or STOPPED to see why tasks died.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const client = account.ecs(region);
        const arns =
          (
            await client.send(
              new ListTasksCommand({
                cluster: input.cluster,
                desiredStatus: input.desiredStatus,
                maxResults: 100,
                ...(input.service ? { serviceName: input.service } : {}),
              }),
              { abortSignal: ctx.signal },
            )
          ).taskArns ?? [];
        if (arns.length === 0)
          return `no ${input.desiredStatus} tasks in ${input.cluster}${input.service ? ` for ${input.service}` : ''}`;
        const out = await client.send(
          new DescribeTasksCommand({ cluster: input.cluster, tasks: arns }),
          { abortSignal: ctx.signal },
        );
        const lines = (out.tasks ?? []).map((t) => {
          const containers = (t.containers ?? [])
            .map(
              (c) =>
                `${c.name}:${c.lastStatus}${c.exitCode !== undefined ? ` exit ${c.exitCode}` : ''}${c.reason ? ` (${c.reason})` : ''}`,
            )
            .join(', ');
          return `${t.taskArn?.split('/').pop()} ${t.lastStatus} health=${t.healthStatus ?? '-'} started ${when(t.startedAt)}${t.stoppedReason ? ` stopped: ${t.stoppedReason}` : ''} containers: ${containers}`;
        });
        return `${input.desiredStatus} tasks of ${input.cluster}:\n${capped(lines, 100, 'tasks')}`;
      },
    }),
  ];
}

/** Read-only RDS tools: instances, recent events. */
export function createRdsTools(accounts: AwsAccounts): Tool[] {
  return [
    defineTool({
      name: 'aws_rds_list_instances',
      description: 'List RDS DB instances: status, engine and version, class, Multi-AZ, storage.',
      input: z.object({ ...whereShape }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account
          .rds(region)
          .send(new DescribeDBInstancesCommand({ MaxRecords: 100 }), { abortSignal: ctx.signal });
        const lines = (out.DBInstances ?? []).map(
          (d) =>
            `${d.DBInstanceIdentifier} ${d.DBInstanceStatus} ${d.Engine} ${d.EngineVersion} ${d.DBInstanceClass} multiAZ=${d.MultiAZ ? 'yes' : 'no'} storage=${d.AllocatedStorage}GiB`,
        );
        return `RDS instances in ${region}:\n${capped(lines, 100, 'DB instances')}`;
      },
    }),
    defineTool({
      name: 'aws_rds_events',
      description:
        'Recent RDS events (failovers, reboots, backups, storage full), optionally for one DB instance.',
      input: z.object({
        ...whereShape,
        dbInstance: z.string().optional().describe('DB instance identifier.'),
        minutes: minutesField(24 * 60),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account.rds(region).send(
          new DescribeEventsCommand({
            Duration: input.minutes,
            MaxRecords: 100,
            ...(input.dbInstance
              ? { SourceIdentifier: input.dbInstance, SourceType: 'db-instance' }
              : {}),
          }),
          { abortSignal: ctx.signal },
        );
        const lines = (out.Events ?? []).map(
          (e) =>
            `${when(e.Date)} ${e.SourceIdentifier} [${(e.EventCategories ?? []).join(',')}] ${e.Message}`,
        );
        return `RDS events in ${region} over ${input.minutes} min:\n${capped(lines, 100, 'events')}`;
      },
    }),
  ];
}

/** Read-only Lambda tools: functions, recent errors from their logs (log digest). */
export function createLambdaTools(accounts: AwsAccounts, now: () => number = Date.now): Tool[] {
  return [
    defineTool({
      name: 'aws_lambda_list_functions',
      description: 'List Lambda functions: runtime, memory, timeout, last modified.',
      input: z.object({ ...whereShape }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const lines: string[] = [];
        for await (const page of untilStuck(
          paginateListFunctions({ client: account.lambda(region), pageSize: 50 }, {}),
          (p) => p.NextMarker,
        )) {
          for (const f of page.Functions ?? [])
            lines.push(
              `${f.FunctionName} ${f.Runtime ?? 'image'} ${f.MemorySize}MB timeout=${f.Timeout}s modified ${f.LastModified}`,
            );
          if (lines.length > 300) break;
        }
        return `Lambda functions in ${region}:\n${capped(lines, 300, 'functions')}`;
      },
    }),
    defineTool({
      name: 'aws_lambda_recent_errors',
      description:
        'Errors of a Lambda function over the last N minutes, summarised from its log group /aws/lambda/<name> as templates with counts.',
      input: z.object({
        ...whereShape,
        functionName: z.string().min(1).max(140),
        minutes: minutesField(60),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const end = now();
        const name = `/aws/lambda/${input.functionName}`;
        const read = await readLogEvents(
          {
            account,
            region,
            name,
            pattern: `${ERROR_PATTERN} ?"Task timed out" ?"Runtime exited"`,
          },
          end - input.minutes * 60_000,
          end,
          50_000,
          ctx.signal,
        );
        if (read.events.length === 0) return `no errors in ${name} over ${input.minutes} min`;
        const miner = new TemplateMiner();
        for (const e of read.events) miner.add(e.message ?? '', e.timestamp ?? end);
        return renderDigest(miner.templates(), {
          budgetTokens: 1500,
          title: `${name}: ${read.events.length} error lines over ${input.minutes} min (<*> = variable)`,
        });
      },
    }),
  ];
}

/** Read-only CloudWatch metrics tool: a metric's recent datapoints. */
export function createCloudWatchTools(accounts: AwsAccounts, now: () => number = Date.now): Tool[] {
  return [
    defineTool({
      name: 'aws_cloudwatch_metric',
      description:
        'Recent datapoints of one CloudWatch metric, e.g. AWS/EC2 CPUUtilization for InstanceId=i-0abc.',
      input: z.object({
        ...whereShape,
        namespace: z.string().min(1).describe('e.g. AWS/EC2, AWS/RDS, AWS/Lambda.'),
        metricName: z.string().min(1).describe('e.g. CPUUtilization, Errors, FreeStorageSpace.'),
        dimensions: z
          .record(z.string(), z.string())
          .default({})
          .describe('e.g. {"InstanceId":"i-0abc"}.'),
        statistic: z
          .enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'])
          .default('Average'),
        periodSeconds: z.number().int().min(60).max(86_400).default(300),
        minutes: minutesField(180),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const end = now();
        const out = await account.cloudwatch(region).send(
          new GetMetricStatisticsCommand({
            Namespace: input.namespace,
            MetricName: input.metricName,
            Dimensions: Object.entries(input.dimensions).map(([Name, Value]) => ({ Name, Value })),
            StartTime: new Date(end - input.minutes * 60_000),
            EndTime: new Date(end),
            Period: input.periodSeconds,
            Statistics: [input.statistic as Statistic],
          }),
          { abortSignal: ctx.signal },
        );
        const points = (out.Datapoints ?? [])
          .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0))
          .map((p) => `${when(p.Timestamp)} ${p[input.statistic]} ${p.Unit ?? ''}`.trim());
        return `${input.namespace} ${input.metricName} ${input.statistic} per ${input.periodSeconds}s over ${input.minutes} min:\n${capped(points, 500, 'datapoints')}`;
      },
    }),
  ];
}
