import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { awsEnvCredentials, awsEnvEndpoint } from '@opsagent/core';
import type { AwsCredentialProvider, AwsCredentials } from './clients.js';

/** An environment as the runtime passes it to plugins. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The SDK service id of each client, upper-cased with `_` for spaces: the suffix of
 * `AWS_ENDPOINT_URL_<SERVICE_ID>` (the SDK's own naming rule, e.g. "CloudWatch Logs" -> CLOUDWATCH_LOGS).
 */
export const AWS_ENDPOINT_ENV_SUFFIX = {
  ec2: 'EC2',
  logs: 'CLOUDWATCH_LOGS',
  amplify: 'AMPLIFY',
  sts: 'STS',
  ecs: 'ECS',
  rds: 'RDS',
  lambda: 'LAMBDA',
  cloudwatch: 'CLOUDWATCH',
  sesv2: 'SESV2',
} as const;

/**
 * The endpoint `env` names for a service: `AWS_ENDPOINT_URL_<SERVICE_ID>`, then
 * `AWS_ENDPOINT_URL`; none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
 */
export const envEndpoint: (env: Env, suffix: string) => string | undefined = awsEnvEndpoint;

/** Credentials resolved from an injected environment, and where they come from (for `doctor`). */
export interface EnvCredentials {
  credentials: AwsCredentials | AwsCredentialProvider;
  /** `AWS_ACCESS_KEY_ID`, `profile prod`, or `the default chain (profile default)`. */
  source: string;
}

/** Credentials from `env` (see `awsEnvCredentials` in @opsagent/core), with the SDK's chain. */
export function envCredentials(env: Env): EnvCredentials {
  return awsEnvCredentials(env, defaultProvider);
}
