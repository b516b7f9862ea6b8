import { join } from 'node:path';

/**
 * AWS settings read from the environment the runtime injects (createAgent's `env`), never from
 * `process.env` when the two differ: two agents in one process can use two accounts. Shared by
 * every package that builds AWS SDK clients; SDK-free, so the SDK's credential chain is passed in.
 */

/** An environment as the runtime passes it to plugins and stores. */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/** AWS credentials as the SDK takes them. */
export interface AwsEnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** What the SDK's `defaultProvider` (@aws-sdk/credential-provider-node) takes, of what we set. */
export interface AwsChainInit {
  logger: {
    debug(...a: unknown[]): void;
    info(...a: unknown[]): void;
    warn(...a: unknown[]): void;
    error(...a: unknown[]): void;
  };
  profile: string;
  filepath?: string;
  configFilepath?: string;
  webIdentityTokenFile?: string;
  roleArn?: string;
  roleSessionName?: string;
}

/** The SDK's `defaultProvider`, or anything shaped like it. */
export type AwsDefaultProvider = (init: AwsChainInit) => () => Promise<AwsEnvCredentials>;

/** Credentials resolved from an environment, and where they come from (for `doctor`). */
export interface AwsEnvCredentialResult {
  credentials: AwsEnvCredentials | (() => Promise<AwsEnvCredentials>);
  /** `AWS_ACCESS_KEY_ID`, `profile prod`, or `the default chain (…)`. */
  source: string;
}

/**
 * The endpoint `env` names for a service: `AWS_ENDPOINT_URL_<SERVICE_ID>` (the SDK's service id
 * upper-cased, spaces as `_`: EC2, CLOUDWATCH_LOGS, BEDROCK_RUNTIME, DYNAMODB…), then
 * `AWS_ENDPOINT_URL`; none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
 */
export function awsEnvEndpoint(env: AwsEnv, serviceSuffix: string): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return env[`AWS_ENDPOINT_URL_${serviceSuffix}`] || env.AWS_ENDPOINT_URL || undefined;
}

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Credentials from `env`: static keys when `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set
 * (with `AWS_SESSION_TOKEN`); otherwise `defaultProvider` (the SDK's chain) with the profile
 * (`AWS_PROFILE`, else `default`), shared files (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`,
 * else under the env's `HOME`) and web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`)
 * that `env` names. Naming the profile makes the chain skip the process's own keys; the last
 * links (container and instance roles) belong to the machine.
 */
export function awsEnvCredentials(
  env: AwsEnv,
  defaultProvider: AwsDefaultProvider,
): AwsEnvCredentialResult {
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
    // The SDK warns when the process has keys and a profile is named; those keys are not used.
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
