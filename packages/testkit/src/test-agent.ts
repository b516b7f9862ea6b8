import {
  type Agent,
  type CreateAgentOptions,
  createAgent,
  definePlugin,
  type Plugin,
  type PluginEntry,
  type PrincipalConfig,
} from '@opsagent/core';
import {
  createFakeChannel,
  type FakeChannel,
  type FakeChannelOptions,
  type InjectOptions,
} from './fake-channel.js';
import { createScriptedModel, type ScriptedModel, type ScriptStep } from './scripted-model.js';

/** Principals every test agent knows on its fake channel: one per role. */
export const TEST_PRINCIPALS: PrincipalConfig[] = [
  { id: 'alice', name: 'Alice', roles: ['admin'], identities: { fake: ['alice'] } },
  { id: 'olga', name: 'Olga', roles: ['operator'], identities: { fake: ['olga'] } },
  { id: 'victor', name: 'Victor', roles: ['viewer'], identities: { fake: ['victor'] } },
];

/** Options of {@link createTestAgent}: createAgent's, plus the script and the fake channel's. */
export interface TestAgentOptions extends Omit<CreateAgentOptions, 'model'> {
  /** Steps for the scripted model; omit `script` and `model` for an agent with no model. */
  script?: ScriptStep[];
  /** Another model instead of a script; `null` for none. */
  model?: CreateAgentOptions['model'] | null;
  /** Options of the fake channel. */
  channel?: FakeChannelOptions;
  /** Call `agent.start()`; default true (the monitor stays off unless `monitor.enabled`). */
  start?: boolean;
}

/** A test agent with its fake channel and scripted model. */
export interface TestAgent {
  agent: Agent;
  channel: FakeChannel;
  /** The scripted model, when a script was given. */
  model: ScriptedModel | undefined;
  /** Says `text` (as `alice` unless told) and waits until it is handled; returns the texts sent meanwhile. */
  ask(text: string, from?: Partial<InjectOptions>): Promise<string[]>;
  /** Stops the agent. */
  stop(): Promise<void>;
}

/**
 * An agent on a fake channel, with a scripted model, three principals (alice admin, olga operator,
 * victor viewer) and a memory store unless told otherwise. For plugin authors' tests and ours.
 */
export async function createTestAgent(options: TestAgentOptions = {}): Promise<TestAgent> {
  const channel = createFakeChannel(options.channel);
  const channelPlugin: Plugin = definePlugin({
    name: `${channel.name}-channel`,
    setup: () => ({ channels: [channel] }),
  });
  const model = options.script ? createScriptedModel(options.script) : undefined;
  const {
    script: _script,
    channel: _channel,
    start,
    model: givenModel,
    plugins,
    monitor,
    ...rest
  } = options;
  const resolvedModel = givenModel === null ? undefined : (givenModel ?? model);
  const agent = await createAgent({
    principals: TEST_PRINCIPALS,
    ...rest,
    plugins: [channelPlugin, ...((plugins ?? []) as Array<Plugin | PluginEntry>)],
    monitor: { enabled: false, ...monitor },
    ...(resolvedModel ? { model: resolvedModel } : {}),
  });
  if (start !== false) await agent.start();
  return {
    agent,
    channel,
    model,
    async ask(text, from) {
      const before = channel.sent.length;
      const message = await channel.inject(text, from);
      await agent.idle();
      return channel.sent
        .slice(before)
        .filter((s) => s.address.chat === message.address.chat)
        .map((s) => s.text);
    },
    stop: () => agent.stop(),
  };
}
