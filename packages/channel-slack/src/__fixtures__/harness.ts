import {
  type Agent,
  type CreateAgentOptions,
  createAgent,
  definePlugin,
  type PrincipalConfig,
} from '@opsagent/core';
import {
  createScriptedModel,
  type FakeSlackServer,
  type ScriptedModel,
  type ScriptStep,
  startFakeSlackServer,
} from '@opsagent/testkit';
import { createSlackChannel, type SlackChannel, type SlackChannelOptions } from '../channel.js';

export const SECRET = 'test-signing-secret-0123456789';
export const TOKEN = 'xoxb-test-bot-token';

/** Slack principals: Alice admin, Olga operator, Victor viewer. */
export const SLACK_PRINCIPALS: PrincipalConfig[] = [
  { id: 'alice', name: 'Alice', roles: ['admin'], identities: { slack: ['U_ALICE'] } },
  { id: 'olga', name: 'Olga', roles: ['operator'], identities: { slack: ['U_OLGA'] } },
  { id: 'victor', name: 'Victor', roles: ['viewer'], identities: { slack: ['U_VICTOR'] } },
];

export interface SlackHarness {
  agent: Agent;
  channel: SlackChannel;
  slack: FakeSlackServer;
  model: ScriptedModel;
  /** The events URL (HTTP mode). */
  url: string;
  stop(): Promise<void>;
}

/** An agent with the Slack channel (HTTP mode on a free port unless told) against a fake Web API. */
export async function startSlackAgent(
  options: {
    script?: ScriptStep[];
    channel?: Partial<SlackChannelOptions>;
    agent?: Omit<CreateAgentOptions, 'model'>;
    slack?: FakeSlackServer;
  } = {},
): Promise<SlackHarness> {
  const slack = options.slack ?? (await startFakeSlackServer({ botToken: TOKEN }));
  const channel = createSlackChannel({
    mode: 'http',
    botToken: TOKEN,
    signingSecret: SECRET,
    apiUrl: slack.url,
    port: 0,
    host: '127.0.0.1',
    apiRetries: 2,
    ...options.channel,
  });
  const model = createScriptedModel(options.script ?? []);
  const { plugins = [], ...rest } = options.agent ?? {};
  const agent = await createAgent({
    principals: SLACK_PRINCIPALS,
    monitor: { enabled: false },
    ...rest,
    plugins: [definePlugin({ name: 'slack', setup: () => ({ channels: [channel] }) }), ...plugins],
    model,
  });
  await agent.start();
  return {
    agent,
    channel,
    slack,
    model,
    url: `http://127.0.0.1:${channel.port}/slack/events`,
    async stop() {
      await agent.stop();
      if (!options.slack) await slack.close();
    },
  };
}
