import type { LambdaEvent, LambdaResponse, SlackChannel } from '@opsagent/channel-slack';
import type { Agent } from '@opsagent/core';
import { OpsAgentError } from '@opsagent/core';
import { loadAgent } from './load.js';

/** Options of {@link createLambdaHandler}. */
export interface LambdaHandlerOptions {
  /** Environment; default `process.env`. `SLACK_MODE` is forced to `lambda`. */
  env?: NodeJS.ProcessEnv;
  /** Folder holding opsagent.yaml; default `LAMBDA_TASK_ROOT`, else the current folder. */
  cwd?: string;
  /** Preset; default the file's, else `cloudops-bot`. */
  preset?: string;
  /** Sweep idle conversations at most this often, after an invocation's work; default 60 s. */
  sweepEveryMs?: number;
}

/**
 * The AWS Lambda entry point of a Slack preset (API Gateway proxy event in, response out). The
 * agent is built once per execution environment and reused by warm invocations. Each invocation
 * waits for the work its event started (Lambda freezes the process once the handler returns), so
 * give the function a timeout of a few minutes; Slack's retries of a slow answer are acked and
 * dropped by the store's claim on the event id. Use a shared store (DynamoDB) when more than one
 * execution environment may run: SQLite in /tmp is per environment.
 */
export function createLambdaHandler(
  options: LambdaHandlerOptions = {},
): (event: LambdaEvent, context?: unknown) => Promise<LambdaResponse> {
  let ready:
    | Promise<{ agent: Agent; handle: ReturnType<SlackChannel['lambdaHandler']> }>
    | undefined;
  let lastSweep = 0;
  const sweepEveryMs = options.sweepEveryMs ?? 60_000;

  const build = async () => {
    const base = options.env ?? process.env;
    const env: NodeJS.ProcessEnv = {
      OPSAGENT_DATA_DIR: '/tmp/opsagent',
      ...base,
      SLACK_MODE: 'lambda',
    };
    const { agent } = await loadAgent({
      mode: 'run',
      env,
      cwd: options.cwd ?? base.LAMBDA_TASK_ROOT ?? process.cwd(),
      preset: options.preset ?? base.OPSAGENT_PRESET ?? 'cloudops-bot',
    });
    const channel = agent.registry.channels.get('slack') as SlackChannel | undefined;
    if (channel?.mode !== 'lambda') {
      throw new OpsAgentError(
        'LAMBDA_NO_SLACK',
        'the Lambda entry point needs a preset with the Slack channel (e.g. cloudops-bot)',
        { category: 'user' },
      );
    }
    await agent.start({ monitor: false });
    const handle = channel.lambdaHandler({
      settle: async () => {
        await agent.idle();
        const now = Date.now();
        if (now - lastSweep >= sweepEveryMs) {
          lastSweep = now;
          await agent.sweep().catch(() => undefined);
        }
      },
    });
    return { agent, handle };
  };

  return async (event, context) => {
    ready ??= build().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    const { handle } = await ready;
    return handle(event, context);
  };
}

/** The handler to name in a SAM/CloudFormation template: `opsagent/lambda.handler`. */
export const handler = createLambdaHandler();
