import { describe, expect, it } from 'vitest';
import { testConfig } from './__fixtures__/support.js';
import { awsIamPolicy } from './iam-policy.js';

describe('awsIamPolicy', () => {
  it('allows exactly what the config enables', () => {
    const policy = awsIamPolicy(
      testConfig({
        regions: ['eu-west-1'],
        tools: { enabled: false },
        amplify: { enabled: false },
        remediations: ['reboot_instance'],
        logs: { groups: [{ name: '/app/api', region: 'eu-west-1' }] },
        accounts: [{ name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/opsagent' }],
      }),
    );
    expect(policy.Statement).toEqual([
      {
        Sid: 'Ec2Read',
        Effect: 'Allow',
        Action: ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'],
        Resource: '*',
      },
      {
        Sid: 'Ec2Remediate',
        Effect: 'Allow',
        Action: ['ec2:RebootInstances'],
        Resource: 'arn:aws:ec2:*:*:instance/*',
      },
      {
        Sid: 'LogsWatch',
        Effect: 'Allow',
        Action: ['logs:FilterLogEvents'],
        Resource: ['arn:aws:logs:eu-west-1:*:log-group:/app/api:*'],
      },
      {
        Sid: 'AssumeAccountRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::123456789012:role/opsagent'],
      },
    ]);
    expect(JSON.stringify(policy)).not.toContain('DescribeRegions');
  });

  it('the defaults add DescribeRegions, every tool service, Amplify StartJob and SES when e-mail is on', () => {
    const policy = awsIamPolicy(testConfig({}), { emailFrom: 'opsagent <ops@example.com>' });
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const action of [
      'ec2:DescribeRegions',
      'ec2:GetConsoleOutput',
      'amplify:StartJob',
      'amplify:GetJob',
      'ecs:DescribeTasks',
      'rds:DescribeEvents',
      'lambda:ListFunctions',
      'cloudwatch:GetMetricStatistics',
      'logs:FilterLogEvents',
      'ses:SendEmail',
      'ec2:StartInstances',
    ]) {
      expect(actions).toContain(action);
    }
    expect(actions).not.toContain('amplify:StartDeployment');
    expect(policy.Statement.find((s) => s.Sid === 'SesSend')?.Resource).toEqual([
      'arn:aws:ses:*:*:identity/ops@example.com',
      'arn:aws:ses:*:*:identity/example.com',
    ]);
    expect(actions.every((a) => !a.includes('*'))).toBe(true);
  });
});
