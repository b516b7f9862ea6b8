import { slackPlugin } from '@opsagent/channel-slack/plugin';
import { definePlugin, type PluginEntry, type Source } from '@opsagent/core';
import { awsPlugin } from '@opsagent/source-aws';
import type { Preset } from './preset.js';

/**
 * `cloudops-bot`: troubleshoot AWS from a Slack thread. Slack (Events API over HTTP, Socket Mode,
 * or the Lambda handler in `opsagent/lambda`) plus read-only AWS tools, answered by the model the
 * environment configures (Claude first when ANTHROPIC_API_KEY is set), with history per thread and
 * a 30-minute inactivity timeout that closes the conversation with a note in the thread.
 */
export const cloudopsBotPreset: Preset = {
  name: 'cloudops-bot',
  description:
    'troubleshoot AWS from a Slack thread (Events API, Socket Mode or Lambda) with read-only tools',
  plugins(sections): PluginEntry[] {
    return [
      { plugin: slackPlugin, config: sections[slackPlugin.name], validated: true },
      ...awsPlugins(sections),
    ];
  },
  // Everyone the Slack allowlists let through may ask (viewer); list operators to approve changes.
  principals: [
    { id: 'slack-user', name: 'Slack user', roles: ['viewer'], identities: { slack: ['*'] } },
  ],
  notifications: [],
  template: `# opsagent.yaml: the \`cloudops-bot\` preset. Troubleshoot AWS from a Slack thread.
# Secrets come from the environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP and Lambda) or
# SLACK_APP_TOKEN (Socket Mode), ANTHROPIC_API_KEY, and the usual AWS credential chain.
# See docs/slack.md for the Slack app setup. Bot scopes: app_mentions:read, channels:history,
# groups:history, chat:write, im:history, commands. Bot events: app_mention, message.channels,
# message.groups (follow-ups in threads without a mention), message.im (direct messages).
preset: cloudops-bot

# Who may do more than ask. Everyone the Slack allowlists admit is a viewer by default.
principals:
  - id: slack-user
    name: Slack user
    roles: [viewer]
    identities:
      slack: ["*"]
  # - id: alice
  #   roles: [operator]
  #   identities:
  #     slack: [U0123ABCD]

conversation:
  historyLimit: 20      # messages of history per thread sent to the model
  idleTimeout: 30m      # a thread with no activity for this long is closed with a note

# The bot answers questions; it does not watch (aws-monitor is the preset that does).

plugins:
  aws:
    # regions: [eu-west-1]        # default: every region DescribeRegions returns
    # accounts:
    #   - name: prod
    #     roleArn: arn:aws:iam::123456789012:role/opsagent-readonly
    tools:
      services: [ec2, logs, amplify, ecs, rds, lambda, cloudwatch]
  slack:
    # mode: http        # http (Events API, PORT), socket (SLACK_APP_TOKEN) or lambda
    path: /slack/events
    allow:
      users: []         # Slack user ids; empty: everyone in the workspace
      channels: []      # channel ids; empty: every channel the bot is in
      teams: []         # workspace ids (team_id); empty: any
    threads:
      followUp: true    # a reply in a thread the bot answered in is the next turn, no mention
                        # needed, until idleTimeout; false: mention the bot each time
`,
};

/**
 * The `aws` plugin reduced to what a chat bot should have: its read-only tools, and its sources
 * for `status` and prompt context only (no `check`, so nothing is monitored). No remediations.
 */
const awsReadOnlyPlugin = definePlugin({
  name: awsPlugin.name,
  ...(awsPlugin.configSchema ? { configSchema: awsPlugin.configSchema } : {}),
  async setup(ctx) {
    const full = await awsPlugin.setup(ctx);
    const sources: Source[] = (full.sources ?? []).map((source) => ({
      name: source.name,
      ...(source.status ? { status: source.status.bind(source) } : {}),
      ...(source.context ? { context: source.context.bind(source) } : {}),
      ...(source.timeoutMs ? { timeoutMs: source.timeoutMs } : {}),
    }));
    return {
      tools: full.tools ?? [],
      sources,
      ...(full.dispose ? { dispose: full.dispose } : {}),
    };
  },
});

/** The read-only AWS plugin with the file's `plugins.aws` section. */
function awsPlugins(sections: Readonly<Record<string, unknown>>): PluginEntry[] {
  return [{ plugin: awsReadOnlyPlugin, config: sections[awsPlugin.name], validated: true }];
}
