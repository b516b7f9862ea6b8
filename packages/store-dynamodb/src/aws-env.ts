import { join } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

/** An environment as the runtime passes it. */
type Env = Readonly<Record<string, string | undefined>>;

/** AWS credentials as the SDK takes them. */
export interface AwsEnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * The endpoint `env` names for a service: `AWS_ENDPOINT_URL_<SERVICE_ID>` (the SDK's service id
 * upper-cased, spaces as `_`, e.g. BEDROCK_RUNTIME), then `AWS_ENDPOINT_URL`; none when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
 */
export function awsEnvEndpoint(env: Env, serviceSuffix: string): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return env[`AWS_ENDPOINT_URL_${serviceSuffix}`] || env.AWS_ENDPOINT_URL || undefined;
}

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Credentials from `env`, never from `process.env` when they differ: static keys when
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set; otherwise the SDK's default chain with
 * the profile (`AWS_PROFILE`, else `default`), shared files (`AWS_SHARED_CREDENTIALS_FILE`,
 * `AWS_CONFIG_FILE`, else under `HOME`) and web identity that `env` names. Naming the profile
 * makes the chain skip the process's own keys; container and instance roles are the machine's.
 */
export function awsEnvCredentials(env: Env): {
  credentials: AwsEnvCredentials | (() => Promise<AwsEnvCredentials>);
  source: string;
} {
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
      : 'the AWS SDK default chain (profile default, then instance or task role)',
  };
}
