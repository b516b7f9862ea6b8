import {
  DescribeInstancesCommand,
  type InstanceStatus,
  paginateDescribeInstanceStatus,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import type { Finding, Logger } from '@opsagent/core';
import type { AwsAccount } from '../clients.js';
import type { AwsConfig } from '../config.js';
import { chunks, isoTime, untilStuck } from '../util.js';

/** Which problem an EC2 finding is about; remediations key on it. */
export type Ec2FindingKind =
  | 'system-impaired'
  | 'instance-impaired'
  | 'scheduled-event'
  | 'stopped';

/** Structured data of an EC2 finding. */
export interface Ec2FindingData extends Record<string, unknown> {
  service: 'ec2';
  kind: Ec2FindingKind;
  account: string;
  region: string;
  instanceId: string;
}

/** What one region looked like in the last check, for `status`. */
export interface Ec2RegionSummary {
  account: string;
  region: string;
  /** Instances by state name. */
  states: Record<string, number>;
  /** Running instances whose checks are not ok/initializing. */
  impaired: number;
}

/** The outcome of one EC2 check over every region of an account. */
export interface Ec2CheckResult {
  findings: Finding[];
  regions: Ec2RegionSummary[];
  /** API calls made. */
  calls: number;
}

const PAGE = 1000;

function detailText(status: InstanceStatus['SystemStatus']): string {
  const failed = (status?.Details ?? []).filter((d) => d.Status && d.Status !== 'passed');
  return failed.length > 0 ? ` (${failed.map((d) => `${d.Name} ${d.Status}`).join(', ')})` : '';
}

function label(id: string, names: Map<string, string>): string {
  const name = names.get(id);
  return name ? `${id} (${name})` : id;
}

/** Checks one region: one DescribeInstanceStatus page per 1,000 instances, plus lookups for problems only. */
export async function checkEc2Region(
  account: AwsAccount,
  region: string,
  config: AwsConfig['ec2'],
  signal: AbortSignal,
  logger: Logger,
): Promise<Ec2CheckResult> {
  const client = account.ec2(region);
  let calls = 0;
  const statuses: InstanceStatus[] = [];
  for await (const page of untilStuck(
    paginateDescribeInstanceStatus(
      { client, pageSize: PAGE },
      { IncludeAllInstances: true },
      // paginators take the abort signal through the command options of each page
    ),
    (p) => p.NextToken,
  )) {
    calls++;
    if (signal.aborted) throw signal.reason;
    statuses.push(...(page.InstanceStatuses ?? []));
  }

  const states: Record<string, number> = {};
  type Problem = {
    id: string;
    kind: Ec2FindingKind;
    severity: Finding['severity'];
    title: string;
    evidence: string;
    suffix: string;
  };
  const problems: Problem[] = [];
  let impaired = 0;
  const expectedIds = new Set(config.expectRunning.instanceIds);
  for (const s of statuses) {
    const id = s.InstanceId;
    if (!id) continue;
    const state = s.InstanceState?.Name ?? 'unknown';
    states[state] = (states[state] ?? 0) + 1;
    const sys = s.SystemStatus?.Status;
    const inst = s.InstanceStatus?.Status;
    const facts = `state ${state}; system status ${sys ?? 'unknown'}${detailText(s.SystemStatus)}; instance status ${inst ?? 'unknown'}${detailText(s.InstanceStatus)}; region ${region}`;
    if (sys === 'impaired' || inst === 'impaired') impaired++;
    if (sys === 'impaired') {
      problems.push({
        id,
        kind: 'system-impaired',
        severity: 'critical',
        title: 'system status check impaired',
        evidence: facts,
        suffix: 'system',
      });
    }
    if (inst === 'impaired') {
      problems.push({
        id,
        kind: 'instance-impaired',
        severity: 'critical',
        title: 'instance status check impaired',
        evidence: facts,
        suffix: 'instance',
      });
    }
    if (config.scheduledEvents) {
      for (const event of s.Events ?? []) {
        const description = event.Description ?? '';
        if (/^\[(Completed|Canceled)\]/.test(description)) continue;
        const code = event.Code ?? 'event';
        problems.push({
          id,
          kind: 'scheduled-event',
          severity: 'warning',
          title: `scheduled ${code} from ${isoTime(event.NotBefore)}`,
          evidence: `${description || code}; not before ${isoTime(event.NotBefore)}${event.NotAfter ? `, not after ${isoTime(event.NotAfter)}` : ''}; ${facts}`,
          suffix: `event:${code}`,
        });
      }
    }
    if (expectedIds.has(id) && (state === 'stopped' || state === 'stopping')) {
      problems.push({
        id,
        kind: 'stopped',
        severity: 'critical',
        title: `${state} but should be running`,
        evidence: `${facts}; listed in ec2.expectRunning.instanceIds`,
        suffix: 'stopped',
      });
    }
  }

  const names = new Map<string, string>();
  const tagEntries = Object.entries(config.expectRunning.tags);
  if (tagEntries.length > 0) {
    const filters = [
      ...tagEntries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
      { Name: 'instance-state-name', Values: ['stopped', 'stopping'] },
    ];
    for await (const page of untilStuck(
      paginateDescribeInstances({ client, pageSize: PAGE }, { Filters: filters }),
      (p) => p.NextToken,
    )) {
      calls++;
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const id = instance.InstanceId;
        if (!id || expectedIds.has(id)) continue;
        const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
        if (name) names.set(id, name);
        const state = instance.State?.Name ?? 'stopped';
        const wanted = tagEntries.map(([k, v]) => `${k}=${v}`).join(', ');
        problems.push({
          id,
          kind: 'stopped',
          severity: 'critical',
          title: `${state} but should be running`,
          evidence: `state ${state}${instance.StateReason?.Message ? ` (${instance.StateReason.Message})` : ''}; tagged ${wanted} (ec2.expectRunning.tags); region ${region}`,
          suffix: 'stopped',
        });
      }
    }
  }

  // Names of the few problem instances, for people; never fails the check.
  const unnamed = [...new Set(problems.map((p) => p.id))].filter((id) => !names.has(id));
  for (const ids of chunks(unnamed, 200)) {
    try {
      calls++;
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: ids }), {
        abortSignal: signal,
      });
      for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
        if (instance.InstanceId && name) names.set(instance.InstanceId, name);
      }
    } catch (error) {
      logger.debug({ err: error, region }, 'could not read names of problem instances');
    }
  }

  const findings = problems.map((p): Finding => {
    const data: Ec2FindingData = {
      service: 'ec2',
      kind: p.kind,
      account: account.name,
      region,
      instanceId: p.id,
    };
    const name = names.get(p.id);
    if (name) data.name = name;
    return {
      key: `aws:ec2:${account.name}:${region}:${p.id}:${p.suffix}`,
      severity: p.severity,
      resource: `ec2:${p.id}`,
      title: `EC2 ${label(p.id, names)} ${p.title}`,
      evidence: p.evidence,
      data,
    };
  });
  return { findings, regions: [{ account: account.name, region, states, impaired }], calls };
}
