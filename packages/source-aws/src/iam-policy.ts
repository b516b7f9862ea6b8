import type { AwsConfig } from './config.js';

/** One statement of an IAM policy document. */
export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

/** An IAM policy document. */
export interface IamPolicy {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

/** What else the policy must allow, outside the `aws` plugin's section. */
export interface IamPolicyExtras {
  /** SES sender identity when e-mail notifications are on, e.g. `ops@example.com`. */
  emailFrom?: string;
}

function logGroupArns(config: AwsConfig): string[] {
  return [
    ...new Set(
      config.logs.groups.map((g) => `arn:aws:logs:${g.region ?? '*'}:*:log-group:${g.name}:*`),
    ),
  ].sort();
}

/**
 * The least-privilege IAM policy for exactly what `config` enables: the checks, the read-only
 * tools of the listed services, the remediations offered, e-mail and assumed roles.
 */
export function awsIamPolicy(config: AwsConfig, extras: IamPolicyExtras = {}): IamPolicy {
  const statements: IamStatement[] = [];
  const add = (Sid: string, actions: string[], resource: string | string[] = '*') => {
    if (actions.length > 0)
      statements.push({
        Sid,
        Effect: 'Allow',
        Action: [...new Set(actions)].sort(),
        Resource: resource,
      });
  };
  const tools = config.tools.enabled ? new Set(config.tools.services) : new Set<string>();
  const ec2: string[] = [];
  if (!config.regions && config.accounts.some((a) => !a.regions)) ec2.push('ec2:DescribeRegions');
  if (config.ec2.enabled) ec2.push('ec2:DescribeInstanceStatus', 'ec2:DescribeInstances');
  if (tools.has('ec2'))
    ec2.push('ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ec2:GetConsoleOutput');
  add('Ec2Read', ec2);
  const ec2Write: string[] = [];
  if (config.remediations.includes('reboot_instance')) ec2Write.push('ec2:RebootInstances');
  if (config.remediations.includes('start_instance')) ec2Write.push('ec2:StartInstances');
  add('Ec2Remediate', ec2Write, 'arn:aws:ec2:*:*:instance/*');

  const amplify: string[] = [];
  if (config.amplify.enabled)
    amplify.push('amplify:ListApps', 'amplify:ListBranches', 'amplify:ListJobs');
  if (tools.has('amplify'))
    amplify.push('amplify:ListApps', 'amplify:ListBranches', 'amplify:ListJobs', 'amplify:GetJob');
  const amplifyWrite = config.remediations.filter((r) => r.startsWith('amplify_'));
  if (amplifyWrite.length > 0) amplify.push('amplify:ListJobs', 'amplify:GetJob');
  add('AmplifyRead', amplify);
  const writes: string[] = [];
  if (amplifyWrite.includes('amplify_retry_job') || amplifyWrite.includes('amplify_release_branch'))
    writes.push('amplify:StartJob');
  if (amplifyWrite.includes('amplify_start_deployment')) writes.push('amplify:StartDeployment');
  add('AmplifyRemediate', writes, 'arn:aws:amplify:*:*:apps/*/branches/*/jobs/*');

  if (tools.has('logs') || tools.has('lambda')) {
    add('LogsRead', ['logs:DescribeLogGroups', 'logs:FilterLogEvents']);
  } else if (config.logs.groups.length > 0) {
    add('LogsWatch', ['logs:FilterLogEvents'], logGroupArns(config));
  }
  if (tools.has('ecs'))
    add('EcsRead', [
      'ecs:ListClusters',
      'ecs:DescribeClusters',
      'ecs:ListServices',
      'ecs:DescribeServices',
      'ecs:ListTasks',
      'ecs:DescribeTasks',
    ]);
  if (tools.has('rds')) add('RdsRead', ['rds:DescribeDBInstances', 'rds:DescribeEvents']);
  if (tools.has('lambda')) add('LambdaRead', ['lambda:ListFunctions']);
  if (tools.has('cloudwatch')) add('CloudWatchRead', ['cloudwatch:GetMetricStatistics']);
  if (extras.emailFrom) {
    const domain = extras.emailFrom.replace(/^.*<|>$/g, '').split('@')[1] ?? '*';
    add(
      'SesSend',
      ['ses:SendEmail'],
      [
        `arn:aws:ses:*:*:identity/${extras.emailFrom.replace(/^.*<|>$/g, '')}`,
        `arn:aws:ses:*:*:identity/${domain}`,
      ],
    );
  }
  const roles = config.accounts
    .map((a) => a.roleArn)
    .filter((r): r is string => typeof r === 'string');
  if (roles.length > 0) add('AssumeAccountRoles', ['sts:AssumeRole'], roles);
  return { Version: '2012-10-17', Statement: statements };
}
