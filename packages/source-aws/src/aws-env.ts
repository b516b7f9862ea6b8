import { join } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
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
export function envEndpoint(env: Env, suffix: string): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return env[`AWS_ENDPOINT_URL_${suffix}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** Credentials resolved from an injected environment, and where they come from (for `doctor`). */
export interface EnvCredentials {
  credentials: AwsCredentials | AwsCredentialProvider;
  /** `AWS_ACCESS_KEY_ID`, `profile prod`, or `the default chain (profile default)`. */
  source: string;
}

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Credentials from `env`, never from `process.env` when they differ: static keys when
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set (with `AWS_SESSION_TOKEN`); otherwise
 * the SDK's default chain with the profile (`AWS_PROFILE`, else `default`), shared files
 * (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, else under `HOME`) and web identity
 * (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`) that `env` names. Naming the profile makes the
 * chain skip the process's own `AWS_ACCESS_KEY_ID`. The last links (container and instance
 * roles) belong to the machine.
 */
export function envCredentials(env: Env): EnvCredentials {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      },
      source: 'AWS_ACCESS_KEY_ID',
    };
  }
  const profile = env.AWS_PROFILE || 'default';
  const home = env.HOME || env.USERPROFILE;
  const filepath =
    env.AWS_SHARED_CREDENTIALS_FILE || (home ? join(home, '.aws', 'credentials') : undefined);
  const configFilepath = env.AWS_CONFIG_FILE || (home ? join(home, '.aws', 'config') : undefined);
  const chain = defaultProvider({
    // The SDK warns when the process has keys and a profile is named; these keys are not used.
    logger: QUIET,
    profile,
    ...(filepath ? { filepath } : {}),
    ...(configFilepath ? { configFilepath } : {}),
    ...(env.AWS_WEB_IDENTITY_TOKEN_FILE
      ? { webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE }
      : {}),
    ...(env.AWS_ROLE_ARN ? { roleArn: env.AWS_ROLE_ARN } : {}),
    ...(env.AWS_ROLE_SESSION_NAME ? { roleSessionName: env.AWS_ROLE_SESSION_NAME } : {}),
  });
  return {
    credentials: async () => {
      const c = await chain();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        ...(c.expiration ? { expiration: c.expiration } : {}),
      };
    },
    source: env.AWS_PROFILE
      ? `profile ${profile}`
      : 'the default chain (profile default, then instance or task role)',
  };
}
