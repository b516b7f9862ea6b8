import { slackPlugin } from '@opsagent/channel-slack/plugin';
import { CONSOLE_ADDRESS, type PluginEntry } from '@opsagent/core';
import { awsEmailPlugin, awsPlugin } from '@opsagent/source-aws';
import { consolePlugin } from './local.js';
import type { Preset } from './preset.js';

/**
 * `aws-monitor`: EC2 status, Amplify builds and CloudWatch Logs errors watched; incidents triaged
 * by a cheap model and diagnosed with the read-only AWS tools when critical; notifications on the
 * console and by e-mail (SES); remediations proposed and run only with approval; everything audited.
 */
export const awsMonitorPreset: Preset = {
  name: 'aws-monitor',
  description:
    'watch EC2, Amplify and CloudWatch Logs; triage and diagnose incidents; propose reboots and redeploys with approval',
  plugins(sections, mode, env = {}): PluginEntry[] {
    return [
      { plugin: consolePlugin(mode) },
      { plugin: awsPlugin, config: sections[awsPlugin.name], validated: true },
      { plugin: awsEmailPlugin, config: sections[awsEmailPlugin.name], validated: true },
      // Slack for alerts and approvals once its bot token is set (SLACK_BOT_TOKEN or
      // plugins.slack.botToken), with a signing secret (Events API) or an app token (Socket Mode).
      ...(wantsSlack(sections, env) && mode !== 'status'
        ? [{ plugin: slackPlugin, config: sections[slackPlugin.name], validated: true }]
        : []),
    ];
  },
  principals: [{ id: 'local', name: 'you', roles: ['admin'], identities: { console: ['*'] } }],
  notifications: [{ channel: 'console', address: CONSOLE_ADDRESS, minSeverity: 'warning' }],
  template: `# opsagent.yaml: the \`aws-monitor\` preset. Watches EC2, Amplify and CloudWatch Logs.
# Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else AWS_PROFILE (SSO too), else an instance or task role.
# \`opsagent aws iam-policy\` prints the least-privilege IAM policy for this file.
preset: aws-monitor

principals:
  - id: local
    name: you
    roles: [admin]
    identities:
      console: ["*"]

monitor:
  interval: 60s         # how often AWS is checked by \`opsagent run\`
  openAfter: 2          # consecutive bad checks before an incident opens
  resolveAfter: 2
  triage: true          # a short model triage (task "triage", the cheap model) of each new incident
  diagnose: critical    # critical ones: a diagnosis with the read-only AWS tools (task "diagnosis", the strong model)

notifications:
  routes:
    - channel: console
      to: { chat: console }
      minSeverity: warning
    # - channel: email
    #   to: { chat: default }   # plugins.aws-email.to
    #   minSeverity: critical
    # - channel: slack          # with a plugins.slack section below
    #   to: { chat: C0123ABCD } # a channel id the bot is in; approvals come as buttons
    #   minSeverity: warning

approvals:
  expiresIn: 1h

plugins:
  aws:
    # regions: [eu-west-1, us-east-1]   # default: every region DescribeRegions returns
    # accounts:
    #   - name: prod
    #     roleArn: arn:aws:iam::123456789012:role/opsagent-monitor
    ec2:
      scheduledEvents: true
      expectRunning:
        tags: {}          # e.g. { Environment: prod }: stopped ones are critical
        instanceIds: []
    amplify:
      apps: []            # app ids or names; default all
    logs:
      groups: []          # e.g. [{ name: /aws/lambda/api }, { name: /ecs/web, pattern: "?ERROR ?FATAL" }]
      lookback: 900000    # ms read by the first check
    remediations: [reboot_instance, start_instance, amplify_retry_job, amplify_release_branch]
  aws-email:
    # from: "opsagent <ops@example.com>"   # a verified SES identity
    # to: [oncall@example.com]
  # With SLACK_BOT_TOKEN set, alerts and approval buttons can also go to Slack (a slack route
  # under notifications); Socket Mode with SLACK_APP_TOKEN, or the Events API (docs/slack.md).
  # slack:
  #   mode: socket
`,
};

function wantsSlack(
  sections: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const section = sections[slackPlugin.name] as { botToken?: unknown } | undefined;
  return Boolean(env.SLACK_BOT_TOKEN) || typeof section?.botToken === 'string';
}
