import { z } from 'zod';

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1')
  .describe('An AWS region, e.g. eu-west-1.');

const durationMs = (what: string, fallback: number) =>
  z.number().int().min(0).default(fallback).describe(`${what}, in ms; default ${fallback}.`);

/** One AWS account to watch: the default credentials, or a role assumed from them. */
export const awsAccountSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
      .describe('Short name used in finding keys and messages, e.g. prod.'),
    roleArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
        'expected arn:aws:iam::<12 digits>:role/<name>',
      )
      .optional()
      .describe('Role to assume with STS for this account; omit to use the default credentials.'),
    externalId: z.string().optional().describe('External id the role trust policy requires.'),
    regions: z
      .array(region)
      .min(1)
      .optional()
      .describe('Regions of this account; default the top-level regions.'),
  })
  .describe('An AWS account.');

/** Instances that should be running: a finding when one is stopped. */
const expectRunningSchema = z
  .strictObject({
    instanceIds: z
      .array(z.string().regex(/^i-[0-9a-f]+$/, 'expected an instance id such as i-0abc123'))
      .default([]),
    tags: z
      .record(z.string(), z.string())
      .default({})
      .describe('Instances carrying all these tags should run, e.g. { Environment: prod }.'),
  })
  .prefault({});

/** A log group to watch for errors. */
export const logGroupWatchSchema = z
  .strictObject({
    name: z.string().min(1).describe('Log group name, e.g. /aws/lambda/api.'),
    pattern: z
      .string()
      .max(1024)
      .default('?ERROR ?Error ?error ?Exception ?FATAL ?panic ?Traceback')
      .describe('CloudWatch Logs filter pattern; the default catches common error words.'),
    region: region
      .optional()
      .describe('Region of the group; default the first region of the account.'),
    account: z.string().optional().describe('Account name; default the first account.'),
  })
  .describe('A log group to watch.');

/** Config section of the `aws` plugin (`plugins.aws` in opsagent.yaml). */
export const awsConfigSchema = z
  .strictObject({
    regions: z
      .array(region)
      .min(1)
      .optional()
      .describe('Regions to watch; default every region EC2 DescribeRegions returns.'),
    accounts: z
      .array(awsAccountSchema)
      .min(1)
      .default([{ name: 'default' }])
      .describe('Accounts to watch; default one account with the default credential chain.'),
    endpoints: z
      .strictObject({
        ec2: z.url().optional(),
        logs: z.url().optional(),
        amplify: z.url().optional(),
        sts: z.url().optional(),
        ecs: z.url().optional(),
        rds: z.url().optional(),
        lambda: z.url().optional(),
        cloudwatch: z.url().optional(),
        sesv2: z.url().optional(),
      })
      .prefault({})
      .describe('Endpoint overrides per service; AWS_ENDPOINT_URL_<SERVICE> is honoured too.'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(5)
      .describe('Attempts per API call, with the SDK standard backoff on throttling.'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(16)
      .describe('API calls in flight at once per service.'),
    ec2: z
      .strictObject({
        enabled: z.boolean().default(true),
        scheduledEvents: z.boolean().default(true).describe('Report scheduled maintenance events.'),
        expectRunning: expectRunningSchema,
      })
      .prefault({}),
    amplify: z
      .strictObject({
        enabled: z.boolean().default(true),
        apps: z
          .array(z.string())
          .default([])
          .describe('App ids or names to watch; default all apps.'),
      })
      .prefault({}),
    logs: z
      .strictObject({
        groups: z
          .array(logGroupWatchSchema)
          .default([])
          .describe('Log groups to watch for error bursts.'),
        lookback: durationMs('Window of the first check', 15 * 60_000),
        maxEventsPerCheck: z
          .number()
          .int()
          .min(1)
          .default(50_000)
          .describe('Events read per group and check.'),
        surgeFactor: z
          .number()
          .min(1)
          .default(3)
          .describe('A template surges at this many times its mean rate.'),
        minCount: z
          .number()
          .int()
          .min(1)
          .default(5)
          .describe(
            'Least lines in a window for a known template to count as surging (a new template is reported from its first line).',
          ),
        criticalCount: z
          .number()
          .int()
          .min(1)
          .default(100)
          .describe('Lines in a window that make a finding critical.'),
        hold: durationMs('How long a burst finding stays after its last burst', 15 * 60_000),
      })
      .prefault({}),
    tools: z
      .strictObject({
        enabled: z.boolean().default(true),
        services: z
          .array(z.enum(['ec2', 'logs', 'amplify', 'ecs', 'rds', 'lambda', 'cloudwatch']))
          .default(['ec2', 'logs', 'amplify', 'ecs', 'rds', 'lambda', 'cloudwatch'])
          .describe('Services the read-only tools cover.'),
      })
      .prefault({}),
    remediations: z
      .array(
        z.enum([
          'reboot_instance',
          'start_instance',
          'amplify_retry_job',
          'amplify_release_branch',
          'amplify_start_deployment',
        ]),
      )
      .default(['reboot_instance', 'start_instance', 'amplify_retry_job', 'amplify_release_branch'])
      .describe('Remediations offered (each still needs approval).'),
    verify: z
      .strictObject({
        initialDelay: durationMs('Wait after a remediation before checking it worked', 20_000),
        poll: durationMs('Between verification looks', 15_000),
        timeout: durationMs('Give up verifying after', 10 * 60_000),
      })
      .prefault({})
      .describe('How remediations are verified (instance status ok again; job succeeded).'),
    checkInterval: z
      .number()
      .int()
      .min(1000)
      .optional()
      .describe('How often AWS is checked, in ms; default the monitor interval.'),
  })
  .describe(
    'AWS: EC2 status, Amplify builds, CloudWatch Logs errors; read-only tools; consented remediations.',
  );

/** The validated config of the `aws` plugin. */
export type AwsConfig = z.output<typeof awsConfigSchema>;
/** One account of {@link AwsConfig}. */
export type AwsAccountConfig = z.output<typeof awsAccountSchema>;
