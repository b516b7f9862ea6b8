import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FakeAws,
  startFakeAws,
  startFakeSlackServer,
  startFakeSlackSocketServer,
} from '@opsagent/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAwsWorld } from '../fixtures/aws-world.js';
import { cliEnv, runCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-aws-'));
let fake: FakeAws;

beforeAll(async () => {
  fake = await startFakeAws();
  seedAwsWorld(fake);
  writeFileSync(
    join(dir, 'opsagent.yaml'),
    [
      'preset: aws-monitor',
      'plugins:',
      '  aws:',
      '    logs:',
      '      groups: [{ name: /ecs/api }]',
      '  aws-email:',
      '    from: ops@example.com',
      '    to: [oncall@example.com]',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI asynchronously, so the fake in this process keeps serving. */
function opsagent(args: string[], env: Record<string, string>, cwd = dir) {
  return runCli(args, { cwd, env: cliEnv(dir, env) });
}

const awsEnv = () => ({
  AWS_ENDPOINT_URL_EC2: fake.url,
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: fake.url,
  AWS_ENDPOINT_URL_AMPLIFY: fake.url,
  AWS_ACCESS_KEY_ID: 'AKIDFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake-secret',
  AWS_REGION: 'eu-west-1',
});

describe('opsagent with the aws-monitor preset', () => {
  it('status shows the impaired instance, the failed build and the error templates', async () => {
    const { code, stdout, stderr } = await opsagent(
      ['status', '--preset', 'aws-monitor'],
      awsEnv(),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('i-0bad2222');
    expect(stdout).toContain('api-1');
    expect(stdout).toMatch(/system status check impaired/);
    expect(stdout).toMatch(/main.*job 42 FAILED/);
    expect(stdout).toContain('Connection refused to <*>');
    expect(stdout).toMatch(/Payment <\*> declined: card expired/);
    expect(fake.count('DescribeRegions')).toBe(1);
  });

  it('status fails clearly, naming the service, when AWS refuses the credentials', async () => {
    fake.fail('DescribeInstanceStatus', 1, {
      code: 'AuthFailure',
      status: 401,
      message: 'AWS was not able to validate the provided access credentials',
    });
    const { stdout, stderr } = await opsagent(['status', '--preset', 'aws-monitor'], awsEnv());
    expect(`${stdout}${stderr}`).toContain(
      'AWS was not able to validate the provided access credentials',
    );
    expect(`${stdout}${stderr}`).not.toContain('fake-secret');
  });

  it('init writes a template that validates, and its IAM policy needs DescribeRegions (no regions set)', async () => {
    const cwd = mkdtempSync(join(dir, 'init-'));
    const init = await opsagent(['init', '--preset', 'aws-monitor'], {}, cwd);
    expect(init.code).toBe(0);
    const policy = await opsagent(['aws', 'iam-policy'], {}, cwd);
    expect(policy.stderr).toBe('');
    expect(policy.stdout).toContain('ec2:DescribeRegions');
    expect(policy.stdout).not.toContain('ses:SendEmail');
  });

  it('aws iam-policy prints the policy for the config, including SES for the e-mail sender', async () => {
    const { code, stdout } = await opsagent(['aws', 'iam-policy'], {});
    expect(code).toBe(0);
    const policy = JSON.parse(stdout) as { Statement: Array<{ Sid: string; Action: string[] }> };
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'ec2:DescribeInstanceStatus',
        'amplify:ListJobs',
        'logs:FilterLogEvents',
        'ec2:RebootInstances',
        'amplify:StartJob',
        'ses:SendEmail',
      ]),
    );
  });
});

describe('aws-monitor with a plugins.slack section', () => {
  it('sends its alerts to a Slack channel', async () => {
    const aws = await startFakeAws();
    seedAwsWorld(aws);
    const slack = await startFakeSlackServer({ botToken: 'xoxb-aws-monitor' });
    const socket = await startFakeSlackSocketServer();
    slack.setSocketUrl(socket.url);
    const folder = mkdtempSync(join(tmpdir(), 'opsagent-aws-slack-'));
    writeFileSync(
      join(folder, 'opsagent.yaml'),
      [
        'preset: aws-monitor',
        'store: { type: memory }',
        'monitor: { interval: 1s, openAfter: 1, triage: false }',
        'notifications:',
        '  routes:',
        '    - { channel: slack, to: { chat: C_ALERTS }, minSeverity: warning }',
        'plugins:',
        '  aws: { regions: [eu-west-1] }',
        '  slack: { mode: socket }',
      ].join('\n'),
    );
    const run = startCli(['run'], {
      cwd: folder,
      env: cliEnv(folder, {
        SLACK_BOT_TOKEN: 'xoxb-aws-monitor',
        SLACK_APP_TOKEN: 'xapp-aws-monitor',
        SLACK_API_URL: slack.url,
        ...aws.env(),
        AWS_REGION: 'eu-west-1',
      }),
    });
    try {
      await slack.waitFor(
        (calls) =>
          calls.some(
            (c) =>
              c.method === 'chat.postMessage' &&
              c.args.channel === 'C_ALERTS' &&
              JSON.stringify(c.args).includes('i-0bad2222'),
          ),
        30_000,
      );
    } finally {
      await run.stop();
      await socket.close();
      await slack.close();
      await aws.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
