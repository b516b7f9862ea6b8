import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  type Clock,
  definePlugin,
  errorMessage,
  type HealthCheck,
  type Plugin,
  type Remediation,
  systemClock,
  type Tool,
} from '@opsagent/core';
import { z } from 'zod';
import { AWS_ENDPOINT_ENV_SUFFIX, type Env, envCredentials, envEndpoint } from './aws-env.js';
import { AwsAccount, AwsAccounts, type AwsClientOptions, type AwsService } from './clients.js';
import { type AwsConfig, awsConfigSchema } from './config.js';
import { createSesEmailChannel } from './notify/email.js';
import { createAwsRemediations, type VerifyTiming } from './remediations/index.js';
import { createAmplifySource, createEc2Source, createLogsSource } from './source.js';
import { createAmplifyTools } from './tools/amplify.js';
import { createEc2Tools } from './tools/ec2.js';
import { createLogsTools } from './tools/logs.js';
import {
  createCloudWatchTools,
  createEcsTools,
  createLambdaTools,
  createRdsTools,
} from './tools/more.js';

/** Seams of {@link createAwsPlugin}, for tests and embedders. */
export interface AwsPluginOverrides {
  /** Credentials, endpoints and attempts for every client (tests); default the SDK's chain and env. */
  clients?: AwsClientOptions;
  /** Time source; default the wall clock. */
  clock?: Clock;
  /** Timing of remediation verification. */
  verify?: VerifyTiming;
}

/**
 * Builds the accounts of a config. Everything comes from `config`, `options` and `env` (the
 * runtime's env), never from `process.env` when it differs: per service, the endpoint is
 * `options.endpoints`, then `config.endpoints`, then `AWS_ENDPOINT_URL_<SERVICE_ID>`, then
 * `AWS_ENDPOINT_URL`; credentials are `options.credentials`, else {@link envCredentials}.
 */
export function createAwsAccounts(
  config: AwsConfig,
  options: AwsClientOptions = {},
  env: Env = process.env,
): AwsAccounts {
  const endpoints: Partial<Record<AwsService, string>> = {};
  for (const [service, suffix] of Object.entries(AWS_ENDPOINT_ENV_SUFFIX) as Array<
    [AwsService, string]
  >) {
    const endpoint =
      options.endpoints?.[service] || config.endpoints[service] || envEndpoint(env, suffix);
    if (endpoint) endpoints[service] = endpoint;
  }
  const credentials = options.credentials ?? envCredentials(env).credentials;
  return new AwsAccounts(
    config.accounts.map(
      (account) =>
        new AwsAccount(account, {
          ...options,
          credentials,
          endpoints,
          maxAttempts: options.maxAttempts ?? config.maxAttempts,
          regions: config.regions,
          defaultRegion:
            options.defaultRegion ??
            config.regions?.[0] ??
            env.AWS_REGION ??
            env.AWS_DEFAULT_REGION,
        }),
    ),
  );
}

/** `opsagent doctor` checks: the credentials of each account work (STS GetCallerIdentity). */
export function createAwsHealthChecks(
  accounts: AwsAccounts,
  credentialSource?: string,
): HealthCheck[] {
  return accounts.list.map((account) => ({
    name: `aws ${account.name}`,
    async run({ signal }) {
      try {
        const who = await account
          .sts()
          .send(new GetCallerIdentityCommand({}), { abortSignal: signal });
        const from = credentialSource && !account.config.roleArn ? ` (${credentialSource})` : '';
        return { status: 'ok' as const, detail: `account ${who.Account} as ${who.Arn}${from}` };
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        const fix =
          name === 'CredentialsProviderError'
            ? 'no credentials found: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run aws sso login, or run with an instance/task role'
            : account.config.roleArn
              ? `could not assume ${account.config.roleArn}: check its trust policy and externalId`
              : 'the credentials were refused: check they are current';
        return { status: 'fail' as const, detail: `${fix} (${name}: ${errorMessage(error)})` };
      }
    },
  }));
}

/** The read-only AWS tools for the services `config.tools.services` lists (for any preset). */
export function createAwsTools(
  accounts: AwsAccounts,
  config: AwsConfig,
  clock: Clock = systemClock,
): Tool[] {
  if (!config.tools.enabled) return [];
  const now = () => clock.now().getTime();
  const services = new Set(config.tools.services);
  return [
    ...(services.has('ec2') ? createEc2Tools(accounts) : []),
    ...(services.has('logs') ? createLogsTools(accounts, now) : []),
    ...(services.has('amplify') ? createAmplifyTools(accounts) : []),
    ...(services.has('ecs') ? createEcsTools(accounts) : []),
    ...(services.has('rds') ? createRdsTools(accounts) : []),
    ...(services.has('lambda') ? createLambdaTools(accounts, now) : []),
    ...(services.has('cloudwatch') ? createCloudWatchTools(accounts, now) : []),
  ];
}

