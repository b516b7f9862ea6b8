import type { Address, Channel, InboundMessage, SentMessage } from '../contracts/channel.js';
import type { LanguageModel, ModelMessage } from '../contracts/language-model.js';
import type { Logger } from '../contracts/logger.js';
import { type OutboundMessage, textMessage } from '../contracts/message.js';
import type { Principal } from '../contracts/roles.js';
import type { ApprovalRecord, Store } from '../contracts/store.js';
import type { Tool } from '../contracts/tool.js';
import { errorMessage, OpsAgentError } from '../errors.js';
import type { SecretRedactor } from '../logging/redact.js';
import type { Clock } from '../util/clock.js';
import { withTimeout } from '../util/timeout.js';
import { runTurn, trimHistory } from './agent-loop.js';
import { type ApprovalService, approvalView, type Destination } from './approvals.js';
import type { AgentLoopOptions, ConversationOptions } from './options.js';
import { createProposeTool } from './propose-tool.js';
import type { Registry } from './registry.js';
import { buildSystemPrompt } from './system-prompt.js';

/** The message a question gets when no model is configured. */
export const NO_MODEL_REPLY =
  'No language model is configured, so I can only answer commands (type "help"). ' +
  'To ask questions, set ANTHROPIC_API_KEY, OPENAI_API_KEY (or OPENAI_BASE_URL for a local server such as Ollama) ' +
  'or GEMINI_API_KEY (or OPSAGENT_MODEL=bedrock:<model id> with AWS credentials, or providers under plugins.llm in opsagent.yaml), and start again.';

/** What answering a question needs from the agent. */
export interface AnswerDeps {
  model: LanguageModel | undefined;
  registry: Registry;
  approvals: ApprovalService;
  store: Store;
  clock: Clock;
  conversation: ConversationOptions;
  loop: AgentLoopOptions;
  redactor: SecretRedactor;
  logger: Logger;
  /** Aborted when the agent stops. */
  signal: AbortSignal;
  /** Time allowed for each source's `context()`. */
  statusTimeoutMs: number;
  /** Sends a reply, logging (not throwing) on failure. */
  reply(
    channel: Channel,
    address: Address,
    message: OutboundMessage | string,
  ): Promise<SentMessage | undefined>;
}

/**
 * Answers one question with the model: working indicator and progress, the agent loop with the
 * registered tools plus `propose_remediation`, history saved on success, a clear reply on failure.
 */
export function createAnswerer(deps: AnswerDeps) {
  const {
    model,
    registry,
    approvals,
    store,
    clock,
    conversation,
    loop,
    redactor,
    logger,
    reply,
    statusTimeoutMs,
  } = deps;

  const answer = async (
    key: string,
    message: InboundMessage,
    principal: Principal,
    channel: Channel,
    text: string,
  ): Promise<void> => {
    if (!model) {
      await reply(channel, message.address, NO_MODEL_REPLY);
      return;
    }
    const stopWorking = await channel.indicateWorking?.(message.address).catch(() => undefined);
    let progress: SentMessage | undefined;
    if (channel.showsProgress && channel.update) {
      progress = await reply(channel, message.address, textMessage('Investigating…', 'progress'));
    }
    try {
      const history = (await store.recentMessages(key, conversation.historyLimit)).map(
        (m) => m.message,
      );
      const origin: Destination = { channel: message.channel, address: message.address };
      const tools = new Map<string, Tool>(registry.tools);
      if (registry.remediations.size > 0) {
        const propose = createProposeTool({
          remediations: registry.remediations,
          approvals,
          principal,
          origin,
          onProposed: async (approval: ApprovalRecord) => {
            if (approval.status === 'pending') {
              await reply(channel, message.address, {
                kind: 'reply',
                blocks: [{ type: 'approval', approval: approvalView(approval) }],
              });
            }
          },
        });
        tools.set(propose.name, propose);
      }
      const contexts = await gatherContexts();
      const system = buildSystemPrompt({
        contexts,
        remediations: [...registry.remediations.keys()],
        ...(loop.instructions ? { instructions: loop.instructions } : {}),
        now: clock.now(),
      });
      const userMessage: ModelMessage = { role: 'user', content: redactor.redact(text) };
      const result = await runTurn({
        model,
        system,
        messages: [...trimHistory(history, conversation.historyLimit), userMessage],
        tools,
        options: loop,
        principal,
        logger: logger.child({ conversation: key }),
        redactor,
        signal: deps.signal,
        attribution: { conversation: key },
        onToolCalls: async (calls) => {
          if (!channel.showsProgress) return;
          const note = textMessage(`Running ${calls.map((c) => c.name).join(', ')}…`, 'progress');
          if (progress && channel.update)
            await channel.update(progress, note).catch(() => undefined);
          else await reply(channel, message.address, note);
        },
        onToolResult: async (call, result, durationMs) => {
          await store.appendAudit({
            at: clock.now(),
            type: 'tool_call',
            actor: principal.id,
            subject: call.name,
            detail: {
              input: call.input,
              ok: !result.isError,
              durationMs: Math.round(durationMs),
              conversation: key,
            },
          });
        },
      });
      const at = clock.now();
      await store.appendMessages(
        key,
        [userMessage, ...result.added].map((m) => ({ at, message: m })),
      );
      const final = textMessage(redactor.redact(result.text));
      if (progress && channel.update) await channel.update(progress, final);
      else await reply(channel, message.address, final);
    } catch (error) {
      logger.error({ err: error, conversation: key }, 'turn failed');
      const why =
        error instanceof OpsAgentError && error.category === 'third-party'
          ? 'the model provider failed'
          : 'something failed';
      const note = textMessage(
        `Sorry, I could not answer: ${why} (${redactor.redact(errorMessage(error))}). Commands such as "status" still work; try the question again shortly.`,
      );
      if (progress && channel.update)
        await channel.update(progress, note).catch(() => reply(channel, message.address, note));
      else await reply(channel, message.address, note);
    } finally {
      await stopWorking?.().catch(() => undefined);
    }
  };

  const gatherContexts = async () => {
    const out: Array<{ source: string; text: string }> = [];
    await Promise.all(
      [...registry.sources.values()]
        .filter((s) => s.context)
        .map(async (source) => {
          try {
            const text = await withTimeout(`context of ${source.name}`, statusTimeoutMs, (signal) =>
              source.context!({ signal, logger: logger.child({ source: source.name }) }),
            );
            if (text) out.push({ source: source.name, text: redactor.redact(text) });
          } catch (error) {
            logger.warn({ err: error, source: source.name }, 'source context failed');
          }
        }),
    );
    return out.sort((a, b) => a.source.localeCompare(b.source));
  };

  return answer;
}
