import {
  type Agent,
  type Channel,
  createAgent,
  definePlugin,
  defineRemediation,
  type Logger,
} from '@opsagent/core';
import { z } from 'zod';

/** A model that answers every question the same way and keeps the requests it was sent. */
export function constantModel() {
  const model = {
    name: 'fuzz',
    requests: [] as unknown[],
    async generate(request: unknown) {
      model.requests.push(request);
      return {
        text: 'answered after the fuzzing',
        toolCalls: [],
        stopReason: 'end' as const,
        usage: { inputTokens: 1, outputTokens: 1 },
        model: 'fuzz',
      };
    },
  };
  return model;
}

/**
 * Starts an agent on `channel` for the Slack fuzz tests: Alice (U_ALICE) is an admin, and a
 * high-risk remediation that must never run from fuzzed input records into `executed` if it does.
 */
export async function startGuardedAgent(options: {
  channel: Channel;
  logger: Logger;
  model: ReturnType<typeof constantModel>;
  executed: string[];
}): Promise<Agent> {
  const agent = await createAgent({
    principals: [
      { id: 'alice', name: 'Alice', roles: ['admin'], identities: { slack: ['U_ALICE'] } },
    ],
    monitor: { enabled: false },
    logger: options.logger,
    plugins: [
      definePlugin({ name: 'slack', setup: () => ({ channels: [options.channel] }) }),
      definePlugin({
        name: 'guard',
        setup: () => ({
          remediations: [
            defineRemediation({
              name: 'restart_everything',
              description: 'must never run from fuzzed input',
              input: z.object({}),
              risk: 'high',
              describe: () => 'restart everything',
              async execute() {
                options.executed.push('restart_everything');
                return { ok: true, detail: 'ran' };
              },
            }),
          ],
        }),
      }),
    ],
    model: options.model,
  });
  await agent.start();
  return agent;
}
