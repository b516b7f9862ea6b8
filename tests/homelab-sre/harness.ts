import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Agent, createAgent, parseConfig, toRuntimeOptions } from '@opsagent/core';
import {
  createScriptedModel,
  type FakeSignalServer,
  type ScriptedModel,
  type ScriptStep,
  startFakeSignalServer,
} from '@opsagent/testkit';
import { homelabSrePreset, knownPlugins } from 'opsagent';

export const OWNER = '+15550000002';
export const PARTNER = '+15550000003';
export const STRANGER = '+15550000666';

/** The homelab-sre preset, composed as `opsagent run` composes it, on a fake signal-cli-rest-api and a scripted model. */
export interface HomelabSre {
  agent: Agent;
  signal: FakeSignalServer;
  model: ScriptedModel;
  /** Waits until everything delivered so far has been handled. */
  settle(): Promise<void>;
  /** Texts the bot sent to a recipient, in order. */
  sentTo(recipient: string): string[];
  stop(): Promise<void>;
}

/**
 * Starts the preset's plugins (mode `run`) from an opsagent.yaml text, with principals and alert
 * routes from SIGNAL_* variables, exactly as the CLI derives them; the monitor runs only when a
 * test calls `agent.monitor.runOnce()`.
 */
export async function startHomelabSre(
  options: { yaml?: string; script?: ScriptStep[]; env?: Record<string, string> } = {},
): Promise<HomelabSre> {
  const signal = await startFakeSignalServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'opsagent-sre-'));
  const env = {
    SIGNAL_API_URL: signal.url,
    SIGNAL_NUMBER: signal.number,
    SIGNAL_ALLOWED_SENDERS: `${OWNER},${PARTNER}`,
    ...options.env,
  };
  const config = parseConfig(options.yaml ?? 'preset: homelab-sre\n', {
    env,
    plugins: knownPlugins,
    source: 'test opsagent.yaml',
  });
  const runtime = toRuntimeOptions(config);
  const fromEnv = homelabSrePreset.fromEnv?.(env) ?? {};
  const model = createScriptedModel(options.script ?? []);
  const agent = await createAgent({
    model,
    plugins: homelabSrePreset.plugins(config.plugins, 'run'),
    principals: runtime.principals.length > 0 ? runtime.principals : (fromEnv.principals ?? []),
    notifications:
      runtime.notifications.length > 0 ? runtime.notifications : (fromEnv.notifications ?? []),
    conversation: runtime.conversation,
    agent: runtime.agent,
    monitor: { ...runtime.monitor, enabled: false },
    approvals: {
      ...runtime.approvals,
      policy:
        runtime.approvals.policy.length > 0
          ? runtime.approvals.policy
          : (homelabSrePreset.policy ?? []),
    },
    dataDir,
    env,
  });
  await agent.start({ monitor: false });
  const settle = async () => {
    for (let i = 0; i < 400 && signal.queued() > 0; i += 1) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20));
    await agent.idle();
  };
  return {
    agent,
    signal,
    model,
    settle,
    sentTo: (recipient) =>
      signal.sent
        .filter((s) => s.body.recipients[0] === recipient)
        .map((s) => s.body.message ?? ''),
    async stop() {
      await agent.stop();
      await signal.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