/**
 * The `aws` plugin with injected seams: the `aws-ec2`, `aws-amplify` and `aws-logs` sources, the
 * read-only AWS tools and the remediations the config offers.
 */
export function createAwsPlugin(
  overrides: AwsPluginOverrides = {},
): Plugin<typeof awsConfigSchema> {
  return definePlugin({
    name: 'aws',
    configSchema: awsConfigSchema,
    setup({ config, env, values }) {
      const fromEnv = overrides.clients?.credentials ? undefined : envCredentials(env);
      const accounts = createAwsAccounts(
        config,
        { ...overrides.clients, ...(fromEnv ? { credentials: fromEnv.credentials } : {}) },
        env,
      );
      const credentialSource = fromEnv?.source ?? 'given credentials';
      const clock = overrides.clock ?? systemClock;
      const options = { accounts, config, clock, ...(values ? { values } : {}) };
      const remediations: Remediation[] = createAwsRemediations(
        accounts,
        overrides.verify ?? {
          initialDelayMs: config.verify.initialDelay,
          pollMs: config.verify.poll,
          timeoutMs: config.verify.timeout,
        },
        values,
      ).filter((r) => (config.remediations as string[]).includes(r.name));
      return {
        sources: [
          ...(config.ec2.enabled ? [createEc2Source(options)] : []),
          ...(config.amplify.enabled ? [createAmplifySource(options)] : []),
          ...(config.logs.groups.length > 0 ? [createLogsSource(options)] : []),
        ],
        tools: createAwsTools(accounts, config, clock),
        remediations,
        checks: createAwsHealthChecks(accounts, credentialSource),
        dispose: async () => accounts.destroy(),
      };
    },
  });
}

/** The `aws` plugin: EC2, Amplify and CloudWatch Logs checks, read-only tools, remediations. */
export const awsPlugin: Plugin<typeof awsConfigSchema> = createAwsPlugin();

/** Config section of the `aws-email` plugin. */
export const awsEmailConfigSchema = z
  .strictObject({
    from: z
      .string()
      .min(3)
      .optional()
      .describe(
        'Verified SES sender, e.g. "opsagent <ops@example.com>"; without it there is no email channel.',
      ),
    to: z
      .array(z.email())
      .default([])
      .describe('Recipients of notifications routed to chat "default".'),
    region: z.string().optional().describe('SES region; default AWS_REGION.'),
    endpoint: z
      .url()
      .optional()
      .describe(
        'SES endpoint override; default AWS_ENDPOINT_URL_SESV2, then AWS_ENDPOINT_URL, from the env.',
      ),
    subjectPrefix: z.string().default('[opsagent]'),
    configurationSet: z.string().optional(),
  })
  .describe('E-mail notifications through Amazon SES v2 (outbound only).');

/** The `aws-email` plugin: an outbound `email` channel through SES v2. */
export function createAwsEmailPlugin(
  overrides: { clients?: AwsClientOptions } = {},
): Plugin<typeof awsEmailConfigSchema> {
  return definePlugin({
    name: 'aws-email',
    configSchema: awsEmailConfigSchema,
    setup({ config, env, logger }) {
      if (!config.from) {
        logger.debug('no plugins.aws-email.from: no email channel');
        return {};
      }
      const from = config.from;
      const endpoint =
        config.endpoint ??
        overrides.clients?.endpoints?.sesv2 ??
        envEndpoint(env, AWS_ENDPOINT_ENV_SUFFIX.sesv2);
      const client = new SESv2Client({
        region: config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        credentials: overrides.clients?.credentials ?? envCredentials(env).credentials,
        ignoreConfiguredEndpointUrls: true,
      });
      return {
        channels: [
          createSesEmailChannel({
            client,
            from,
            to: config.to,
            subjectPrefix: config.subjectPrefix,
            ...(config.configurationSet ? { configurationSet: config.configurationSet } : {}),
          }),
        ],
        dispose: async () => client.destroy(),
      };
    },
  });
}

/** The `aws-email` plugin with the SDK's default credentials. */
export const awsEmailPlugin: Plugin<typeof awsEmailConfigSchema> = createAwsEmailPlugin();
