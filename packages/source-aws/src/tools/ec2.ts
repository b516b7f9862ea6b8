import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  type Filter,
  GetConsoleOutputCommand,
  paginateDescribeInstanceStatus,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { defineTool, type Tool } from '@opsagent/core';
import { z } from 'zod';
import type { AwsAccounts } from '../clients.js';
import { untilStuck } from '../util.js';
import { capped, tagText, target, when, whereShape } from './common.js';

const instanceId = z
  .string()
  .regex(/^i-[0-9a-f]{1,17}$/, 'expected an instance id such as i-0abc123');

/** Read-only EC2 tools: list and describe instances, instance status, console output. */
export function createEc2Tools(accounts: AwsAccounts): Tool[] {
  return [
    defineTool({
      name: 'aws_ec2_list_instances',
      description:
        'List EC2 instances in a region with id, Name tag, state, type, private IP and launch time. Filter by state and by tags.',
      input: z.object({
        ...whereShape,
        states: z
          .array(
            z.enum(['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']),
          )
          .optional()
          .describe('Only instances in these states.'),
        tags: z
          .record(z.string(), z.string())
          .optional()
          .describe(
            'Only instances with all these tags, e.g. {"Environment":"prod"}; * is a wildcard.',
          ),
        limit: z.number().int().min(1).max(500).default(100).describe('Most instances listed.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const filters: Filter[] = [
          ...Object.entries(input.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
          ...(input.states ? [{ Name: 'instance-state-name', Values: input.states }] : []),
        ];
        const lines: string[] = [];
        for await (const page of untilStuck(
          paginateDescribeInstances(
            { client: account.ec2(region), pageSize: 1000 },
            filters.length > 0 ? { Filters: filters } : {},
          ),
          (p) => p.NextToken,
        )) {
          for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            const name = i.Tags?.find((t) => t.Key === 'Name')?.Value ?? '-';
            lines.push(
              `${i.InstanceId} ${name} ${i.State?.Name ?? '?'} ${i.InstanceType ?? '?'} ${i.PrivateIpAddress ?? '-'} launched ${when(i.LaunchTime)}`,
            );
          }
          if (lines.length > input.limit) break;
        }
        return `EC2 instances in ${region} (id name state type ip):\n${capped(lines, input.limit, 'instances')}`;
      },
    }),
    defineTool({
      name: 'aws_ec2_describe_instance',
      description:
        'Describe one EC2 instance: state and reason, type, AZ, IPs, launch time, tags, security groups.',
      input: z.object({ ...whereShape, instanceId }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account
          .ec2(region)
          .send(new DescribeInstancesCommand({ InstanceIds: [input.instanceId] }), {
            abortSignal: ctx.signal,
          });
        const i = out.Reservations?.[0]?.Instances?.[0];
        if (!i)
          return { output: `instance ${input.instanceId} not found in ${region}`, isError: true };
        return [
          `instance ${i.InstanceId} in ${region}`,
          `state: ${i.State?.Name ?? '?'}${i.StateReason?.Message ? ` (${i.StateReason.Message})` : ''}`,
          `type: ${i.InstanceType ?? '?'}; AZ: ${i.Placement?.AvailabilityZone ?? '?'}; launched ${when(i.LaunchTime)}`,
          `private IP: ${i.PrivateIpAddress ?? '-'}; public IP: ${i.PublicIpAddress ?? '-'}`,
          `image: ${i.ImageId ?? '?'}; security groups: ${(i.SecurityGroups ?? []).map((g) => g.GroupName).join(', ') || '-'}`,
          `tags: ${tagText(i.Tags) || '-'}`,
        ].join('\n');
      },
    }),
    defineTool({
      name: 'aws_ec2_instance_status',
      description:
        'EC2 status checks (system and instance reachability) and scheduled events, for given instances or every instance of a region (problems first).',
      input: z.object({
        ...whereShape,
        instanceIds: z
          .array(instanceId)
          .max(100)
          .optional()
          .describe('Up to 100 instance ids; omit for all.'),
        onlyProblems: z
          .boolean()
          .default(false)
          .describe('Only instances with failing checks or scheduled events.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const client = account.ec2(region);
        const statuses = [];
        if (input.instanceIds?.length) {
          const out = await client.send(
            new DescribeInstanceStatusCommand({
              InstanceIds: input.instanceIds,
              IncludeAllInstances: true,
            }),
            { abortSignal: ctx.signal },
          );
          statuses.push(...(out.InstanceStatuses ?? []));
        } else {
          for await (const page of untilStuck(
            paginateDescribeInstanceStatus(
              { client, pageSize: 1000 },
              { IncludeAllInstances: true },
            ),
            (p) => p.NextToken,
          )) {
            statuses.push(...(page.InstanceStatuses ?? []));
          }
        }
        const rows = statuses.map((s) => {
          const bad =
            s.SystemStatus?.Status === 'impaired' ||
            s.InstanceStatus?.Status === 'impaired' ||
            (s.Events?.length ?? 0) > 0;
          const events = (s.Events ?? [])
            .map(
              (e) =>
                `${e.Code} from ${when(e.NotBefore)}${e.Description ? ` (${e.Description})` : ''}`,
            )
            .join('; ');
          return {
            bad,
            line: `${s.InstanceId} ${s.InstanceState?.Name ?? '?'} system=${s.SystemStatus?.Status ?? '?'} instance=${s.InstanceStatus?.Status ?? '?'}${events ? ` events: ${events}` : ''}`,
          };
        });
        const shown = rows
          .filter((r) => !input.onlyProblems || r.bad)
          .sort((a, b) => Number(b.bad) - Number(a.bad));
        return `EC2 status in ${region}: ${statuses.length} instances, ${rows.filter((r) => r.bad).length} with problems\n${capped(
          shown.map((r) => r.line),
          200,
          'instances',
        )}`;
      },
    }),
    defineTool({
      name: 'aws_ec2_console_output',
      description:
        'The last lines of an EC2 instance serial console output (boot messages, kernel panics).',
      input: z.object({
        ...whereShape,
        instanceId,
        lines: z.number().int().min(1).max(500).default(80).describe('Lines from the end.'),
      }),
      async run(input, ctx) {
        const { account, region } = await target(accounts, input, ctx.signal);
        const out = await account
          .ec2(region)
          .send(new GetConsoleOutputCommand({ InstanceId: input.instanceId, Latest: true }), {
            abortSignal: ctx.signal,
          });
        const text = Buffer.from(out.Output ?? '', 'base64').toString('utf8');
        if (!text.trim()) return `no console output for ${input.instanceId} yet`;
        const lines = text.split(/\r?\n/);
        return `console output of ${input.instanceId} (${when(out.Timestamp)}), last ${Math.min(input.lines, lines.length)} lines:\n${lines.slice(-input.lines).join('\n')}`;
      },
    }),
  ];
}
