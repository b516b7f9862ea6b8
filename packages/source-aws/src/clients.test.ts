import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AwsAccount, AwsAccounts, assumeRoleCredentials } from './clients.js';

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
afterEach(() => {
  sts.reset();
  ec2.reset();
});
afterAll(() => {
  sts.restore();
  ec2.restore();
});

describe('AWS accounts and clients', () => {
  it('assumes a role once and reuses the credentials until five minutes before expiry', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(Date.now() + 3600_000),
      },
    });
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-east-1' }),
      'arn:aws:iam::123456789012:role/ops',
      'ext-1',
    );
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a).toEqual(b);
    expect(a.accessKeyId).toBe('ASIA1');
    await provider();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: 'arn:aws:iam::123456789012:role/ops',
      ExternalId: 'ext-1',
      RoleSessionName: 'opsagent',
    });
  });

  it('a role that yields no credentials is a clear error', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    const provider = assumeRoleCredentials(
      new STSClient({ region: 'us-east-1' }),
      'arn:aws:iam::123456789012:role/ops',
    );
    await expect(provider()).rejects.toMatchObject({ code: 'AWS_ASSUME_ROLE_EMPTY' });
  });

  it('creates clients lazily, one per region, and asks DescribeRegions once', async () => {
    ec2
      .on(DescribeRegionsCommand)
      .resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }] });
    const account = new AwsAccount(
      { name: 'default' },
      { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    );
    expect(account.ec2('eu-west-1')).toBe(account.ec2('eu-west-1'));
    expect(account.ec2('eu-west-1')).not.toBe(account.ec2('us-east-1'));
    expect(await account.regions()).toEqual(['eu-west-1', 'us-east-1']);
    expect(await account.regions()).toEqual(['eu-west-1', 'us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(1);
    const configured = new AwsAccount({ name: 'x', regions: ['ap-south-1'] });
    expect(await configured.regions()).toEqual(['ap-south-1']);
  });

  it('an unknown account name is a user error listing the configured ones', () => {
    const accounts = new AwsAccounts([
      new AwsAccount({ name: 'prod' }),
      new AwsAccount({ name: 'dev' }),
    ]);
    expect(accounts.get().name).toBe('prod');
    expect(() => accounts.get('stage')).toThrow(
      'unknown AWS account "stage"; configured: prod, dev',
    );
  });
});

describe('aws doctor check', () => {
  it('names the account and ARN, or says how to provide credentials', async () => {
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const { createAwsHealthChecks } = await import('./plugin.js');
    const accounts = new AwsAccounts([
      new AwsAccount({ name: 'prod' }, { credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    ]);
    const [check] = createAwsHealthChecks(accounts);
    const ctx = {
      signal: new AbortController().signal,
      logger: (await import('@opsagent/core')).silentLogger,
    };
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
    expect(await check?.run(ctx)).toEqual({
      status: 'ok',
      detail: 'account 123456789012 as arn:aws:iam::123456789012:user/ops',
    });
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const failed = await check?.run(ctx);
    expect(failed?.status).toBe('fail');
    expect(failed?.detail).toContain('set AWS_PROFILE');
    expect(check?.name).toBe('aws prod');
  });
});
