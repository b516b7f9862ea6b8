import { AmplifyClient } from '@aws-sdk/client-amplify';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { OpsAgentError } from '@opsagent/core';
import type { AwsAccountConfig } from './config.js';

/** AWS credentials as the SDK takes them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A function the SDK calls for credentials (it caches until `expiration`). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Services with a client in {@link AwsAccount}. */
export type AwsService =
  | 'ec2'
  | 'logs'
  | 'amplify'
  | 'sts'
  | 'ecs'
  | 'rds'
  | 'lambda'
  | 'cloudwatch'
  | 'sesv2';

/** Options shared by every client of an account. */
export interface AwsClientOptions {
  /** Explicit credentials (tests); default the SDK's default chain, or the assumed role. */
  credentials?: AwsCredentials | AwsCredentialProvider;
  /**
   * Endpoint by service. Clients never read endpoints from `process.env` or the shared config
   * file themselves: `createAwsAccounts` fills these from the injected env.
   */
  endpoints?: Partial<Record<AwsService, string | undefined>>;
  /** Attempts per call (standard retry mode: backoff with jitter on throttling). */
  maxAttempts?: number;
  /** Region for account-wide calls (DescribeRegions, STS); default AWS_REGION, else us-east-1. */
  defaultRegion?: string;
}

/** STS AssumeRole as a cached credential provider: renews five minutes before expiry. */
export function assumeRoleCredentials(
  sts: STSClient,
  roleArn: string,
  externalId?: string,
): AwsCredentialProvider {
  let cached: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60_000) return cached;
    pending ??= (async () => {
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'opsagent',
            DurationSeconds: 3600,
            ...(externalId ? { ExternalId: externalId } : {}),
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) {
          throw new OpsAgentError(
            'AWS_ASSUME_ROLE_EMPTY',
            `AssumeRole ${roleArn} returned no credentials`,
            {
              category: 'third-party',
            },
          );
        }
        cached = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          ...(c.Expiration ? { expiration: c.Expiration } : {}),
        };
        return cached;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

type ClientClass<C> = new (config: {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials | AwsCredentialProvider;
  maxAttempts?: number;
  retryMode?: string;
  ignoreConfiguredEndpointUrls?: boolean;
}) => C;

/**
 * One AWS account: SDK clients created lazily, one per service and region, sharing credentials
 * (the default chain, or a role assumed with STS). Regions come from config, else DescribeRegions.
 */
export class AwsAccount {
  readonly name: string;
  private readonly clients = new Map<string, { destroy(): void }>();
  private readonly credentials: AwsCredentials | AwsCredentialProvider | undefined;
  private regionList: Promise<string[]> | undefined;
  readonly defaultRegion: string;

  constructor(
    readonly config: AwsAccountConfig,
    private readonly options: AwsClientOptions & { regions?: string[] | undefined } = {},
  ) {
    this.name = config.name;
    this.defaultRegion =
      options.defaultRegion ?? config.regions?.[0] ?? options.regions?.[0] ?? 'us-east-1';
    if (config.roleArn) {
      const sts = this.client('sts', STSClient, this.defaultRegion, options.credentials, 'base');
      this.credentials = assumeRoleCredentials(sts, config.roleArn, config.externalId);
    } else {
      this.credentials = options.credentials;
    }
  }

  private client<C extends { destroy(): void }>(
    service: AwsService,
    Class: ClientClass<C>,
    region: string,
    credentials = this.credentials,
    variant = '',
  ): C {
    const key = `${service}:${region}:${variant}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const endpoint = this.options.endpoints?.[service];
      client = new Class({
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: this.options.maxAttempts ?? 5,
        retryMode: 'standard',
        // The endpoint comes from config or the injected env, never from process.env.
        ignoreConfiguredEndpointUrls: true,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  ec2(region: string): EC2Client {
    return this.client('ec2', EC2Client, region);
  }
  logs(region: string): CloudWatchLogsClient {
    return this.client('logs', CloudWatchLogsClient, region);
  }
  amplify(region: string): AmplifyClient {
    return this.client('amplify', AmplifyClient, region);
  }
  ecs(region: string): ECSClient {
    return this.client('ecs', ECSClient, region);
  }
  rds(region: string): RDSClient {
    return this.client('rds', RDSClient, region);
  }
  lambda(region: string): LambdaClient {
    return this.client('lambda', LambdaClient, region);
  }
  cloudwatch(region: string): CloudWatchClient {
    return this.client('cloudwatch', CloudWatchClient, region);
  }
  /** STS with this account's credentials (the assumed role, when there is one). */
  sts(region: string = this.defaultRegion): STSClient {
    return this.client('sts', STSClient, region);
  }
  sesv2(region: string): SESv2Client {
    return this.client('sesv2', SESv2Client, region);
  }

  /** The regions to watch: from config, else DescribeRegions (asked once; retried after a failure). */
  regions(signal?: AbortSignal): Promise<string[]> {
    const configured = this.config.regions ?? this.options.regions;
    if (configured) return Promise.resolve(configured);
    this.regionList ??= this.ec2(this.defaultRegion)
      .send(new DescribeRegionsCommand({}), { abortSignal: signal })
      .then((out) =>
        (out.Regions ?? [])
          .map((r) => r.RegionName)
          .filter((name): name is string => typeof name === 'string')
          .sort(),
      )
      .catch((error: unknown) => {
        this.regionList = undefined;
        throw error;
      });
    return this.regionList;
  }

  /** Region for a call that names none: the first region of the account. */
  async firstRegion(signal?: AbortSignal): Promise<string> {
    const configured = this.config.regions?.[0] ?? this.options.regions?.[0];
    if (configured) return configured;
    return (await this.regions(signal))[0] ?? this.defaultRegion;
  }

  /** Destroys every client (closes sockets). */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/** The accounts of a config, by name; the first is the default. */
export class AwsAccounts {
  readonly list: AwsAccount[];
  constructor(accounts: AwsAccount[]) {
    if (accounts.length === 0)
      throw new OpsAgentError('AWS_NO_ACCOUNT', 'no AWS account configured', { category: 'user' });
    this.list = accounts;
  }
  /** The named account, or the first when no name is given. */
  get(name?: string): AwsAccount {
    if (name === undefined) return this.list[0] as AwsAccount;
    const found = this.list.find((account) => account.name === name);
    if (!found) {
      throw new OpsAgentError(
        'AWS_ACCOUNT_UNKNOWN',
        `unknown AWS account "${name}"; configured: ${this.list.map((a) => a.name).join(', ')}`,
        { category: 'user' },
      );
    }
    return found;
  }
  destroy(): void {
    for (const account of this.list) account.destroy();
  }
}
