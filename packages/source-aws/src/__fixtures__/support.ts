import {
  createManualClock,
  type ManualClock,
  type SourceContext,
  silentLogger,
} from '@opsagent/core';
import type { FakeAws } from '@opsagent/testkit';
import { AwsAccount, AwsAccounts } from '../clients.js';
import { type AwsConfig, awsConfigSchema } from '../config.js';

/** A parsed config with test overrides. */
export function testConfig(overrides: Record<string, unknown> = {}): AwsConfig {
  return awsConfigSchema.parse(overrides);
}

/** Accounts whose clients talk to `fake` with dummy credentials and fast retries. */
export function fakeAccounts(fake: FakeAws, config: AwsConfig): AwsAccounts {
  const endpoints = {
    ec2: fake.url,
    logs: fake.url,
    amplify: fake.url,
    sesv2: fake.url,
    sts: fake.url,
  };
  return new AwsAccounts(
    config.accounts.map(
      (account) =>
        new AwsAccount(account, {
          credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
          endpoints,
          maxAttempts: config.maxAttempts,
          regions: config.regions,
        }),
    ),
  );
}

export function sourceContext(): SourceContext {
  return { signal: new AbortController().signal, logger: silentLogger };
}

export function testClock(start = '2026-11-21T12:00:00Z'): ManualClock {
  return createManualClock(new Date(start));
}
