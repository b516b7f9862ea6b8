import { definePlugin, type HealthCheck, OpsAgentError, resolveSecret } from '@opsagent/core';
import { z } from 'zod';
import type { SlackChannel, SlackMode } from './channel.js';

const idList = z.union([z.array(z.string().min(1)), z.string()]).transform((value) =>
  Array.isArray(value)
    ? value
    : value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
);

/** The `plugins.slack` section of opsagent.yaml. Secrets are best left to the environment. */
export const slackConfigSchema = z
  .strictObject({
    mode: z
      .enum(['http', 'socket', 'lambda'])
      .optional()
      .describe(
        'How Slack reaches the bot: `http` (Events API), `socket` (Socket Mode) or `lambda`. Default: `socket` when SLACK_APP_TOKEN is set, else `http`.',
      ),
    botToken: z
      .string()
      .min(1)
      .optional()
      .describe('Bot token (xoxb-...); default SLACK_BOT_TOKEN.'),
    signingSecret: z
      .string()
      .min(1)
      .optional()
      .describe('Signing secret; default SLACK_SIGNING_SECRET (or SLACK_SIGNING_KEY).'),
    appToken: z
      .string()
      .min(1)
      .optional()
      .describe('App-level token (xapp-...) for Socket Mode; default SLACK_APP_TOKEN.'),
    apiUrl: z
      .url()
      .optional()
      .describe('Web API base URL; default SLACK_API_URL, else https://slack.com/api/.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe('Port of the Events API endpoint (http mode); default PORT, else 3000.'),
    host: z.string().min(1).optional().describe('Interface to listen on; default all.'),
    path: z
      .string()
      .startsWith('/')
      .default('/slack/events')
      .describe('Request URL path for events, interactivity and the slash command.'),
    allow: z
      .strictObject({
        users: idList
          .optional()
          .describe('Slack user ids allowed; default SLACK_ALLOWED_USERS, else everyone.'),
        channels: idList
          .optional()
          .describe('Channel ids allowed; default SLACK_ALLOWED_CHANNELS, else every channel.'),
        teams: idList
          .optional()
          .describe('Workspace ids (team_id) allowed; default SLACK_ALLOWED_TEAMS, else any.'),
      })
      .prefault({})
      .describe('Allowlists; people outside get a polite refusal and no tool runs.'),
    directMessages: z.boolean().default(true).describe('Answer direct messages.'),
    threads: z
      .strictObject({
        followUp: z
          .boolean()
          .default(true)
          .describe(
            'Take a reply in a thread the bot answered in, while its conversation is open (conversation.idleTimeout), as the next turn without a new mention. Needs the message.channels and message.groups events (scopes channels:history, groups:history). false: only mentions continue a thread.',
          ),
      })
      .prefault({})
      .describe('Channel threads.'),
    slashCommand: z.string().startsWith('/').default('/opsagent').describe('The slash command.'),
    refusal: z.string().min(1).optional().describe('The reply to people the allowlist refuses.'),
  })
  .describe('Slack: Events API, Socket Mode or Lambda; threads as conversations.');

/** The validated `plugins.slack` section. */
export type SlackConfig = z.output<typeof slackConfigSchema>;

const fromEnv = (env: Readonly<Record<string, string | undefined>>, name: string) =>
  env[name]
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * Builds the channel from the config section and the environment (the plugin's way). Bolt is
 * loaded here, on first use, so a CLI that merely knows this plugin does not pay for it.
 */
export async function slackChannelFromConfig(
  config: SlackConfig,
  env: Readonly<Record<string, string | undefined>>,
  overrides: { mode?: SlackMode } = {},
): Promise<SlackChannel> {
  const appToken = config.appToken ?? env.SLACK_APP_TOKEN;
  const signingSecret = config.signingSecret ?? env.SLACK_SIGNING_SECRET ?? env.SLACK_SIGNING_KEY;
  const mode: SlackMode =
    overrides.mode ??
    config.mode ??
    (env.SLACK_MODE as SlackMode | undefined) ??
    (appToken ? 'socket' : 'http');
  if (!['http', 'socket', 'lambda'].includes(mode)) {
    throw new OpsAgentError(
      'SLACK_MODE_INVALID',
      `SLACK_MODE is "${mode}"; expected http, socket or lambda`,
      { category: 'user' },
    );
  }
  const botToken = resolveSecret(
    {
      value: config.botToken,
      env: ['SLACK_BOT_TOKEN'],
      configPath: 'plugins.slack.botToken',
      description: 'Slack bot token (xoxb-...)',
    },
    env,
  );
  const portText = env.PORT;
  let port = config.port;
  if (port === undefined && portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new OpsAgentError(
        'SLACK_PORT_INVALID',
        `PORT is "${portText}"; expected a port number (0-65535)`,
        {
          category: 'user',
        },
      );
    }
  }
  const users = config.allow.users ?? fromEnv(env, 'SLACK_ALLOWED_USERS');
  const channels = config.allow.channels ?? fromEnv(env, 'SLACK_ALLOWED_CHANNELS');
  const teams = config.allow.teams ?? fromEnv(env, 'SLACK_ALLOWED_TEAMS');
  const apiUrl = config.apiUrl ?? env.SLACK_API_URL;
  const { createSlackChannel } = await import('./channel.js');
  return createSlackChannel({
    mode,
    botToken,
    ...(mode !== 'socket'
      ? {
          signingSecret: resolveSecret(
            {
              value: signingSecret,
              env: ['SLACK_SIGNING_SECRET', 'SLACK_SIGNING_KEY'],
              configPath: 'plugins.slack.signingSecret',
              description: 'Slack signing secret',
            },
            env,
          ),
        }
      : {}),
    ...(appToken ? { appToken } : {}),
    ...(apiUrl ? { apiUrl } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(config.host ? { host: config.host } : {}),
    path: config.path,
    allow: {
      ...(users ? { users } : {}),
      ...(channels ? { channels } : {}),
      ...(teams ? { teams } : {}),
    },
    directMessages: config.directMessages,
    threads: { followUp: config.threads.followUp },
    slashCommand: config.slashCommand,
    ...(config.refusal ? { refusal: config.refusal } : {}),
  });
}

/** `opsagent doctor`: the bot token works against the Web API. */
function authCheck(channel: SlackChannel, apiUrl: string | undefined, token: string): HealthCheck {
  return {
    name: 'slack auth',
    async run({ signal }) {
      const base = apiUrl
        ? apiUrl.endsWith('/')
          ? apiUrl
          : `${apiUrl}/`
        : 'https://slack.com/api/';
      let response: Response;
      try {
        response = await fetch(`${base}auth.test`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          signal,
        });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return {
          status: 'fail',
          detail: `cannot reach the Slack Web API at ${base} (${why}); check the network${apiUrl ? ' and SLACK_API_URL' : ''}`,
        };
      }
      const body = (await response.json().catch(() => ({}))) as {
        ok?: boolean;
        error?: string;
        team?: string;
        user?: string;
      };
      if (!body.ok) {
        return {
          status: 'fail',
          detail: `auth.test: ${body.error ?? `HTTP ${response.status}`}; check SLACK_BOT_TOKEN`,
        };
      }
      return {
        status: 'ok',
        detail: `bot ${body.user ?? '?'} in ${body.team ?? '?'} (${channel.mode} mode)`,
      };
    },
  };
}

/** Slack as a plugin: `plugins.slack` in opsagent.yaml, secrets from the environment. */
export const slackPlugin = definePlugin({
  name: 'slack',
  version: '0.1.0',
  configSchema: slackConfigSchema,
  async setup({ config, env }) {
    const channel = await slackChannelFromConfig(config, env);
    const token = config.botToken ?? env.SLACK_BOT_TOKEN ?? '';
    return {
      channels: [channel],
      checks: [authCheck(channel, config.apiUrl ?? env.SLACK_API_URL, token)],
    };
  },
});
